namespace ActorScaler.Metrics.Scraping;

/// <summary>What the parser read for one container: the raw kubelet values, merged across the
/// cpu, memory and start-time series. Times are Unix nanoseconds, CPU is cumulative
/// nanocore-seconds truncated the way metrics-server truncates (value × 1e9).</summary>
public struct ContainerSample
{
    public string Namespace;
    public string Pod;
    public string Container;
    public ulong CpuCumulativeNs;
    public long CpuTimestampNs;
    public ulong MemoryWorkingSetBytes;
    public long MemoryTimestampNs;
    public long StartTimeNs;
    public bool HasCpu;
    public bool HasMemory;
    public bool HasStartTime;

    /// <summary>The sample time of the pair: metrics-server takes whichever of the cpu/memory
    /// lines came last; the kubelet writes both from one stats read, so they are equal in
    /// practice. We take the cpu sample's time because the rate depends on it.</summary>
    public readonly long TimestampNs => HasCpu ? CpuTimestampNs : MemoryTimestampNs;
}

/// <summary>A typed per-series parse error: the series is skipped, the rest of the node stays.</summary>
public readonly record struct SeriesError(int Line, string Reason);

/// <summary>The node-level sample.</summary>
public struct NodeSample
{
    public ulong CpuCumulativeNs;
    public long CpuTimestampNs;
    public ulong MemoryWorkingSetBytes;
    public long MemoryTimestampNs;
    public bool HasCpu;
    public bool HasMemory;
}

/// <summary>One parsed kubelet payload. Reused across scrapes of the same node so a steady-state
/// parse allocates almost nothing (lists keep their capacity, names are interned).</summary>
public sealed class ResourceMetricsScrape
{
    private readonly List<ContainerSample> _containers = new(64);
    private readonly List<SeriesError> _errors = [];

    public NodeSample Node;

    /// <summary>True when the kubelet reported <c>resource_scrape_error 1</c> (or the pre-1.29
    /// <c>scrape_error 1</c>): its stats provider failed, so the payload means "no data".</summary>
    public bool KubeletReportedError { get; internal set; }

    public IReadOnlyList<ContainerSample> Containers => _containers;
    public IReadOnlyList<SeriesError> Errors => _errors;

    internal List<ContainerSample> MutableContainers => _containers;
    internal void AddError(int line, string reason) => _errors.Add(new SeriesError(line, reason));

    internal void Clear()
    {
        _containers.Clear();
        _errors.Clear();
        Node = default;
        KubeletReportedError = false;
    }
}
