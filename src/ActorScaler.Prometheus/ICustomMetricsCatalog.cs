namespace ActorScaler.Prometheus;

/// <summary>A custom metric as discovery lists it: "pods" + "http_requests_per_second".</summary>
/// <param name="Resource">The plural resource with its group, as in API paths ("pods", "ingresses.networking.k8s.io").</param>
/// <param name="Namespaced">False for namespaces themselves (and cluster-scoped resources).</param>
public sealed record CustomMetricInfo(string Resource, string Metric, bool Namespaced);

/// <summary>
/// The metric names a provider can serve, for the APIResourceList of custom.metrics.k8s.io and
/// external.metrics.k8s.io (custom-metrics-apiserver's ListAllMetrics / ListAllExternalMetrics). Separate
/// from ICustomMetricsProvider because the HPA never lists, only the discovery documents do.
/// </summary>
public interface ICustomMetricsCatalog
{
    Task<IReadOnlyList<CustomMetricInfo>> ListCustomMetricsAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListExternalMetricsAsync(CancellationToken cancellationToken);
}
