using ActorScaler.Actors.Serialization;
using ActorScaler.Core.Decision;
using Google.Protobuf;

namespace ActorScaler.Actors.Telemetry;

/// <summary>Wire codecs of the decision history messages. Manifests and field numbers are a
/// compatibility contract: never reuse or renumber. Optional numbers are written whenever they have a
/// value (0 included) and absent otherwise, so null and 0 stay apart.</summary>
public static class TelemetryCodecs
{
    public static IEnumerable<MessageCodec> All =>
    [
        new MessageCodec<GetDecisionHistory>("Tgh", (m, o) =>
        {
            o.String(1, m.HpaKey);
            o.String(2, m.TraceParent);
        }, ReadRequest),
        new MessageCodec<DecisionHistoryReply>("Thr", WriteReply, ReadReply),
    ];

    private static GetDecisionHistory ReadRequest(CodedInputStream input)
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
        return new GetDecisionHistory(key, traceParent);
    }

    private static void WriteReply(DecisionHistoryReply m, CodedOutputStream o)
    {
        o.String(1, m.HpaKey);
        o.String(2, m.Member);
        foreach (var record in m.Records)
            o.Message(3, record, WriteRecord);
    }

    private static DecisionHistoryReply ReadReply(CodedInputStream input)
    {
        string key = "", member = "";
        var records = new List<DecisionRecord>();
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: key = input.ReadString(); return true;
                case 2: member = input.ReadString(); return true;
                case 3: records.Add(input.Message(ReadRecord)); return true;
                default: return false;
            }
        });
        return new DecisionHistoryReply(key, member, records);
    }

    private static void OptionalInt32(CodedOutputStream output, int field, int? value)
    {
        if (value is not { } v)
            return;
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(v);
    }

    private static void OptionalDouble(CodedOutputStream output, int field, double? value)
    {
        if (value is not { } v)
            return;
        output.WriteTag(field, WireFormat.WireType.Fixed64);
        output.WriteDouble(v);
    }

    private static void WriteRecord(DecisionRecord r, CodedOutputStream o)
    {
        o.Int64(1, r.Time.UtcTicks);
        o.Int64(2, r.LastTime.UtcTicks);
        o.Int32(3, r.Repeats);
        o.String(4, r.Member);
        o.String(5, r.TraceId);
        o.String(6, r.Outcome);
        o.Int32(7, r.CurrentReplicas);
        o.Int32(8, r.MinReplicas);
        o.Int32(9, r.MaxReplicas);
        o.Double(10, r.ScaleUpTolerance);
        o.Double(11, r.ScaleDownTolerance);
        foreach (var metric in r.Metrics)
            o.Message(12, metric, WriteMetric);
        OptionalInt32(o, 13, r.Recommendation);
        o.String(14, r.RecommendingMetric);
        OptionalInt32(o, 15, r.Stabilized);
        o.String(16, r.StabilizationReason);
        OptionalInt32(o, 17, r.PolicyLimit);
        OptionalInt32(o, 18, r.AfterPolicies);
        OptionalInt32(o, 19, r.AfterClamp);
        o.String(20, r.Limit);
        o.String(21, r.LimitReason);
        o.Int32(22, r.FinalReplicas);
        o.String(23, r.Reason);
        OptionalInt32(o, 24, r.ScaledTo);
        o.String(25, r.Error);
    }

    private static DecisionRecord ReadRecord(CodedInputStream input)
    {
        long time = 0, lastTime = 0;
        int repeats = 0, current = 0, min = 0, max = 0, final = 0;
        int? recommendation = null, stabilized = null, policyLimit = null, afterPolicies = null, afterClamp = null, scaledTo = null;
        double up = 0, down = 0;
        string member = "", outcome = "", limit = nameof(ScalingLimit.None), reason = "";
        string? traceId = null, recommendingMetric = null, stabilizationReason = null, limitReason = null, error = null;
        var metrics = new List<MetricExplanation>();
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: time = input.ReadInt64(); return true;
                case 2: lastTime = input.ReadInt64(); return true;
                case 3: repeats = input.ReadInt32(); return true;
                case 4: member = input.ReadString(); return true;
                case 5: traceId = input.ReadString(); return true;
                case 6: outcome = input.ReadString(); return true;
                case 7: current = input.ReadInt32(); return true;
                case 8: min = input.ReadInt32(); return true;
                case 9: max = input.ReadInt32(); return true;
                case 10: up = input.ReadDouble(); return true;
                case 11: down = input.ReadDouble(); return true;
                case 12: metrics.Add(input.Message(ReadMetric)); return true;
                case 13: recommendation = input.ReadInt32(); return true;
                case 14: recommendingMetric = input.ReadString(); return true;
                case 15: stabilized = input.ReadInt32(); return true;
                case 16: stabilizationReason = input.ReadString(); return true;
                case 17: policyLimit = input.ReadInt32(); return true;
                case 18: afterPolicies = input.ReadInt32(); return true;
                case 19: afterClamp = input.ReadInt32(); return true;
                case 20: limit = input.ReadString(); return true;
                case 21: limitReason = input.ReadString(); return true;
                case 22: final = input.ReadInt32(); return true;
                case 23: reason = input.ReadString(); return true;
                case 24: scaledTo = input.ReadInt32(); return true;
                case 25: error = input.ReadString(); return true;
                default: return false;
            }
        });
        return new DecisionRecord
        {
            Time = new DateTimeOffset(time, TimeSpan.Zero),
            LastTime = new DateTimeOffset(lastTime, TimeSpan.Zero),
            Repeats = repeats,
            Member = member,
            TraceId = traceId,
            Outcome = outcome,
            CurrentReplicas = current,
            MinReplicas = min,
            MaxReplicas = max,
            ScaleUpTolerance = up,
            ScaleDownTolerance = down,
            Metrics = metrics,
            Recommendation = recommendation,
            RecommendingMetric = recommendingMetric,
            Stabilized = stabilized,
            StabilizationReason = stabilizationReason,
            PolicyLimit = policyLimit,
            AfterPolicies = afterPolicies,
            AfterClamp = afterClamp,
            Limit = limit,
            LimitReason = limitReason,
            FinalReplicas = final,
            Reason = reason,
            ScaledTo = scaledTo,
            Error = error,
        };
    }

    private static void WriteMetric(MetricExplanation m, CodedOutputStream o)
    {
        o.String(1, m.Type);
        o.String(2, m.Name);
        o.String(3, m.Current);
        o.String(4, m.Target);
        OptionalDouble(o, 5, m.UsageRatio);
        o.Bool(6, m.WithinTolerance);
        OptionalInt32(o, 7, m.ProposedReplicas);
        o.String(8, m.Error);
    }

    private static MetricExplanation ReadMetric(CodedInputStream input)
    {
        string type = "", name = "", current = "", target = "";
        double? ratio = null;
        var within = false;
        int? proposed = null;
        string? error = null;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: type = input.ReadString(); return true;
                case 2: name = input.ReadString(); return true;
                case 3: current = input.ReadString(); return true;
                case 4: target = input.ReadString(); return true;
                case 5: ratio = input.ReadDouble(); return true;
                case 6: within = input.ReadBool(); return true;
                case 7: proposed = input.ReadInt32(); return true;
                case 8: error = input.ReadString(); return true;
                default: return false;
            }
        });
        return new MetricExplanation(type, name, current, target, ratio, within, proposed, error);
    }
}
