using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Behavior;

/// <summary>
/// Rate limits from spec.behavior policies (horizontal.go calculateScaleUpLimitWithScalingRules,
/// calculateScaleDownLimitWithBehaviors, getReplicasChangePerPeriod). Each policy's limit starts from the
/// replica count at the start of its period: the current count minus what was added plus what was removed.
/// </summary>
public static class ScalingPolicies
{
    /// <summary>Sum of the changes recorded strictly after now - period (outdated marks do not matter here).</summary>
    public static int GetReplicasChangePerPeriod(int periodSeconds, IReadOnlyList<TimestampedScaleEvent> scaleEvents, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scaleEvents);
        var cutoff = now.AddSeconds(-periodSeconds);
        var replicas = 0;
        for (var i = 0; i < scaleEvents.Count; i++)
        {
            if (scaleEvents[i].Timestamp > cutoff)
            {
                replicas += scaleEvents[i].ReplicaChange;
            }
        }
        return replicas;
    }

    public static int CalculateScaleUpLimitWithScalingRules(int currentReplicas, IReadOnlyList<TimestampedScaleEvent> scaleUpEvents,
        IReadOnlyList<TimestampedScaleEvent> scaleDownEvents, ScalingRules scalingRules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scalingRules);
        if (string.Equals(scalingRules.SelectPolicy, ScalingPolicySelect.Disabled, StringComparison.Ordinal))
        {
            return currentReplicas;
        }
        // Min picks the policy allowing the smallest increase; Max (and anything else, as upstream) the largest.
        var selectMin = string.Equals(scalingRules.SelectPolicy, ScalingPolicySelect.Min, StringComparison.Ordinal);
        var result = selectMin ? int.MaxValue : int.MinValue;
        // Upstream declares the proposal outside the loop, so a policy of unknown type repeats the previous one.
        var proposed = 0;
        foreach (var policy in scalingRules.Policies)
        {
            var periodStartReplicas = PeriodStartReplicas(currentReplicas, policy.PeriodSeconds, scaleUpEvents, scaleDownEvents, now);
            if (string.Equals(policy.Type, HpaScalingPolicyType.Pods, StringComparison.Ordinal))
            {
                proposed = SaturateToInt32((long)periodStartReplicas + policy.Value);
            }
            else if (string.Equals(policy.Type, HpaScalingPolicyType.Percent, StringComparison.Ordinal))
            {
                // Rounded up so that a small percentage of a small count still allows one more replica.
                proposed = ReplicaMath.CeilToInt32(periodStartReplicas * (1 + (double)policy.Value / 100));
            }
            result = selectMin ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }
        return result;
    }

    public static int CalculateScaleDownLimitWithBehaviors(int currentReplicas, IReadOnlyList<TimestampedScaleEvent> scaleUpEvents,
        IReadOnlyList<TimestampedScaleEvent> scaleDownEvents, ScalingRules scalingRules, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scalingRules);
        if (string.Equals(scalingRules.SelectPolicy, ScalingPolicySelect.Disabled, StringComparison.Ordinal))
        {
            return currentReplicas;
        }
        // For a scale-down the smallest change is the highest remaining count, so Min takes the maximum.
        var selectMin = string.Equals(scalingRules.SelectPolicy, ScalingPolicySelect.Min, StringComparison.Ordinal);
        var result = selectMin ? int.MinValue : int.MaxValue;
        var proposed = 0;
        foreach (var policy in scalingRules.Policies)
        {
            var periodStartReplicas = PeriodStartReplicas(currentReplicas, policy.PeriodSeconds, scaleUpEvents, scaleDownEvents, now);
            if (string.Equals(policy.Type, HpaScalingPolicyType.Pods, StringComparison.Ordinal))
            {
                proposed = SaturateToInt32((long)periodStartReplicas - policy.Value);
            }
            else if (string.Equals(policy.Type, HpaScalingPolicyType.Percent, StringComparison.Ordinal))
            {
                // Truncated toward zero (int32 conversion), so the remaining count can go below zero.
                proposed = ReplicaMath.TruncateToInt32(periodStartReplicas * (1 - (double)policy.Value / 100));
            }
            result = selectMin ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }
        return result;
    }

    private static int PeriodStartReplicas(int currentReplicas, int periodSeconds, IReadOnlyList<TimestampedScaleEvent> scaleUpEvents,
        IReadOnlyList<TimestampedScaleEvent> scaleDownEvents, DateTimeOffset now)
    {
        var added = GetReplicasChangePerPeriod(periodSeconds, scaleUpEvents, now);
        var deleted = GetReplicasChangePerPeriod(periodSeconds, scaleDownEvents, now);
        return SaturateToInt32((long)currentReplicas - added + deleted);
    }

    private static int SaturateToInt32(long value) => (int)Math.Clamp(value, int.MinValue, int.MaxValue);
}
