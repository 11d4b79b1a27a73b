using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// The last thing a metric's provider answered: the last good values (with the time we got them) and
/// the last error. A reading is local state between a <see cref="CustomMetricSource"/> child and its
/// <see cref="HpaSupervisor"/>; it never crosses members.
/// </summary>
public sealed record CustomMetricReading
{
    public required CustomMetricQuery Query { get; init; }
    /// <summary>Per-pod values of a Pods metric (last good).</summary>
    public IReadOnlyList<PodCustomMetricValue>? PodValues { get; init; }
    /// <summary>The value(s) of an Object (one) or External (every series) metric (last good).</summary>
    public IReadOnlyList<CustomMetricValue>? Values { get; init; }
    /// <summary>When the last good answer arrived (our clock); null = never.</summary>
    public DateTimeOffset? GoodAt { get; init; }
    /// <summary>The last failure, cleared by the next good answer.</summary>
    public string? Error { get; init; }
    public DateTimeOffset? ErrorAt { get; init; }

    public bool HasValue => GoodAt is not null;

    /// <summary>Upstream's metrics client wraps every custom/external API failure in this prefix.</summary>
    public static string ApiPrefix(string type) => type == MetricSourceType.External
        ? "unable to fetch metrics from external metrics API: "
        : "unable to fetch metrics from custom metrics API: ";
}

/// <summary>
/// Turns the readings of an HPA's metric children into the core's <see cref="MetricsSnapshot"/> fields,
/// applying the staleness budget: during a backend outage a metric keeps its last good value for the
/// budget (the decision goes on as if the backend answered), and after it the metric fails with an
/// error saying so. A failed metric makes upstream's rules hold the replicas (all metrics failed) or
/// forbid a scale-down (some failed), so a dead backend never scales a workload to its minimum.
/// </summary>
public static class CustomMetricSnapshot
{
    public static MetricsSnapshot Apply(MetricsSnapshot snapshot, IEnumerable<CustomMetricReading> readings, DateTimeOffset now, TimeSpan stalenessBudget)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(readings);
        var pods = new Dictionary<string, PodCustomMetrics>(StringComparer.Ordinal);
        var objects = new List<ObjectMetricValue>();
        var external = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var reading in readings)
        {
            var query = reading.Query;
            if (reading.GoodAt is not { } goodAt)
            {
                errors[query.Key] = ReadingError(reading, reading.Error ?? "no value received yet");
                continue;
            }
            var age = now - goodAt;
            if (age > stalenessBudget)
            {
                errors[query.Key] = ReadingError(reading,
                    $"the last value of {query.Description} is {Seconds(age)} old, more than its staleness budget of {Seconds(stalenessBudget)}"
                    + (reading.Error is null ? "" : $"; last error: {reading.Error}"));
                continue;
            }
            switch (query.Type)
            {
                case MetricSourceType.Pods:
                    pods[query.MetricName] = new PodCustomMetrics((reading.PodValues ?? []).Select(v => new PodMetricSample(v.Pod, v.ValueMilli, v.Timestamp, v.Window)));
                    break;
                case MetricSourceType.Object when query.DescribedObject is { } described && reading.Values is [var value, ..]:
                    objects.Add(new ObjectMetricValue(described, query.MetricName, value.ValueMilli));
                    break;
                case MetricSourceType.External:
                    external[query.MetricName] = (reading.Values ?? []).Select(v => v.ValueMilli).ToList();
                    break;
            }
        }
        return snapshot with { PodsMetrics = pods, ObjectMetrics = objects, ExternalMetrics = external, MetricErrors = errors };
    }

    private static string ReadingError(CustomMetricReading reading, string inner) =>
        inner.StartsWith("unable to fetch metrics from", StringComparison.Ordinal) ? inner : CustomMetricReading.ApiPrefix(reading.Query.Type) + inner;

    private static string Seconds(TimeSpan span) => $"{Math.Round(span.TotalSeconds)}s";
}
