namespace ActorScaler.Core.Decision;

/// <summary>A Kubernetes Event the controller records on the HPA (source component horizontal-pod-autoscaler).</summary>
public sealed record HpaEvent(string Type, string Reason, string Message);

public static class HpaEventType
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}

/// <summary>Event reasons and the event source, as upstream records them.</summary>
public static class HpaEventReason
{
    public const string SourceComponent = "horizontal-pod-autoscaler";
    public const string SuccessfulRescale = "SuccessfulRescale";
    public const string FailedRescale = "FailedRescale";
    public const string FailedGetScale = "FailedGetScale";
    public const string FailedComputeMetricsReplicas = "FailedComputeMetricsReplicas";
    public const string SelectorRequired = "SelectorRequired";
    public const string InvalidSelector = "InvalidSelector";
    public const string AmbiguousSelector = "AmbiguousSelector";
    public const string FailedUpdateStatus = "FailedUpdateStatus";
}

/// <summary>The labels one pass records on the controller's Prometheus metrics (monitor package).</summary>
public static class MonitorLabel
{
    public const string ActionScaleUp = "scale_up";
    public const string ActionScaleDown = "scale_down";
    public const string ActionNone = "none";
    public const string ErrorSpec = "spec";
    public const string ErrorInternal = "internal";
    public const string ErrorNone = "none";
}

/// <summary>One metric_computation_total observation: the metric's source type, action and error labels.</summary>
public sealed record MetricComputationObservation(string MetricSourceType, string Action, string Error);

/// <summary>reconciliations_total{action,error} plus the pass's metric_computation_total observations.</summary>
public sealed record ReconciliationMonitor(string Action, string Error, IReadOnlyList<MetricComputationObservation> MetricComputations);
