using ActorScaler.Actors.Protocol;
using ActorScaler.Core.Behavior;
using Akka.DistributedData;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// An HPA's decision state as replicated: the core's <see cref="DecisionState"/> (stored
/// recommendations and scale events) with the UID of the HPA object it belongs to, so a deleted and
/// re-created HPA of the same name does not inherit its predecessor's memory. It crosses the wire
/// inside Akka.DistributedData's gossip, hence the protocol serializer binding.
/// </summary>
public sealed record ReplicatedDecisionState(string HpaUid, DecisionState State) : IActorScalerMessage;

/// <summary>
/// How an HPA entity's memory survives a failover (issue 7, part 3): one <see cref="LWWRegister{T}"/>
/// per HPA in Akka.DistributedData. Upstream keeps recommendations and scale events in the
/// controller's memory; a restarted upstream controller forgets them, which is why a new leader can
/// let a rate-limited scale happen twice. Here the entity writes its state after every pass that
/// changed it, with <see cref="WriteLocal"/> (a pass never waits for other members; gossip spreads it
/// within a gossip interval), and an entity starting on a new member reads it with
/// <see cref="ReadMajority"/>, falling back to its local replica when no majority answers in time.
/// So after a member dies, the successor applies the same stabilization window and the same scale
/// policies' history: no premature scale-down, no second scale-up inside a policy period.
/// Every pass adds a timestamped recommendation, so "changed" would mean every pass; see
/// <see cref="IsWorthReplicating"/> for what is written at once and what waits.
/// One register per HPA (not one map): each changes alone, and gossip ships only the registers whose
/// digests differ. An HPA's register is never deleted (a deleted key can never be written again and
/// an HPA may be re-created under the same name); the UID tells a stale one apart.
/// </summary>
public static class DecisionStateReplication
{
    public const string KeyPrefix = "hpa-state-";

    public static LWWRegisterKey<ReplicatedDecisionState> KeyFor(string hpaKey) => new(KeyPrefix + hpaKey);

    /// <summary>
    /// Whether a pass's new state must be replicated now, given the last replicated one. A state that
    /// holds nothing but the current replica count (no scale events, every recommendation equal to
    /// <paramref name="currentReplicas"/>) is not worth a write: a successor without it seeds its list
    /// with the current count at its own start (the core's fresh start), which holds the replicas at
    /// least as long, so no scale-down comes early; only a non-trivial state replicated before must then
    /// be overwritten once. That is the state of every HPA at rest: a steady cluster replicates nothing.
    /// Otherwise at once when a scale event was added or dropped (the policies' history), or when the
    /// recommendations' highest or lowest value changed (what the scale-down and scale-up stabilization
    /// windows take); else at most once per <paramref name="refresh"/>, so a successor can let a value
    /// age out of the window at most <paramref name="refresh"/> early (one sync period of a five-minute
    /// window) while the cost drops from one write per pass to about one per period. At 10,000 HPAs
    /// reconciled about every second on fresh metrics, one write per pass flooded the gossip.
    /// </summary>
    public static bool IsWorthReplicating(DecisionState replicated, DecisionState current, int currentReplicas, TimeSpan sinceReplicated, TimeSpan refresh)
    {
        ArgumentNullException.ThrowIfNull(replicated);
        ArgumentNullException.ThrowIfNull(current);
        if (ReferenceEquals(replicated, current))
            return false;
        if (IsLikeAFreshStart(current, currentReplicas))
            return !IsLikeAFreshStart(replicated, currentReplicas);
        if (!current.ScaleUpEvents.SequenceEqual(replicated.ScaleUpEvents) || !current.ScaleDownEvents.SequenceEqual(replicated.ScaleDownEvents))
            return true;
        if (current.Recommendations is not { } now)
            return false;
        if (replicated.Recommendations is not { } before || Extremes(now) != Extremes(before))
            return true;
        return sinceReplicated >= refresh && !now.SequenceEqual(before);
    }

    /// <summary>No scale events, and no recommendation other than <paramref name="currentReplicas"/>:
    /// a successor's fresh start is at least as conservative.</summary>
    public static bool IsLikeAFreshStart(DecisionState state, int currentReplicas)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.ScaleUpEvents.Count == 0 && state.ScaleDownEvents.Count == 0
            && (state.Recommendations is null || state.Recommendations.All(r => r.Recommendation == currentReplicas));
    }

    private static (int Min, int Max) Extremes(IReadOnlyList<TimestampedRecommendation> recommendations)
    {
        if (recommendations.Count == 0)
            return (0, -1);
        var min = int.MaxValue;
        var max = int.MinValue;
        foreach (var r in recommendations)
        {
            min = Math.Min(min, r.Recommendation);
            max = Math.Max(max, r.Recommendation);
        }
        return (min, max);
    }

    /// <summary>How long a starting entity waits for a majority before using its local replica: a
    /// fraction of a sync period, so a failover costs no missed period.</summary>
    public static TimeSpan ReadTimeout(TimeSpan syncPeriod) =>
        TimeSpan.FromTicks(Math.Clamp(syncPeriod.Ticks / 5, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(3).Ticks));
}
