namespace ActorScaler.Core.Behavior;

/// <summary>
/// storeScaleEvent (horizontal.go): after a successful rescale of an HPA with spec.behavior, remember the
/// change for the rate limits. Events older than the direction's longest policy period are marked
/// outdated (the marks stay) and the last outdated slot is reused, so the list stays bounded.
/// </summary>
public static class ScaleEventHistory
{
    /// <summary>The state with the rescale prev -> new recorded; unchanged when the HPA has no behavior.</summary>
    public static DecisionState StoreScaleEvent(DecisionState state, ResolvedBehavior? behavior, int prevReplicas, int newReplicas, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (behavior is null)
        {
            // The legacy path never reads scale events, so none are kept.
            return state;
        }
        if (newReplicas > prevReplicas)
        {
            var events = Store(state.ScaleUpEvents, LongestPolicyPeriod(behavior.ScaleUp), newReplicas - prevReplicas, now);
            return state with { ScaleUpEvents = events };
        }
        var down = Store(state.ScaleDownEvents, LongestPolicyPeriod(behavior.ScaleDown), prevReplicas - newReplicas, now);
        return state with { ScaleDownEvents = down };
    }

    public static int LongestPolicyPeriod(ScalingRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var longest = 0;
        foreach (var policy in rules.Policies)
        {
            longest = Math.Max(longest, policy.PeriodSeconds);
        }
        return longest;
    }

    private static TimestampedScaleEvent[] Store(IReadOnlyList<TimestampedScaleEvent> events, int longestPolicyPeriodSeconds, int replicaChange, DateTimeOffset now)
    {
        var cutoff = now.AddSeconds(-longestPolicyPeriodSeconds);
        var oldSampleIndex = -1;
        var kept = new List<TimestampedScaleEvent>(events.Count + 1);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Timestamp < cutoff && !e.Outdated)
            {
                e = e with { Outdated = true };
            }
            if (e.Outdated)
            {
                oldSampleIndex = i;
            }
            kept.Add(e);
        }
        var added = new TimestampedScaleEvent(replicaChange, now, Outdated: false);
        if (oldSampleIndex >= 0)
        {
            kept[oldSampleIndex] = added;
        }
        else
        {
            kept.Add(added);
        }
        return [.. kept];
    }
}
