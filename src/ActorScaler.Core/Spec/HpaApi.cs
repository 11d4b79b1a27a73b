namespace ActorScaler.Core.Spec;

/// <summary>The autoscaling API group as the API server serves it: versions, kind, round-trip annotations.</summary>
public static class HpaApi
{
    public const string Group = "autoscaling";
    public const string Kind = "HorizontalPodAutoscaler";
    public const string ListKind = "HorizontalPodAutoscalerList";

    public const string V1 = "autoscaling/v1";
    public const string V2 = "autoscaling/v2";
    public const string V2Beta2 = "autoscaling/v2beta2";
    public const string V2Beta1 = "autoscaling/v2beta1";

    /// <summary>Every version we read and write, newest first.</summary>
    public static readonly IReadOnlyList<string> Versions = [V2, V2Beta2, V2Beta1, V1];

    // pkg/apis/autoscaling/annotations.go: v1 and v2beta1 keep what they cannot express here, so a
    // round trip through them loses nothing.
    public const string MetricSpecsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
    public const string MetricStatusesAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
    public const string ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
    public const string BehaviorSpecsAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

    public static readonly IReadOnlyList<string> RoundTripAnnotations =
        [MetricSpecsAnnotation, BehaviorSpecsAnnotation, MetricStatusesAnnotation, ConditionsAnnotation];

    /// <summary>autoscaling.DefaultCPUUtilization: the target when no metric is given.</summary>
    public const int DefaultCpuUtilization = 80;

    /// <summary>The resource name of CPU (core.ResourceCPU).</summary>
    public const string ResourceCpu = "cpu";
}
