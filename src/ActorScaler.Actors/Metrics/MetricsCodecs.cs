using System.Collections.Immutable;
using ActorScaler.Actors.Serialization;
using ActorScaler.Metrics.Storage;
using Google.Protobuf;

namespace ActorScaler.Actors.Metrics;

/// <summary>
/// Wire codecs of the metrics pipeline's cluster messages. Field numbers are the compatibility
/// contract (see <see cref="MessageCodec"/>): add new numbers, never renumber. A report is the largest
/// message in the system (one per node per resolution, to every member), so it is kept compact:
/// varints for times and values, no field names.
/// </summary>
public static class MetricsCodecs
{
    public static IEnumerable<MessageCodec> All =>
    [
        new MessageCodec<EnsureScraper>("mse", (m, o) => o.String(1, m.NodeName), i => new EnsureScraper(ReadNodeName(i))),
        new MessageCodec<StopScraper>("mss", (m, o) => o.String(1, m.NodeName), i => new StopScraper(ReadNodeName(i))),
        new MessageCodec<NodeScrapeReport>("mnr", WriteReport, ReadReport),
    ];

    private static string ReadNodeName(CodedInputStream input)
    {
        var name = "";
        input.ReadFields(field =>
        {
            if (field != 1) return false;
            name = input.ReadString();
            return true;
        });
        return name;
    }

    internal static void WriteReport(NodeScrapeReport report, CodedOutputStream output)
    {
        output.Message(1, report.Status, WriteStatus);
        if (report.Batch is { } batch)
            output.Message(2, batch, WriteBatch);
    }

    internal static NodeScrapeReport ReadReport(CodedInputStream input)
    {
        NodeScrapeStatus? status = null;
        NodeMetricsBatch? batch = null;
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: status = input.Message(ReadStatus); return true;
                case 2: batch = input.Message(ReadBatch); return true;
                default: return false;
            }
        });
        return new NodeScrapeReport(status ?? throw new System.Runtime.Serialization.SerializationException("NodeScrapeReport without a status"), batch);
    }

    private static void WriteStatus(NodeScrapeStatus s, CodedOutputStream o)
    {
        o.String(1, s.Node);
        o.String(2, s.Address);
        o.Int64(3, s.AttemptedAtNs);
        o.Int64(4, s.LastSuccessNs);
        o.String(5, s.Reason);
        o.String(6, s.Message);
        o.String(7, s.Member);
    }

    private static NodeScrapeStatus ReadStatus(CodedInputStream i)
    {
        string node = "", reason = "", message = "", member = "";
        string? address = null;
        long attempted = 0, success = 0;
        i.ReadFields(field =>
        {
            switch (field)
            {
                case 1: node = i.ReadString(); return true;
                case 2: address = i.ReadString(); return true;
                case 3: attempted = i.ReadInt64(); return true;
                case 4: success = i.ReadInt64(); return true;
                case 5: reason = i.ReadString(); return true;
                case 6: message = i.ReadString(); return true;
                case 7: member = i.ReadString(); return true;
                default: return false;
            }
        });
        return new NodeScrapeStatus(node, address, attempted, success, reason, message, member);
    }

    private static void WriteBatch(NodeMetricsBatch b, CodedOutputStream o)
    {
        o.String(1, b.Node);
        o.Int64(2, b.ScrapedAtNs);
        if (b.NodeUsage is { } node)
            o.Message(3, node, WriteNodeUsage);
        foreach (var pod in b.Pods)
            o.Message(4, pod, WritePod);
        foreach (var problem in b.Problems)
        {
            o.WriteTag(5, WireFormat.WireType.LengthDelimited);
            o.WriteString(problem);
        }
    }

    private static NodeMetricsBatch ReadBatch(CodedInputStream i)
    {
        var node = "";
        long scrapedAt = 0;
        NodeUsage? usage = null;
        var pods = ImmutableArray.CreateBuilder<PodUsage>();
        var problems = ImmutableArray.CreateBuilder<string>();
        i.ReadFields(field =>
        {
            switch (field)
            {
                case 1: node = i.ReadString(); return true;
                case 2: scrapedAt = i.ReadInt64(); return true;
                case 3: usage = i.Message(ReadNodeUsage); return true;
                case 4: pods.Add(i.Message(ReadPod)); return true;
                case 5: problems.Add(i.ReadString()); return true;
                default: return false;
            }
        });
        return new NodeMetricsBatch(node, scrapedAt, usage, pods.ToImmutable(), problems.ToImmutable());
    }

    private static void WriteNodeUsage(NodeUsage n, CodedOutputStream o)
    {
        o.String(1, n.Name);
        o.Int64(2, n.TimestampNs);
        o.Int64(3, n.WindowNs);
        o.Int64(4, n.CpuNanoCores);
        o.Int64(5, n.MemoryBytes);
    }

    private static NodeUsage ReadNodeUsage(CodedInputStream i)
    {
        var name = "";
        long ts = 0, window = 0, cpu = 0, memory = 0;
        i.ReadFields(field =>
        {
            switch (field)
            {
                case 1: name = i.ReadString(); return true;
                case 2: ts = i.ReadInt64(); return true;
                case 3: window = i.ReadInt64(); return true;
                case 4: cpu = i.ReadInt64(); return true;
                case 5: memory = i.ReadInt64(); return true;
                default: return false;
            }
        });
        return new NodeUsage(name, ts, window, cpu, memory);
    }

    private static void WritePod(PodUsage p, CodedOutputStream o)
    {
        o.String(1, p.Namespace);
        o.String(2, p.Name);
        o.Int64(3, p.TimestampNs);
        o.Int64(4, p.WindowNs);
        foreach (var c in p.Containers)
            o.Message(5, c, WriteContainer);
    }

    private static PodUsage ReadPod(CodedInputStream i)
    {
        string ns = "", name = "";
        long ts = 0, window = 0;
        var containers = ImmutableArray.CreateBuilder<ContainerUsage>(1);
        i.ReadFields(field =>
        {
            switch (field)
            {
                case 1: ns = i.ReadString(); return true;
                case 2: name = i.ReadString(); return true;
                case 3: ts = i.ReadInt64(); return true;
                case 4: window = i.ReadInt64(); return true;
                case 5: containers.Add(i.Message(ReadContainer)); return true;
                default: return false;
            }
        });
        return new PodUsage(ns, name, ts, window, containers.ToImmutable());
    }

    private static void WriteContainer(ContainerUsage c, CodedOutputStream o)
    {
        o.String(1, c.Name);
        o.Int64(2, c.CpuNanoCores);
        o.Int64(3, c.MemoryBytes);
    }

    private static ContainerUsage ReadContainer(CodedInputStream i)
    {
        var name = "";
        long cpu = 0, memory = 0;
        i.ReadFields(field =>
        {
            switch (field)
            {
                case 1: name = i.ReadString(); return true;
                case 2: cpu = i.ReadInt64(); return true;
                case 3: memory = i.ReadInt64(); return true;
                default: return false;
            }
        });
        return new ContainerUsage(name, cpu, memory);
    }
}
