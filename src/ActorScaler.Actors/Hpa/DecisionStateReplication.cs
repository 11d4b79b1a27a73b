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
/// One register per HPA (not one map): each changes alone, and gossip ships only the registers whose
/// digests differ. An HPA's register is never deleted (a deleted key can never be written again and
/// an HPA may be re-created under the same name); the UID tells a stale one apart.
/// </summary>
public static class DecisionStateReplication
{
    public const string KeyPrefix = "hpa-state-";

    public static LWWRegisterKey<ReplicatedDecisionState> KeyFor(string hpaKey) => new(KeyPrefix + hpaKey);

    /// <summary>How long a starting entity waits for a majority before using its local replica: a
    /// fraction of a sync period, so a failover costs no missed period.</summary>
    public static TimeSpan ReadTimeout(TimeSpan syncPeriod) =>
        TimeSpan.FromTicks(Math.Clamp(syncPeriod.Ticks / 5, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(3).Ticks));
}
