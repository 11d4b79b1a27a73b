namespace ActorScaler.Core.Spec;

/// <summary>
/// API defaulting of pkg/apis/autoscaling/v2/defaults.go (the storage version, so every HPA read
/// back from the API server carries it, whatever version it was written in).
/// </summary>
public static class HpaDefaults
{
    // "These constants repeat previous HPA behavior" (defaults.go).
    public const int ScaleUpLimitPercent = 100;
    public const int ScaleUpLimitMinimumPods = 4;
    public const int ScaleUpPeriodSeconds = 15;
    public const int ScaleUpStabilizationSeconds = 0;
    public const int ScaleDownLimitPercent = 100;
    public const int ScaleDownPeriodSeconds = 15;

    /// <summary>GenerateHPAScaleUpRules(nil).</summary>
    public static HpaScalingRules ScaleUpRules { get; } = new()
    {
        StabilizationWindowSeconds = ScaleUpStabilizationSeconds,
        SelectPolicy = ScalingPolicySelect.Max,
        Policies =
        [
            new HpaScalingPolicy { Type = HpaScalingPolicyType.Pods, Value = ScaleUpLimitMinimumPods, PeriodSeconds = ScaleUpPeriodSeconds },
            new HpaScalingPolicy { Type = HpaScalingPolicyType.Percent, Value = ScaleUpLimitPercent, PeriodSeconds = ScaleUpPeriodSeconds },
        ],
    };

    /// <summary>
    /// GenerateHPAScaleDownRules(nil). The stabilization window stays unset: the controller's
    /// --horizontal-pod-autoscaler-downscale-stabilization flag (5 minutes) applies then.
    /// </summary>
    public static HpaScalingRules ScaleDownRules { get; } = new()
    {
        StabilizationWindowSeconds = null,
        SelectPolicy = ScalingPolicySelect.Max,
        Policies =
        [
            new HpaScalingPolicy { Type = HpaScalingPolicyType.Percent, Value = ScaleDownLimitPercent, PeriodSeconds = ScaleDownPeriodSeconds },
        ],
    };

    /// <summary>SetDefaults_HorizontalPodAutoscaler: minReplicas 1, cpu 80 % when no metric, behavior gaps filled only when behavior is set.</summary>
    public static HorizontalPodAutoscaler Apply(HorizontalPodAutoscaler hpa)
    {
        var spec = hpa.Spec;
        var metrics = spec.Metrics.Count > 0 ? spec.Metrics : [DefaultCpuMetric()];
        var behavior = spec.Behavior is null
            ? null
            : new HorizontalPodAutoscalerBehavior
            {
                ScaleUp = Fill(spec.Behavior.ScaleUp, ScaleUpRules),
                ScaleDown = Fill(spec.Behavior.ScaleDown, ScaleDownRules),
            };
        return hpa with
        {
            Spec = spec with { MinReplicas = spec.MinReplicas ?? 1, Metrics = metrics, Behavior = behavior },
        };
    }

    /// <summary>The metric autoscaling/v1 implied and v2 defaults to: cpu at 80 % average utilization.</summary>
    public static MetricSpec DefaultCpuMetric() => new()
    {
        Type = MetricSourceType.Resource,
        Resource = new ResourceMetricSource
        {
            Name = HpaApi.ResourceCpu,
            Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = HpaApi.DefaultCpuUtilization },
        },
    };

    // copyHPAScalingRules: every non-nil field of the given rules wins over the default.
    private static HpaScalingRules Fill(HpaScalingRules? from, HpaScalingRules defaults) => from is null
        ? defaults
        : new HpaScalingRules
        {
            SelectPolicy = from.SelectPolicy ?? defaults.SelectPolicy,
            StabilizationWindowSeconds = from.StabilizationWindowSeconds ?? defaults.StabilizationWindowSeconds,
            Policies = from.Policies ?? defaults.Policies,
            Tolerance = from.Tolerance ?? defaults.Tolerance,
        };
}
