using ActorScaler.Actors.Serialization;
using ActorScaler.Core.Behavior;
using ActorScaler.Metrics.Custom;
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
        new MessageCodec<ReconcileHpa>("Hrc", WriteReconcile, ReadReconcile),
        new MessageCodec<ReleaseHpa>("Hrl", (m, o) => { o.String(1, m.TargetKey); o.String(2, m.HpaKey); }, ReadRelease),
    ];

    private static void WriteReconcile(ReconcileHpa m, CodedOutputStream o)
    {
        o.String(1, m.TargetKey);
        o.String(2, m.HpaKey);
        o.String(3, m.TraceParent);
        foreach (var reading in m.Readings)
            o.Message(4, reading, WriteReading);
    }

    private static ReconcileHpa ReadReconcile(CodedInputStream input)
    {
        string target = "", key = "";
        string? traceParent = null;
        var readings = new List<MetricReading>();
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: target = input.ReadString(); return true;
                case 2: key = input.ReadString(); return true;
                case 3: traceParent = input.ReadString(); return true;
                case 4: readings.Add(input.Message(ReadReading)); return true;
                default: return false;
            }
        });
        return new ReconcileHpa(target, key, traceParent, readings);
    }

    private static ReleaseHpa ReadRelease(CodedInputStream input)
    {
        string target = "", key = "";
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: target = input.ReadString(); return true;
                case 2: key = input.ReadString(); return true;
                default: return false;
            }
        });
        return new ReleaseHpa(target, key);
    }

    // Times as UTC ticks; "no value list" (null) and "an empty list" differ (fields 7 and 8), and so do
    // "never" and a time (absent versus present ticks).
    private static void WriteReading(MetricReading r, CodedOutputStream o)
    {
        o.String(1, r.Key);
        if (r.PodValues is { } podValues)
        {
            o.Bool(7, true);
            foreach (var v in podValues)
                o.Message(2, v, static (v, o) => { o.String(1, v.Pod); o.Int64(2, v.ValueMilli); o.Int64(3, v.Timestamp.UtcTicks); o.Int64(4, v.Window.Ticks); });
        }
        if (r.Values is { } values)
        {
            o.Bool(8, true);
            foreach (var v in values)
                o.Message(3, v, static (v, o) => { o.Int64(1, v.ValueMilli); o.Int64(2, v.Timestamp.UtcTicks); o.Int64(3, v.Window.Ticks); });
        }
        o.Int64(4, r.GoodAt?.UtcTicks ?? 0);
        o.String(5, r.Error);
        o.Int64(6, r.ErrorAt?.UtcTicks ?? 0);
    }

    private static MetricReading ReadReading(CodedInputStream input)
    {
        var key = "";
        bool hasPodValues = false, hasValues = false;
        var podValues = new List<PodCustomMetricValue>();
        var values = new List<CustomMetricValue>();
        long goodAt = 0, errorAt = 0;
        string? error = null;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: key = input.ReadString(); return true;
                case 2: podValues.Add(input.Message(ReadPodValue)); return true;
                case 3: values.Add(input.Message(ReadValue)); return true;
                case 4: goodAt = input.ReadInt64(); return true;
                case 5: error = input.ReadString(); return true;
                case 6: errorAt = input.ReadInt64(); return true;
                case 7: hasPodValues = input.ReadBool(); return true;
                case 8: hasValues = input.ReadBool(); return true;
                default: return false;
            }
        });
        return new MetricReading(key, hasPodValues ? podValues : null, hasValues ? values : null, Time(goodAt), error, Time(errorAt));
    }

    private static DateTimeOffset? Time(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    private static PodCustomMetricValue ReadPodValue(CodedInputStream input)
    {
        var pod = "";
        long value = 0, at = 0, window = 0;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: pod = input.ReadString(); return true;
                case 2: value = input.ReadInt64(); return true;
                case 3: at = input.ReadInt64(); return true;
                case 4: window = input.ReadInt64(); return true;
                default: return false;
            }
        });
        return new PodCustomMetricValue(pod, value, new DateTimeOffset(at, TimeSpan.Zero), TimeSpan.FromTicks(window));
    }

    private static CustomMetricValue ReadValue(CodedInputStream input)
    {
        long value = 0, at = 0, window = 0;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: value = input.ReadInt64(); return true;
                case 2: at = input.ReadInt64(); return true;
                case 3: window = input.ReadInt64(); return true;
                default: return false;
            }
        });
        return new CustomMetricValue(value, new DateTimeOffset(at, TimeSpan.Zero), TimeSpan.FromTicks(window));
    }

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
