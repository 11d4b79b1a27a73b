using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// What one Pods, Object or External metric of an HPA asks its provider, as of the last pass. Key is
/// the metric's key in <see cref="MetricsSnapshot.MetricErrors"/>, so a child's failure lands on
/// exactly its metric. Pod names come from the member's pod cache (the scale selector's pods).
/// </summary>
public sealed record CustomMetricQuery
{
    public required string Key { get; init; }
    public required string Type { get; init; }
    public required string Namespace { get; init; }
    public required string MetricName { get; init; }
    public LabelSelector? MetricSelector { get; init; }
    public CrossVersionObjectReference? DescribedObject { get; init; }
    /// <summary>The scale's status.selector ("" when the target has none yet).</summary>
    public string PodSelector { get; init; } = "";
    public IReadOnlyList<string> PodNames { get; init; } = [];

    /// <summary>The metric as upstream's messages name it ("pods metric X", "Service metric X", "external metric X").</summary>
    public string Description => Type switch
    {
        MetricSourceType.Pods => $"pods metric {MetricName}",
        MetricSourceType.Object => $"{DescribedObject?.Kind} {DescribedObject?.Name} metric {MetricName}",
        _ => $"external metric {MetricName}",
    };

    /// <summary>Equal when the provider would be asked the same thing (records compare lists by reference).</summary>
    public bool SameAs(CustomMetricQuery other) =>
        Key == other.Key && Type == other.Type && Namespace == other.Namespace && MetricName == other.MetricName
        && Equals(MetricSelector, other.MetricSelector) && Equals(DescribedObject, other.DescribedObject)
        && PodSelector == other.PodSelector && PodNames.SequenceEqual(other.PodNames, StringComparer.Ordinal);

    /// <summary>The queries for every Pods, Object and External metric of the spec, in spec order. Pods
    /// metrics get the names of the pods the scale selector matches.</summary>
    public static List<CustomMetricQuery> ForSpec(HorizontalPodAutoscaler hpa, string scaleSelector, Selector? selector, IReadOnlyList<PodInfo> namespacePods)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        ArgumentNullException.ThrowIfNull(namespacePods);
        var ns = hpa.Metadata.Namespace;
        var queries = new List<CustomMetricQuery>();
        List<string>? podNames = null;
        foreach (var metric in hpa.Spec.Metrics)
        {
            switch (metric.Type)
            {
                case MetricSourceType.Pods when metric.Pods is { } pods:
                    podNames ??= MatchingPodNames(selector, namespacePods);
                    queries.Add(new CustomMetricQuery
                    {
                        Key = MetricsSnapshot.PodsKey(pods.Metric.Name), Type = MetricSourceType.Pods, Namespace = ns,
                        MetricName = pods.Metric.Name, MetricSelector = pods.Metric.Selector, PodSelector = scaleSelector, PodNames = podNames,
                    });
                    break;
                case MetricSourceType.Object when metric.Object is { } obj:
                    queries.Add(new CustomMetricQuery
                    {
                        Key = MetricsSnapshot.ObjectKey(obj.DescribedObject, obj.Metric.Name), Type = MetricSourceType.Object, Namespace = ns,
                        MetricName = obj.Metric.Name, MetricSelector = obj.Metric.Selector, DescribedObject = obj.DescribedObject,
                    });
                    break;
                case MetricSourceType.External when metric.External is { } external:
                    queries.Add(new CustomMetricQuery
                    {
                        Key = MetricsSnapshot.ExternalKey(external.Metric.Name), Type = MetricSourceType.External, Namespace = ns,
                        MetricName = external.Metric.Name, MetricSelector = external.Metric.Selector,
                    });
                    break;
            }
        }
        return queries;
    }

    private static List<string> MatchingPodNames(Selector? selector, IReadOnlyList<PodInfo> pods)
    {
        var names = new List<string>();
        if (selector is null)
            return names;
        foreach (var pod in pods)
        {
            if (selector.Matches(pod.Labels))
                names.Add(pod.Name);
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
