using ActorScaler.Actors.Serialization;
using ActorScaler.Core.Behavior;
using Google.Protobuf;

namespace ActorScaler.Actors.Hpa;

/// <summary>Wire codecs of the HPA region's cross-member messages. Manifests and field numbers are a
/// compatibility contract: never reuse or renumber.</summary>
public static class HpaCodecs
{
    public static IEnumerable<MessageCodec> All =>
    [
        new MessageCodec<EnsureHpa>("Hen", (m, o) =>
        {
            o.String(1, m.HpaKey);
            o.String(2, m.TraceParent);
        }, ReadEnsure),
        new MessageCodec<StopHpa>("Hst", (m, o) => o.String(1, m.HpaKey), i => new StopHpa(ReadKey(i))),
        new MessageCodec<GetHpaOwner>("Hgo", (m, o) => o.String(1, m.HpaKey), i => new GetHpaOwner(ReadKey(i))),
        new MessageCodec<HpaOwner>("Hor", WriteOwner, ReadOwner),
        new MessageCodec<ReplicatedDecisionState>("Hds", WriteState, ReadState),
    ];

    // The decision state: timestamps as UTC ticks (exact round trip); recommendations present (field 2,
    // even when empty) versus absent matters to the core: absent seeds the list on the next pass.
    private static void WriteState(ReplicatedDecisionState m, CodedOutputStream o)
    {
        o.String(1, m.HpaUid);
        if (m.State.Recommendations is { } recommendations)
        {
            o.Bool(2, true);
            foreach (var r in recommendations)
                o.Message(3, r, static (r, o) => { o.Int32(1, r.Recommendation); o.Int64(2, r.Timestamp.UtcTicks); });
        }
        foreach (var e in m.State.ScaleUpEvents)
            o.Message(4, e, WriteEvent);
        foreach (var e in m.State.ScaleDownEvents)
            o.Message(5, e, WriteEvent);
    }

    private static void WriteEvent(TimestampedScaleEvent e, CodedOutputStream o)
    {
        o.Int32(1, e.ReplicaChange);
        o.Int64(2, e.Timestamp.UtcTicks);
        o.Bool(3, e.Outdated);
    }

    private static ReplicatedDecisionState ReadState(CodedInputStream input)
    {
        var uid = "";
        var hasRecommendations = false;
        var recommendations = new List<TimestampedRecommendation>();
        var up = new List<TimestampedScaleEvent>();
        var down = new List<TimestampedScaleEvent>();
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: uid = input.ReadString(); return true;
                case 2: hasRecommendations = input.ReadBool(); return true;
                case 3: recommendations.Add(input.Message(ReadRecommendation)); return true;
                case 4: up.Add(input.Message(ReadEvent)); return true;
                case 5: down.Add(input.Message(ReadEvent)); return true;
                default: return false;
            }
        });
        return new ReplicatedDecisionState(uid, new DecisionState
        {
            Recommendations = hasRecommendations || recommendations.Count > 0 ? recommendations : null,
            ScaleUpEvents = up,
            ScaleDownEvents = down,
        });
    }

    private static TimestampedRecommendation ReadRecommendation(CodedInputStream input)
    {
        int value = 0;
        long ticks = 0;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: value = input.ReadInt32(); return true;
                case 2: ticks = input.ReadInt64(); return true;
                default: return false;
            }
        });
        return new TimestampedRecommendation(value, new DateTimeOffset(ticks, TimeSpan.Zero));
    }

    private static TimestampedScaleEvent ReadEvent(CodedInputStream input)
    {
        int change = 0;
        long ticks = 0;
        var outdated = false;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: change = input.ReadInt32(); return true;
                case 2: ticks = input.ReadInt64(); return true;
                case 3: outdated = input.ReadBool(); return true;
                default: return false;
            }
        });
        return new TimestampedScaleEvent(change, new DateTimeOffset(ticks, TimeSpan.Zero), outdated);
    }

    private static EnsureHpa ReadEnsure(CodedInputStream input)
    {
        var key = "";
        string? traceParent = null;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: key = input.ReadString(); return true;
                case 2: traceParent = input.ReadString(); return true;
                default: return false;
            }
        });
        return new EnsureHpa(key, traceParent);
    }

    private static string ReadKey(CodedInputStream input)
    {
        var key = "";
        input.ReadFields(field =>
        {
            if (field != 1)
                return false;
            key = input.ReadString();
            return true;
        });
        return key;
    }

    private static void WriteOwner(HpaOwner m, CodedOutputStream o)
    {
        o.String(1, m.HpaKey);
        o.String(2, m.Member);
        o.Int64(3, m.Passes);
        // +1 so the "no pass yet" value -1 is written as 0 and omitted.
        o.Int32(4, m.CurrentReplicas + 1);
        o.Int32(5, m.DesiredReplicas + 1);
        o.String(6, m.LastReason);
    }

    private static HpaOwner ReadOwner(CodedInputStream input)
    {
        string key = "", member = "", reason = "";
        long passes = 0;
        int current = 0, desired = 0;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: key = input.ReadString(); return true;
                case 2: member = input.ReadString(); return true;
                case 3: passes = input.ReadInt64(); return true;
                case 4: current = input.ReadInt32(); return true;
                case 5: desired = input.ReadInt32(); return true;
                case 6: reason = input.ReadString(); return true;
                default: return false;
            }
        });
        return new HpaOwner(key, member, passes, current - 1, desired - 1, reason);
    }
}
