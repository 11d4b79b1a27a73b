using ActorScaler.Core.Spec;

namespace ActorScaler.Metrics.Custom;

/// <summary>One value of a metric for a single object or series, in milli-units, with the time the
/// sample was taken and the window it covers (the backend's, not the time we asked).</summary>
public sealed record CustomMetricValue(long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>One pod's value of a Pods metric.</summary>
public sealed record PodCustomMetricValue(string Pod, long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>
/// The source of Pods, Object and External metrics: the calls upstream's metrics client makes to
/// custom.metrics.k8s.io and external.metrics.k8s.io (see k8s.io/metrics/pkg/client), whatever answers
/// them (Prometheus directly, or an adapter behind the API server). Implementations are thread-safe and
/// report failures by throwing <see cref="CustomMetricsException"/> with the text upstream's client
/// would carry after "unable to fetch metrics from custom metrics API: ".
/// </summary>
public interface ICustomMetricsProvider
{
    /// <summary>A short name for logs and conditions ("prometheus http://127.0.0.1:9090").</summary>
    string Name { get; }

    /// <summary>GetRawMetric: the metric <paramref name="metricName"/> of the pods in <paramref name="ns"/>
    /// matched by <paramref name="podSelector"/> (the scale's status.selector text, as it goes into a
    /// labelSelector query parameter), narrowed by the HPA's metric selector when it has one.
    /// <paramref name="podNames"/> are those pods' names from the controller's pod cache: a provider that
    /// queries by pod name (Prometheus, like prometheus-adapter's pod label matchers) uses them instead
    /// of listing pods itself; one that passes the selector on (the API server provider) may ignore them.</summary>
    Task<IReadOnlyList<PodCustomMetricValue>> GetPodsMetricAsync(string ns, string metricName, string podSelector,
        IReadOnlyList<string> podNames, LabelSelector? metricSelector, CancellationToken cancellationToken);

    /// <summary>GetObjectMetric: the metric of one object (a Service, an Ingress, ...).</summary>
    Task<CustomMetricValue> GetObjectMetricAsync(string ns, CrossVersionObjectReference describedObject, string metricName,
        LabelSelector? metricSelector, CancellationToken cancellationToken);

    /// <summary>GetExternalMetric: every series of the external metric the selector matches; the HPA sums them.</summary>
    Task<IReadOnlyList<CustomMetricValue>> GetExternalMetricAsync(string ns, string metricName, LabelSelector? metricSelector,
        CancellationToken cancellationToken);
}

/// <summary>A metric could not be fetched; the message names what failed (rule, query, backend) and why.</summary>
public sealed class CustomMetricsException : Exception
{
    public CustomMetricsException(string message)
        : base(message)
    {
    }

    public CustomMetricsException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CustomMetricsException()
    {
    }
}
