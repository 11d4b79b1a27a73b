using System.Collections.Immutable;
using ActorScaler.Actors.Serialization;
using ActorScaler.Metrics.Storage;
using Google.Protobuf;

namespace ActorScaler.Actors.Metrics;

/// <summary>
/// Wire codec of <see cref="ScraperLastPoints"/>, the value of each node's replicated register. Every
/// member holds one per node and the replicator gossips the changed ones every round, so the value is
/// kept small: a pod's namespace and name are written once for all its containers, and the
/// containers' timestamps as zigzag deltas from the node's (the kubelet samples a node's containers
/// within milliseconds of each other, so a delta is 1-4 bytes instead of 9). Field numbers are the
/// compatibility contract (see <see cref="MessageCodec"/>).
/// </summary>
public static class ScraperPointsCodecs
{
    public static IEnumerable<MessageCodec> All =>
    [
        new MessageCodec<ScraperLastPoints>("msp", (m, o) => Write(m.Points, o), i => new ScraperLastPoints(Read(i))),
    ];

    internal static void Write(NodeRatePoints p, CodedOutputStream o)
    {
        o.String(1, p.Node);
        o.Int64(2, p.ScrapedAtNs);
        o.Int64(3, p.NodeTimestampNs);
        UInt64(o, 4, p.NodeCpuNs);
        if (p.Containers.IsDefaultOrEmpty)
            return;
        // Group by pod in first-seen order; the calculator's dictionary keeps a pod's containers together
        // anyway, but grouping does not rely on it.
        var pods = new Dictionary<(string Namespace, string Pod), List<ContainerRatePoint>>();
        foreach (var c in p.Containers)
        {
            if (!pods.TryGetValue((c.Namespace, c.Pod), out var list))
                pods[(c.Namespace, c.Pod)] = list = new List<ContainerRatePoint>(1);
            list.Add(c);
        }
        foreach (var ((ns, pod), containers) in pods)
        {
            o.Message(5, (ns, pod, containers, p.NodeTimestampNs), static (v, po) =>
            {
                po.String(1, v.ns);
                po.String(2, v.pod);
                foreach (var c in v.containers)
                {
                    po.Message(3, (c, v.NodeTimestampNs), static (cv, co) =>
                    {
                        co.String(1, cv.c.Container);
                        SInt64(co, 2, cv.c.TimestampNs - cv.NodeTimestampNs);
                        UInt64(co, 3, cv.c.CpuNs);
                        SInt64(co, 4, cv.c.StartNs == 0 ? 0 : cv.c.StartNs - cv.NodeTimestampNs);
                        co.Bool(5, cv.c.StartNs != 0);
                    });
                }
            });
        }
    }

    internal static NodeRatePoints Read(CodedInputStream i)
    {
        var node = "";
        long scrapedAt = 0, nodeTs = 0;
        ulong nodeCpu = 0;
        // Containers are read after the node timestamp they are relative to: collect raw first.
        var raw = new List<(string Ns, string Pod, string Container, long TsDelta, ulong Cpu, long StartDelta, bool HasStart)>();
        i.ReadFields(field =>
        {
            switch (field)
            {
                case 1: node = i.ReadString(); return true;
                case 2: scrapedAt = i.ReadInt64(); return true;
                case 3: nodeTs = i.ReadInt64(); return true;
                case 4: nodeCpu = i.ReadUInt64(); return true;
                case 5: i.Message(pi => { ReadPod(pi, raw); return 0; }); return true;
                default: return false;
            }
        });
        var containers = ImmutableArray.CreateBuilder<ContainerRatePoint>(raw.Count);
        foreach (var c in raw)
            containers.Add(new ContainerRatePoint(c.Ns, c.Pod, c.Container, nodeTs + c.TsDelta, c.Cpu, c.HasStart ? nodeTs + c.StartDelta : 0));
        return new NodeRatePoints(node, scrapedAt, nodeTs, nodeCpu, containers.MoveToImmutable());
    }

    private static void ReadPod(CodedInputStream pi, List<(string, string, string, long, ulong, long, bool)> raw)
    {
        string ns = "", pod = "";
        var containers = new List<(string, long, ulong, long, bool)>(1);
        pi.ReadFields(field =>
        {
            switch (field)
            {
                case 1: ns = pi.ReadString(); return true;
                case 2: pod = pi.ReadString(); return true;
                case 3:
                    containers.Add(pi.Message(ci =>
                    {
                        var name = "";
                        long ts = 0, start = 0;
                        ulong cpu = 0;
                        var hasStart = false;
                        ci.ReadFields(f =>
                        {
                            switch (f)
                            {
                                case 1: name = ci.ReadString(); return true;
                                case 2: ts = ci.ReadSInt64(); return true;
                                case 3: cpu = ci.ReadUInt64(); return true;
                                case 4: start = ci.ReadSInt64(); return true;
                                case 5: hasStart = ci.ReadBool(); return true;
                                default: return false;
                            }
                        });
                        return (name, ts, cpu, start, hasStart);
                    }));
                    return true;
                default: return false;
            }
        });
        foreach (var (name, ts, cpu, start, hasStart) in containers)
            raw.Add((ns, pod, name, ts, cpu, start, hasStart));
    }

    private static void UInt64(CodedOutputStream o, int field, ulong value)
    {
        if (value == 0)
            return;
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteUInt64(value);
    }

    private static void SInt64(CodedOutputStream o, int field, long value)
    {
        if (value == 0)
            return;
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteSInt64(value);
    }
}
