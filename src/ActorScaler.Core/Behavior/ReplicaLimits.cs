namespace ActorScaler.Core.Behavior;

/// <summary>A clamped replica count and the ScalingLimited reason/message explaining the bound that applied.</summary>
public sealed record LimitedReplicas(int Replicas, string Reason, string Message);

/// <summary>
/// The bounds applied after stabilization: convertDesiredReplicasWithRules (no behavior: min/max plus the
/// legacy scale-up cap) and convertDesiredReplicasWithBehaviorRate (policy rate limits plus min/max).
/// </summary>
public static class ReplicaLimits
{
    public const string DesiredWithinRangeReason = "DesiredWithinRange";
    public const string DesiredWithinRangeMessage = "the desired count is within the acceptable range";
    public const string TooFewReplicasReason = "TooFewReplicas";
    public const string TooFewReplicasMessage = "the desired replica count is less than the minimum replica count";
    public const string TooManyReplicasReason = "TooManyReplicas";
    public const string TooManyReplicasMessage = "the desired replica count is more than the maximum replica count";
    public const string ScaleUpLimitReason = "ScaleUpLimit";
    public const string ScaleUpLimitMessage = "the desired replica count is increasing faster than the maximum scale rate";
    public const string ScaleDownLimitReason = "ScaleDownLimit";
    public const string ScaleDownLimitMessage = "the desired replica count is decreasing faster than the maximum scale rate";

    /// <summary>Production scaleUpLimitFactor (horizontal.go package variable).</summary>
    public const double DefaultScaleUpLimitFactor = 2.0;
    /// <summary>Production scaleUpLimitMinimum (horizontal.go package variable).</summary>
    public const double DefaultScaleUpLimitMinimum = 4.0;

    /// <summary>calculateScaleUpLimit: max(factor x current, minimum), float maths truncated to int32.</summary>
    public static int CalculateScaleUpLimit(int currentReplicas, double scaleUpLimitFactor, double scaleUpLimitMinimum) =>
        Calculation.ReplicaMath.TruncateToInt32(Math.Max(scaleUpLimitFactor * currentReplicas, scaleUpLimitMinimum));

    /// <summary>
    /// convertDesiredReplicasWithRules: without spec.behavior, scale-up is capped per pass (guarding against a
    /// bogus usage spike, upstream issue 32304) and the count is kept within [min, max].
    /// </summary>
    public static LimitedReplicas ConvertDesiredReplicasWithRules(int currentReplicas, int desiredReplicas, int minReplicas, int maxReplicas,
        double scaleUpLimitFactor, double scaleUpLimitMinimum)
    {
        var scaleUpLimit = CalculateScaleUpLimit(currentReplicas, scaleUpLimitFactor, scaleUpLimitMinimum);
        var (maximumAllowed, reason, message) = maxReplicas > scaleUpLimit
            ? (scaleUpLimit, ScaleUpLimitReason, ScaleUpLimitMessage)
            : (maxReplicas, TooManyReplicasReason, TooManyReplicasMessage);
        if (desiredReplicas < minReplicas)
        {
            return new LimitedReplicas(minReplicas, TooFewReplicasReason, TooFewReplicasMessage);
        }
        if (desiredReplicas > maximumAllowed)
        {
            return new LimitedReplicas(maximumAllowed, reason, message);
        }
        return new LimitedReplicas(desiredReplicas, DesiredWithinRangeReason, DesiredWithinRangeMessage);
    }

    /// <summary>convertDesiredReplicasWithBehaviorRate: the policy limit in the direction of change, then min/max.</summary>
    public static LimitedReplicas ConvertDesiredReplicasWithBehaviorRate(int currentReplicas, int desiredReplicas, int minReplicas, int maxReplicas,
        ResolvedBehavior behavior, IReadOnlyList<TimestampedScaleEvent> scaleUpEvents, IReadOnlyList<TimestampedScaleEvent> scaleDownEvents, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(behavior);
        if (desiredReplicas > currentReplicas)
        {
            var scaleUpLimit = ScalingPolicies.CalculateScaleUpLimitWithScalingRules(currentReplicas, scaleUpEvents, scaleDownEvents, behavior.ScaleUp, now);
            // Events still inside their period may push the limit below the current count: hold, never shrink.
            scaleUpLimit = Math.Max(scaleUpLimit, currentReplicas);
            var (maximumAllowed, reason, message) = maxReplicas > scaleUpLimit
                ? (scaleUpLimit, ScaleUpLimitReason, ScaleUpLimitMessage)
                : (maxReplicas, TooManyReplicasReason, TooManyReplicasMessage);
            if (desiredReplicas > maximumAllowed)
            {
                return new LimitedReplicas(maximumAllowed, reason, message);
            }
        }
        else if (desiredReplicas < currentReplicas)
        {
            var scaleDownLimit = ScalingPolicies.CalculateScaleDownLimitWithBehaviors(currentReplicas, scaleUpEvents, scaleDownEvents, behavior.ScaleDown, now);
            scaleDownLimit = Math.Min(scaleDownLimit, currentReplicas);
            var (minimumAllowed, reason, message) = minReplicas < scaleDownLimit
                ? (scaleDownLimit, ScaleDownLimitReason, ScaleDownLimitMessage)
                : (minReplicas, TooFewReplicasReason, TooFewReplicasMessage);
            if (desiredReplicas < minimumAllowed)
            {
                return new LimitedReplicas(minimumAllowed, reason, message);
            }
        }
        return new LimitedReplicas(desiredReplicas, DesiredWithinRangeReason, DesiredWithinRangeMessage);
    }
}
