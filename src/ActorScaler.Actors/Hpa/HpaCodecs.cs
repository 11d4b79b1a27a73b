using ActorScaler.Actors.Serialization;
using Google.Protobuf;

namespace ActorScaler.Actors.Hpa;

/// <summary>Wire codecs of the HPA region's cross-member messages. Manifests and field numbers are a
/// compatibility contract: never reuse or renumber.</summary>
public static class HpaCodecs
{
    public static IEnumerable<MessageCodec> All =>
    [
        new MessageCodec<EnsureHpa>("Hen", (m, o) => o.String(1, m.HpaKey), i => new EnsureHpa(ReadKey(i))),
        new MessageCodec<StopHpa>("Hst", (m, o) => o.String(1, m.HpaKey), i => new StopHpa(ReadKey(i))),
        new MessageCodec<GetHpaOwner>("Hgo", (m, o) => o.String(1, m.HpaKey), i => new GetHpaOwner(ReadKey(i))),
        new MessageCodec<HpaOwner>("Hor", WriteOwner, ReadOwner),
    ];

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
