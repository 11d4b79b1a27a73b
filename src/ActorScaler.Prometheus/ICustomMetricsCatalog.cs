using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;

namespace ActorScaler.Prometheus;

/// <summary>One series of an external metric with its labels (the served list's metricLabels).</summary>
public sealed record ExternalMetricSeries(IReadOnlyDictionary<string, string> Labels, CustomMetricValue Value);

/// <summary>A custom metric as discovery lists it: "pods" + "http_requests_per_second".</summary>
/// <param name="Resource">The plural resource with its group, as in API paths ("pods", "ingresses.networking.k8s.io").</param>
/// <param name="Namespaced">False for namespaces themselves (and cluster-scoped resources).</param>
public sealed record CustomMetricInfo(string Resource, string Metric, bool Namespaced);

/// <summary>
/// The metric names a provider can serve, for the APIResourceList of custom.metrics.k8s.io and
/// external.metrics.k8s.io (custom-metrics-apiserver's ListAllMetrics / ListAllExternalMetrics). Separate
/// from ICustomMetricsProvider because the HPA never lists and never reads an external series' labels;
/// only the served API documents do.
/// </summary>
public interface ICustomMetricsCatalog
{
    Task<IReadOnlyList<CustomMetricInfo>> ListCustomMetricsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListExternalMetricsAsync(CancellationToken cancellationToken);

    /// <summary>GetExternalMetric with each series' labels.</summary>
    Task<IReadOnlyList<ExternalMetricSeries>> GetExternalSeriesAsync(string ns, string metricName, LabelSelector? metricSelector,
        CancellationToken cancellationToken);
}
