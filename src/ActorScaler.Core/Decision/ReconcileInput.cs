using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>The /scale subresource as read: spec.replicas, status.replicas and status.selector ("" = none).</summary>
public sealed record ScaleSubresource(int SpecReplicas, int StatusReplicas, string Selector);

/// <summary>One value the custom metrics API serves for a single object (Object metrics).</summary>
public sealed record ObjectMetricValue(CrossVersionObjectReference DescribedObject, string MetricName, long ValueMilli);

/// <summary>Another HPA the controller knows, with the selector of its target's scale (for AmbiguousSelector).</summary>
public sealed record HpaSelectorRegistration(string Namespace, string Name, Selector Selector)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>
/// What each metrics API answered for this HPA in this pass, or the error it returned. Error texts are
/// the metrics client's full message (e.g. "unable to fetch metrics from resource metrics API: ...");
/// the calculator adds upstream's wrapping around them. Data is keyed as the APIs are queried: resource
/// metrics per pod, pods metrics per metric name, object metrics per described object and name,
/// external metrics per name.
/// </summary>
public sealed record MetricsSnapshot
{
    public PodResourceMetrics ResourceMetrics { get; init; } = PodResourceMetrics.Empty;
    public string? ResourceMetricsError { get; init; }
    public IReadOnlyDictionary<string, PodCustomMetrics> PodsMetrics { get; init; } = EmptyPods;
    public IReadOnlyList<ObjectMetricValue> ObjectMetrics { get; init; } = [];
    /// <summary>custom.metrics.k8s.io failed (pods and object metrics).</summary>
    public string? CustomMetricsError { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyList<long>> ExternalMetrics { get; init; } = EmptyExternal;
    public string? ExternalMetricsError { get; init; }
    /// <summary>Failures of single metrics (keys from <see cref="PodsKey"/>, <see cref="ObjectKey"/>,
    /// <see cref="ExternalKey"/>): each metric has its own source, so one failing query must fail only
    /// its metric, as upstream's per-metric API calls do. A per-API error above applies to all of them.</summary>
    public IReadOnlyDictionary<string, string> MetricErrors { get; init; } = EmptyErrors;

    public static MetricsSnapshot Empty { get; } = new();

    public static string PodsKey(string metricName) => $"pods/{metricName}";

    public static string ObjectKey(CrossVersionObjectReference describedObject, string metricName) =>
        $"object/{describedObject.Kind}/{describedObject.Name}/{metricName}";

    public static string ExternalKey(string metricName) => $"external/{metricName}";

    internal string? PodsError(string metricName) =>
        CustomMetricsError ?? (MetricErrors.TryGetValue(PodsKey(metricName), out var e) ? e : null);

    internal string? ObjectError(CrossVersionObjectReference describedObject, string metricName) =>
        CustomMetricsError ?? (MetricErrors.TryGetValue(ObjectKey(describedObject, metricName), out var e) ? e : null);

    internal string? ExternalError(string metricName) =>
        ExternalMetricsError ?? (MetricErrors.TryGetValue(ExternalKey(metricName), out var e) ? e : null);

    private static readonly IReadOnlyDictionary<string, string> EmptyErrors = new Dictionary<string, string>();

    private static readonly IReadOnlyDictionary<string, PodCustomMetrics> EmptyPods = new Dictionary<string, PodCustomMetrics>();
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<long>> EmptyExternal = new Dictionary<string, IReadOnlyList<long>>();

    internal bool TryGetObjectValue(CrossVersionObjectReference describedObject, string metricName, out long valueMilli)
    {
        for (var i = 0; i < ObjectMetrics.Count; i++)
        {
            var candidate = ObjectMetrics[i];
            var target = candidate.DescribedObject;
            if (string.Equals(candidate.MetricName, metricName, StringComparison.Ordinal)
                && string.Equals(target.Kind, describedObject.Kind, StringComparison.Ordinal)
                && string.Equals(target.Name, describedObject.Name, StringComparison.Ordinal)
                && (string.IsNullOrEmpty(target.ApiVersion) || string.IsNullOrEmpty(describedObject.ApiVersion)
                    || string.Equals(target.ApiVersion, describedObject.ApiVersion, StringComparison.Ordinal)))
            {
                valueMilli = candidate.ValueMilli;
                return true;
            }
        }
        valueMilli = 0;
        return false;
    }
}

/// <summary>Everything one reconcile pass reads. "Now" is an input: the core never reads a clock.</summary>
public sealed record ReconcileInput
{
    public required HorizontalPodAutoscaler Hpa { get; init; }
    public ControllerSettings Settings { get; init; } = ControllerSettings.Production;
    /// <summary>The scale read from the target; null when the read failed (see <see cref="GetScaleError"/>).</summary>
    public ScaleSubresource? Scale { get; init; }
    /// <summary>The error of the /scale GET (REST mapping or request), when it failed.</summary>
    public string? GetScaleError { get; init; }
    /// <summary>Candidate pods (e.g. the namespace's pods); the pass keeps those the scale selector matches.</summary>
    public IReadOnlyList<PodInfo> Pods { get; init; } = [];
    public MetricsSnapshot Metrics { get; init; } = MetricsSnapshot.Empty;
    public IReadOnlyList<HpaSelectorRegistration> OtherHpaSelectors { get; init; } = [];
    public required DateTimeOffset Now { get; init; }
    public DecisionState State { get; init; } = DecisionState.Initial;
}
