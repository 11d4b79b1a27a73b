using System.ComponentModel;
using System.Globalization;
using System.Net;
using ActorScaler.Actors.Cluster;
using ActorScaler.Core.Durations;
using ActorScaler.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>`actorscaler run`: one cluster member (metrics pipeline and HPA controller) until stopped.</summary>
public sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--kubeconfig <FILE>")]
        [Description("Path to a kubeconfig (default: $KUBECONFIG, then ~/.kube/config).")]
        public string? Kubeconfig { get; init; }

        [CommandOption("--in-cluster")]
        [Description("Use the pod's service account instead of a kubeconfig.")]
        public bool InCluster { get; init; }

        [CommandOption("--mode <MODE>")]
        [Description("control (decide and write scale/status) or shadow (decide and report only).")]
        [DefaultValue("control")]
        public string Mode { get; init; } = "control";

        [CommandOption("--all-namespaces")]
        [Description("Manage HPAs in every namespace (the default).")]
        public bool AllNamespaces { get; init; }

        [CommandOption("--namespaces <LIST>")]
        [Description("Comma-separated namespaces to manage.")]
        public string? Namespaces { get; init; }

        [CommandOption("--hpa-selector <LABELS>")]
        [Description("Only manage HPAs whose labels match this selector.")]
        public string? HpaSelector { get; init; }

        [CommandOption("--config <FILE>")]
        [Description("HOCON layered over the shipped hocon/actorscaler.conf (flags still win).")]
        public string? Config { get; init; }

        [CommandOption("--horizontal-pod-autoscaler-sync-period <DURATION>")]
        [DefaultValue("15s")]
        public string SyncPeriod { get; init; } = "15s";

        [CommandOption("--horizontal-pod-autoscaler-tolerance <RATIO>")]
        [DefaultValue("0.1")]
        public string Tolerance { get; init; } = "0.1";

        [CommandOption("--horizontal-pod-autoscaler-downscale-stabilization <DURATION>")]
        [DefaultValue("5m")]
        public string DownscaleStabilization { get; init; } = "5m";

        [CommandOption("--horizontal-pod-autoscaler-cpu-initialization-period <DURATION>")]
        [DefaultValue("5m")]
        public string CpuInitializationPeriod { get; init; } = "5m";

        [CommandOption("--horizontal-pod-autoscaler-initial-readiness-delay <DURATION>")]
        [DefaultValue("30s")]
        public string InitialReadinessDelay { get; init; } = "30s";

        [CommandOption("--custom-metrics-poll-interval <DURATION>")]
        [Description("How often each Pods, Object and External metric asks its provider.")]
        [DefaultValue("15s")]
        public string CustomMetricsPollInterval { get; init; } = "15s";

        [CommandOption("--custom-metrics-staleness-budget <DURATION>")]
        [Description("How long a Pods/Object/External metric whose backend fails keeps its last good value before it fails (which holds replicas).")]
        [DefaultValue("2m")]
        public string CustomMetricsStalenessBudget { get; init; } = "2m";

        [CommandOption("--prometheus-url <URL>")]
        [Description("Read Pods, Object and External metrics from this Prometheus (needs --prometheus-rules).")]
        public string? PrometheusUrl { get; init; }

        [CommandOption("--prometheus-rules <FILE>")]
        [Description("prometheus-adapter rules file (rules, externalRules) mapping HPA metrics to PromQL.")]
        public string? PrometheusRules { get; init; }

        [CommandOption("--prometheus-timeout <DURATION>")]
        [DefaultValue("10s")]
        public string PrometheusTimeout { get; init; } = "10s";

        [CommandOption("--metrics-relist-interval <DURATION>")]
        [Description("How often the Prometheus series are rediscovered (prometheus-adapter's flag).")]
        [DefaultValue("1m")]
        public string MetricsRelistInterval { get; init; } = "1m";

        [CommandOption("--custom-metrics-from-api-server")]
        [Description("Read Pods, Object and External metrics through the API server from an installed adapter.")]
        public bool CustomMetricsFromApiServer { get; init; }

        [CommandOption("--metric-resolution <DURATION>")]
        [DefaultValue("15s")]
        public string MetricResolution { get; init; } = "15s";

        [CommandOption("--kubelet-insecure-tls")]
        [Description("Do not verify kubelet serving certificates (testing only).")]
        public bool KubeletInsecureTls { get; init; }

        [CommandOption("--kubelet-certificate-authority <FILE>")]
        public string? KubeletCertificateAuthority { get; init; }

        [CommandOption("--kubelet-preferred-address-types <LIST>")]
        [DefaultValue("InternalIP,ExternalIP,Hostname")]
        public string KubeletPreferredAddressTypes { get; init; } = "InternalIP,ExternalIP,Hostname";

        [CommandOption("--kubelet-request-timeout <DURATION>")]
        [DefaultValue("10s")]
        public string KubeletRequestTimeout { get; init; } = "10s";

        // Membership flags win over their ACTORSCALER_* environment variables (MembershipSources), which
        // win over the HOCON files; null = not given.
        [CommandOption("--cluster-port <PORT>")]
        [Description("Akka remoting port of this member (env ACTORSCALER_CLUSTER_PORT; default 4053).")]
        public int? ClusterPort { get; init; }

        [CommandOption("--cluster-hostname <HOST>")]
        [Description("The name other members reach this one by: a StatefulSet pod's stable DNS name (env ACTORSCALER_CLUSTER_HOSTNAME; default 127.0.0.1).")]
        public string? ClusterHostname { get; init; }

        [CommandOption("--seed-nodes <LIST>")]
        [Description("host:port of the seed members, the same list in the same order on every member; only the first may form the cluster (env ACTORSCALER_SEED_NODES; none = a one-member cluster).")]
        public string? SeedNodes { get; init; }

        [CommandOption("--min-members <N>")]
        [Description("Members to wait for before this one is Up: a majority of the seed nodes (env ACTORSCALER_MIN_MEMBERS; default 1).")]
        public int? MinMembers { get; init; }

        [CommandOption("--listen-address <HOST:PORT>")]
        [Description("Where the Metrics API, /metrics, /healthz and /readyz are served.")]
        [DefaultValue("127.0.0.1:8443")]
        public string ListenAddress { get; init; } = "127.0.0.1:8443";

        [CommandOption("--listen-insecure-http")]
        [Description("Serve the endpoints over plain HTTP instead of HTTPS with a self-signed certificate.")]
        public bool ListenInsecureHttp { get; init; }

        [CommandOption("--per-hpa-metrics")]
        [Description("Export horizontal_pod_autoscaler_controller_desired_replicas{namespace,hpa_name} (one series per HPA).")]
        public bool PerHpaMetrics { get; init; }

        public override ValidationResult Validate()
        {
            try
            {
                _ = ToOptions();
                return ValidationResult.Success();
            }
            catch (FormatException ex)
            {
                return ValidationResult.Error(ex.Message);
            }
        }

        /// <summary>Flags to options; a bad value throws FormatException naming the flag.</summary>
        public RunOptions ToOptions()
        {
            if (InCluster && Kubeconfig is not null)
                throw new FormatException("--in-cluster and --kubeconfig are mutually exclusive");
            if (AllNamespaces && Namespaces is not null)
                throw new FormatException("--all-namespaces and --namespaces are mutually exclusive");
            var mode = Mode switch
            {
                "control" => ControllerMode.Control,
                "shadow" => ControllerMode.Shadow,
                _ => throw new FormatException($"invalid value for --mode: \"{Mode}\": must be control or shadow"),
            };
            if (!double.TryParse(Tolerance, NumberStyles.Float, CultureInfo.InvariantCulture, out var tolerance) || tolerance < 0 || !double.IsFinite(tolerance))
                throw new FormatException($"invalid value for --horizontal-pod-autoscaler-tolerance: \"{Tolerance}\": must be a non-negative number");
            var addressTypes = Split(KubeletPreferredAddressTypes);
            foreach (var type in addressTypes)
                if (!RunOptions.KnownAddressTypes.Contains(type))
                    throw new FormatException($"invalid value for --kubelet-preferred-address-types: \"{type}\": must be one of {string.Join(", ", RunOptions.KnownAddressTypes)}");
            var membership = MembershipSources.Resolve(new MembershipFlags(ClusterHostname, ClusterPort, SeedNodes, MinMembers), Environment.GetEnvironmentVariable);
            if (!TryParseHostPort(ListenAddress, out var listenHost, out var listenPort) || !IPAddress.TryParse(listenHost, out var listenIp))
                throw new FormatException($"invalid value for --listen-address: \"{ListenAddress}\": must be IP:PORT");
            var resolution = Duration("--metric-resolution", MetricResolution, min: TimeSpan.FromSeconds(1));
            var kubeletTimeout = Duration("--kubelet-request-timeout", KubeletRequestTimeout, min: TimeSpan.FromMilliseconds(1));
            if (KubeletCertificateAuthority is not null && !File.Exists(KubeletCertificateAuthority))
                throw new FormatException($"invalid value for --kubelet-certificate-authority: {KubeletCertificateAuthority} does not exist");
            if (KubeletInsecureTls && KubeletCertificateAuthority is not null)
                throw new FormatException("--kubelet-insecure-tls and --kubelet-certificate-authority are mutually exclusive");
            var prometheusUrl = Hosting.CustomMetricsFeature.ValidatePrometheusFlags(PrometheusUrl, PrometheusRules, CustomMetricsFromApiServer);
            if (HpaSelector is not null && !Core.Spec.Selector.TryParse(HpaSelector, out _, out var selectorError))
                throw new FormatException($"invalid value for --hpa-selector: {selectorError}");

            return new RunOptions
            {
                Kubeconfig = Kubeconfig,
                InCluster = InCluster,
                Mode = mode,
                Namespaces = Split(Namespaces),
                HpaSelector = HpaSelector,
                ConfigFile = Config,
                SyncPeriod = Duration("--horizontal-pod-autoscaler-sync-period", SyncPeriod, min: TimeSpan.FromSeconds(1)),
                Tolerance = tolerance,
                DownscaleStabilization = Duration("--horizontal-pod-autoscaler-downscale-stabilization", DownscaleStabilization, min: TimeSpan.Zero),
                CpuInitializationPeriod = Duration("--horizontal-pod-autoscaler-cpu-initialization-period", CpuInitializationPeriod, min: TimeSpan.Zero),
                InitialReadinessDelay = Duration("--horizontal-pod-autoscaler-initial-readiness-delay", InitialReadinessDelay, min: TimeSpan.Zero),
                MetricResolution = resolution,
                CustomMetricsPollInterval = Duration("--custom-metrics-poll-interval", CustomMetricsPollInterval, min: TimeSpan.FromMilliseconds(100)),
                CustomMetricsStalenessBudget = Duration("--custom-metrics-staleness-budget", CustomMetricsStalenessBudget, min: TimeSpan.Zero),
                KubeletInsecureTls = KubeletInsecureTls,
                KubeletCertificateAuthority = KubeletCertificateAuthority,
                KubeletPreferredAddressTypes = addressTypes,
                KubeletRequestTimeout = kubeletTimeout,
                Membership = membership,
                ListenAddress = new IPEndPoint(listenIp, listenPort),
                ListenInsecureHttp = ListenInsecureHttp,
                PrometheusUrl = prometheusUrl,
                PrometheusRules = PrometheusRules,
                PrometheusTimeout = Duration("--prometheus-timeout", PrometheusTimeout, min: TimeSpan.FromMilliseconds(1)),
                MetricsRelistInterval = Duration("--metrics-relist-interval", MetricsRelistInterval, min: TimeSpan.FromSeconds(1)),
                CustomMetricsFromApiServer = CustomMetricsFromApiServer,
                PerHpaMetrics = PerHpaMetrics,
            };
        }

        private static TimeSpan Duration(string flag, string value, TimeSpan min)
        {
            if (!GoDuration.TryParse(value, out var d, out var error))
                throw new FormatException($"invalid value for {flag}: {error}");
            if (d < min)
                throw new FormatException($"invalid value for {flag}: \"{value}\": must be at least {GoDuration.Format(min)}");
            return d;
        }

        private static List<string> Split(string? list) =>
            string.IsNullOrWhiteSpace(list) ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        private static bool TryParseHostPort(string value, out string host, out int port)
        {
            var colon = value.LastIndexOf(':');
            host = colon > 0 ? value[..colon] : "";
            port = 0;
            return colon > 0 && int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535;
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        RunOptions options;
        try
        {
            options = settings.ToOptions();
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        try
        {
            await using var host = MemberHost.Build(options);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            // SIGTERM and Ctrl+C end here after a graceful leave: 0. A member the cluster removed
            // (downed, or stranded below --min-members) ends here too, because its actor system
            // terminated and stopped the host: CoordinatedShutdown's exit code for the reason (3 when
            // downed), so the restart shows in the pod's status.
            if (host.EndedByCluster)
            {
                await Console.Error.WriteLineAsync($"error: the cluster removed this member ({host.ShutdownReason}); exiting so it restarts and joins again").ConfigureAwait(false);
                return host.ShutdownReason!.ExitCode;
            }
            return 0;
        }
        catch (FileNotFoundException ex)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
