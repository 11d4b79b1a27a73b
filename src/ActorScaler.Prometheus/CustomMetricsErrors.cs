using ActorScaler.Metrics.Custom;

namespace ActorScaler.Prometheus;

/// <summary>
/// Marks a <see cref="CustomMetricsException"/> as "the metric does not exist" (as opposed to "the backend
/// failed"), so the served API answers 404 NotFound for it as custom-metrics-apiserver does, and 500 for
/// the rest. The mark travels in Exception.Data because the port's exception type is sealed.
/// </summary>
public static class CustomMetricsErrors
{
    private const string ReasonKey = "k8s.reason";
    public const string NotFoundReason = "NotFound";

    public static CustomMetricsException NotFound(string message)
    {
        var exception = new CustomMetricsException(message);
        exception.Data[ReasonKey] = NotFoundReason;
        return exception;
    }

    public static bool IsNotFound(CustomMetricsException exception) =>
        exception?.Data[ReasonKey] is NotFoundReason;
}
