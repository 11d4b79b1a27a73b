using ActorScaler.Prometheus.Rules;

namespace ActorScaler.Prometheus;

/// <summary>A custom metric found by discovery: the rule and the series it is served from.</summary>
public sealed record DiscoveredCustomMetric(string Metric, GroupResource Resource, DiscoveryRule Rule, string Series);

/// <summary>An external metric found by discovery.</summary>
public sealed record DiscoveredExternalMetric(string Metric, DiscoveryRule Rule, string Series);

/// <summary>
/// What one discovery round found: which metric names exist for which resources, from the series each
/// rule's seriesQuery matched, after its seriesFilters and name mapping (prometheus-adapter's series
/// registry). <see cref="RuleErrors"/> holds the rules whose seriesQuery Prometheus refused.
/// </summary>
public sealed record DiscoverySnapshot(
    DateTimeOffset At,
    IReadOnlyDictionary<(string Metric, GroupResource Resource), DiscoveredCustomMetric> Custom,
    IReadOnlyDictionary<string, DiscoveredExternalMetric> External,
    IReadOnlyList<string> RuleErrors)
{
    public static readonly DiscoverySnapshot Empty = new(DateTimeOffset.MinValue,
        new Dictionary<(string, GroupResource), DiscoveredCustomMetric>(), new Dictionary<string, DiscoveredExternalMetric>(), []);

    /// <summary>Builds the snapshot from each rule's series (label sets with __name__).</summary>
    public static DiscoverySnapshot From(DateTimeOffset at, IEnumerable<(DiscoveryRule Rule, IReadOnlyList<IReadOnlyDictionary<string, string>> Series)> found,
        IReadOnlyList<string> ruleErrors)
    {
        var custom = new Dictionary<(string, GroupResource), DiscoveredCustomMetric>();
        var external = new Dictionary<string, DiscoveredExternalMetric>(StringComparer.Ordinal);
        foreach (var (rule, series) in found)
        {
            foreach (var labels in series)
            {
                if (!labels.TryGetValue("__name__", out var name) || !rule.SeriesFilters.All(f => f.Keeps(name)))
                    continue;
                var metric = rule.MetricNameFor(name);
                if (string.IsNullOrEmpty(metric))
                    continue;
                if (rule.External)
                {
                    // Earlier rules win, as the adapter warns that rules must not overlap.
                    external.TryAdd(metric, new DiscoveredExternalMetric(metric, rule, name));
                    continue;
                }
                foreach (var label in labels.Keys)
                {
                    if (rule.ResourceFor(label) is { } resource)
                        custom.TryAdd((metric, resource), new DiscoveredCustomMetric(metric, resource, rule, name));
                }
            }
        }
        return new DiscoverySnapshot(at, custom, external, ruleErrors);
    }
}
