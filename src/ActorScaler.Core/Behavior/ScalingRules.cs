using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Behavior;

/// <summary>HPAScalingRules with every field resolved: what the controller's working copy holds after defaulting.</summary>
public sealed record ScalingRules(int StabilizationWindowSeconds, string SelectPolicy, IReadOnlyList<HpaScalingPolicy> Policies);

/// <summary>spec.behavior after API defaulting and the controller's scale-down window fill-in.</summary>
public sealed record ResolvedBehavior(ScalingRules ScaleUp, ScalingRules ScaleDown);

/// <summary>
/// SetDefaults_HorizontalPodAutoscalerBehavior (pkg/apis/autoscaling/v2/defaults.go) plus the controller's
/// maybeInitScaleDownStabilizationWindow: a missing rules object or field takes the default, a set field
/// (policies included) replaces it whole.
/// </summary>
public static class BehaviorDefaults
{
    public const int DefaultScaleUpStabilizationWindowSeconds = 0;
    public const int DefaultScaleUpPodsValue = 4;
    public const int DefaultScaleUpPercentValue = 100;
    public const int DefaultScaleDownPercentValue = 100;
    public const int DefaultPolicyPeriodSeconds = 15;

    public static IReadOnlyList<HpaScalingPolicy> DefaultScaleUpPolicies { get; } =
    [
        new HpaScalingPolicy { Type = HpaScalingPolicyType.Pods, Value = DefaultScaleUpPodsValue, PeriodSeconds = DefaultPolicyPeriodSeconds },
        new HpaScalingPolicy { Type = HpaScalingPolicyType.Percent, Value = DefaultScaleUpPercentValue, PeriodSeconds = DefaultPolicyPeriodSeconds },
    ];

    public static IReadOnlyList<HpaScalingPolicy> DefaultScaleDownPolicies { get; } =
    [
        new HpaScalingPolicy { Type = HpaScalingPolicyType.Percent, Value = DefaultScaleDownPercentValue, PeriodSeconds = DefaultPolicyPeriodSeconds },
    ];

    /// <summary>Scale-up rules with API defaults applied.</summary>
    public static ScalingRules ScaleUp(HpaScalingRules? rules) => new(
        rules?.StabilizationWindowSeconds ?? DefaultScaleUpStabilizationWindowSeconds,
        rules?.SelectPolicy ?? ScalingPolicySelect.Max,
        rules?.Policies ?? DefaultScaleUpPolicies);

    /// <summary>
    /// Scale-down rules with API defaults applied. The API leaves the window nil so that the controller's
    /// --horizontal-pod-autoscaler-downscale-stabilization flag applies; it is filled in here.
    /// </summary>
    public static ScalingRules ScaleDown(HpaScalingRules? rules, TimeSpan downscaleStabilizationWindow) => new(
        rules?.StabilizationWindowSeconds ?? (int)downscaleStabilizationWindow.TotalSeconds,
        rules?.SelectPolicy ?? ScalingPolicySelect.Max,
        rules?.Policies ?? DefaultScaleDownPolicies);

    /// <summary>The controller's working copy of spec.behavior, or null when the HPA has none (the legacy path).</summary>
    public static ResolvedBehavior? Resolve(HorizontalPodAutoscalerBehavior? behavior, TimeSpan downscaleStabilizationWindow) =>
        behavior is null ? null : new ResolvedBehavior(ScaleUp(behavior.ScaleUp), ScaleDown(behavior.ScaleDown, downscaleStabilizationWindow));
}
