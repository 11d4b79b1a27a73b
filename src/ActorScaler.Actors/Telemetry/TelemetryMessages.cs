using ActorScaler.Actors.Protocol;

namespace ActorScaler.Actors.Telemetry;

/// <summary>Asks the HPA entity (through the shard region, from any member) for its last decisions.
/// <paramref name="TraceParent"/> is the asker's W3C trace context, so the entity's span joins its trace.</summary>
public sealed record GetDecisionHistory(string HpaKey, string? TraceParent = null) : IActorScalerMessage, IWithHpaKey;

/// <summary>The reply to <see cref="GetDecisionHistory"/>: the owning member and its records, oldest first.</summary>
public sealed record DecisionHistoryReply(string HpaKey, string Member, IReadOnlyList<DecisionRecord> Records) : IActorScalerMessage, IWithHpaKey
{
    // Records compare by content so a reply that crossed the wire equals the one sent.
    public bool Equals(DecisionHistoryReply? other) =>
        other is not null && HpaKey == other.HpaKey && Member == other.Member && Records.Count == other.Records.Count
        && Records.Zip(other.Records).All(pair => pair.First.SameDecisionAs(pair.Second)
            && pair.First.Time == pair.Second.Time && pair.First.LastTime == pair.Second.LastTime
            && pair.First.Repeats == pair.Second.Repeats && pair.First.TraceId == pair.Second.TraceId);

    public override int GetHashCode() => HashCode.Combine(HpaKey, Member, Records.Count);
}
