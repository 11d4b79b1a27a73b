using System.Net;
using ActorScaler.Actors.Cluster;

namespace ActorScaler.Hosting;

public enum ControllerMode
{
    /// <summary>Decide and write /scale and HPA status.</summary>
    Control,
    /// <summary>Decide and report (annotation, telemetry, logs) but never write scale or status.</summary>
    Shadow,
}

/// <summary>
/// Everything `actorscaler run` needs, validated. Tuning flags keep kube-controller-manager's and
/// metrics-server's names and defaults, so an operator's existing values carry over unchanged.
/// </summary>
public sealed record RunOptions
{
    // kube-controller-manager defaults (pkg/controller/podautoscaler/config/v1alpha1/defaults.go).
    public static readonly TimeSpan DefaultSyncPeriod = TimeSpan.FromSeconds(15);
    public const double DefaultTolerance = 0.1;
    public static readonly TimeSpan DefaultDownscaleStabilization = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultCpuInitializationPeriod = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultInitialReadinessDelay = TimeSpan.FromSeconds(30);
    // metrics-server defaults as shipped in its manifests.
    public static readonly TimeSpan DefaultMetricResolution = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan DefaultKubeletRequestTimeout = TimeSpan.FromSeconds(10);
    public static readonly IReadOnlyList<string> DefaultKubeletAddressTypes = ["InternalIP", "ExternalIP", "Hostname"];
    public static readonly IReadOnlyList<string> KnownAddressTypes = ["Hostname", "InternalDNS", "InternalIP", "ExternalDNS", "ExternalIP"];

    public string? Kubeconfig { get; init; }
    public bool InCluster { get; init; }
    public ControllerMode Mode { get; init; } = ControllerMode.Control;
    /// <summary>Empty = all namespaces.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    /// <summary>Label selector on HPAs; null = every HPA (see also the opt-in annotation).</summary>
    public string? HpaSelector { get; init; }
    public string? ConfigFile { get; init; }

    public TimeSpan SyncPeriod { get; init; } = DefaultSyncPeriod;
    public double Tolerance { get; init; } = DefaultTolerance;
    public TimeSpan DownscaleStabilization { get; init; } = DefaultDownscaleStabilization;
    public TimeSpan CpuInitializationPeriod { get; init; } = DefaultCpuInitializationPeriod;
    public TimeSpan InitialReadinessDelay { get; init; } = DefaultInitialReadinessDelay;

    public TimeSpan MetricResolution { get; init; } = DefaultMetricResolution;
    public TimeSpan CustomMetricsPollInterval { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan CustomMetricsStalenessBudget { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>--prometheus-url: read Pods/Object/External metrics from this Prometheus (with <see cref="PrometheusRules"/>).</summary>
    public Uri? PrometheusUrl { get; init; }
    /// <summary>--prometheus-rules: the prometheus-adapter rules file mapping HPA metrics to PromQL.</summary>
    public string? PrometheusRules { get; init; }
    /// <summary>--prometheus-timeout: the bound on each Prometheus call.</summary>
    public TimeSpan PrometheusTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>--metrics-relist-interval (prometheus-adapter's flag): how often series are rediscovered.</summary>
    public TimeSpan MetricsRelistInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>--custom-metrics-from-api-server: read them through the API server from an installed adapter instead.</summary>
    public bool CustomMetricsFromApiServer { get; init; }
    public bool KubeletInsecureTls { get; init; }
    public string? KubeletCertificateAuthority { get; init; }
    public IReadOnlyList<string> KubeletPreferredAddressTypes { get; init; } = DefaultKubeletAddressTypes;
    public TimeSpan KubeletRequestTimeout { get; init; } = DefaultKubeletRequestTimeout;

    public ClusterMembership Membership { get; init; } = new();
    public IPEndPoint ListenAddress { get; init; } = new(IPAddress.Loopback, 8443);
    /// <summary>Serve the HTTP endpoints without TLS (tests, or behind a TLS-terminating proxy).</summary>
    public bool ListenInsecureHttp { get; init; }
    /// <summary>Export desired_replicas{namespace,hpa_name}: one series per HPA, so off by default.</summary>
    public bool PerHpaMetrics { get; init; }

    /// <summary>The User-Agent this member sends to the API server: the member is named so an audit
    /// can tell writers apart.</summary>
    public string UserAgent => $"actorscaler/{typeof(RunOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"} (member {Membership.PublicHostname}:{Membership.Port})";
}
