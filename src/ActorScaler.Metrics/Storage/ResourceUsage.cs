using System.Collections.Immutable;

namespace ActorScaler.Metrics.Storage;

// The immutable values the pipeline pushes to the HPA side and serves through metrics.k8s.io.
// Times are Unix nanoseconds (kubelet sample times, never scrape times), CPU is nanocores,
// memory is working-set bytes.

public readonly record struct ContainerUsage(string Name, long CpuNanoCores, long MemoryBytes);

public sealed record PodUsage(
    string Namespace,
    string Name,
    long TimestampNs,
    long WindowNs,
    ImmutableArray<ContainerUsage> Containers)
{
    public long CpuNanoCores
    {
        get
        {
            long sum = 0;
            foreach (var c in Containers) sum += c.CpuNanoCores;
            return sum;
        }
    }

    public long MemoryBytes
    {
        get
        {
            long sum = 0;
            foreach (var c in Containers) sum += c.MemoryBytes;
            return sum;
        }
    }
}

public sealed record NodeUsage(string Name, long TimestampNs, long WindowNs, long CpuNanoCores, long MemoryBytes);

/// <summary>Everything one scrape of one node yields: the node's own usage (absent until two
/// samples exist) and every pod with a usable pair of samples.</summary>
public sealed record NodeMetricsBatch(
    string Node,
    long ScrapedAtNs,
    NodeUsage? NodeUsage,
    ImmutableArray<PodUsage> Pods,
    ImmutableArray<string> Problems);
