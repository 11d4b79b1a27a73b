using System.Collections.Immutable;
using ActorScaler.Metrics.Scraping;

namespace ActorScaler.Metrics.Storage;

/// <summary>
/// Turns one node's cumulative kubelet counters into rates, keeping the last two points per
/// container (metrics-server's last/prev pair) with these deliberate improvements:
/// <list type="bullet">
/// <item>a restarted container (start time moved or counter went down) uses (start time, 0) as its
/// previous point instead of hiding the whole pod for a cycle (metrics-server #745, #1008);</item>
/// <item>a new container is usable from its first sample, measured from its start time, with no
/// 10 s floor: the honest short window lets the HPA's readiness rules judge it;</item>
/// <item>an exited container reporting zero CPU and zero memory is left out of its pod instead of
/// dropping the pod (#792);</item>
/// <item>a failed scrape changes nothing: the points stay, and the next good scrape computes the
/// rate across the gap (the counter is cumulative), so one failure never blanks a node.</item>
/// </list>
/// One instance per node, owned by that node's scraper; not thread-safe.
/// </summary>
public sealed partial class NodeRateCalculator
{
    private readonly string _node;
    private readonly long _freshContainerMaxAgeNs;
    private readonly Dictionary<(string Namespace, string Pod, string Container), ContainerPoints> _containers = [];
    private readonly HashSet<(string Namespace, string Pod, string Container)> _seen = [];
    private Point _nodeLast;
    private Point _nodePrev;
    private ulong _nodeMemory;

    /// <param name="node">The node's name.</param>
    /// <param name="freshContainerMaxAge">How old a container seen for the first time may be for its
    /// start time to serve as the previous point. Older ones need a second sample, because the
    /// average since start would not describe current usage (metrics-server uses one resolution).</param>
    public NodeRateCalculator(string node, TimeSpan freshContainerMaxAge)
    {
        _node = node;
        _freshContainerMaxAgeNs = freshContainerMaxAge.Ticks * 100;
    }

    public string Node => _node;

    /// <summary>Number of containers with stored points (memory accounting, tests).</summary>
    public int TrackedContainers => _containers.Count;

    /// <summary>Applies a successful scrape and returns the usage it yields.</summary>
    public NodeMetricsBatch Apply(ResourceMetricsScrape scrape, long scrapedAtNs)
    {
        var problems = ImmutableArray.CreateBuilder<string>();
        foreach (var error in scrape.Errors)
            problems.Add($"line {error.Line}: {error.Reason}");

        // Node pair.
        NodeUsage? nodeUsage = null;
        if (scrape.Node.HasCpu)
        {
            var point = new Point(scrape.Node.CpuTimestampNs, scrape.Node.CpuCumulativeNs);
            if (_nodeLast.TimestampNs == 0 || point.CpuNs < _nodeLast.CpuNs)
            {
                // First sight, or the node's counter reset (kubelet/host restart): no usable pair yet.
                _nodePrev = default;
                _nodeLast = point;
            }
            else if (point.TimestampNs > _nodeLast.TimestampNs)
            {
                _nodePrev = _nodeLast;
                _nodeLast = point;
            }
            if (scrape.Node.HasMemory)
                _nodeMemory = scrape.Node.MemoryWorkingSetBytes;
            if (_nodePrev.TimestampNs != 0 && scrape.Node.HasMemory && TryRate(_nodeLast, _nodePrev, out var cpu, out var window))
                nodeUsage = new NodeUsage(_node, _nodeLast.TimestampNs, window, cpu, (long)_nodeMemory);
        }

        // Container pairs.
        _seen.Clear();
        foreach (var sample in scrape.Containers)
        {
            if (!sample.HasCpu || !sample.HasMemory)
            {
                problems.Add($"{sample.Namespace}/{sample.Pod}/{sample.Container}: incomplete sample (cpu and working set are both needed)");
                continue;
            }
            var key = (sample.Namespace, sample.Pod, sample.Container);
            _seen.Add(key);
            var point = new Point(sample.CpuTimestampNs, sample.CpuCumulativeNs);
            var startNs = sample.HasStartTime ? sample.StartTimeNs : 0;
            if (_containers.TryGetValue(key, out var stored))
            {
                var restarted = (startNs != 0 && stored.StartNs != 0 && startNs != stored.StartNs) || point.CpuNs < stored.Last.CpuNs;
                if (restarted)
                    stored = new ContainerPoints(point, StartPoint(startNs, point), startNs, sample.MemoryWorkingSetBytes);
                else if (point.TimestampNs > stored.Last.TimestampNs)
                    stored = new ContainerPoints(point, stored.Last, startNs != 0 ? startNs : stored.StartNs, sample.MemoryWorkingSetBytes);
                else
                    stored = stored with { MemoryBytes = sample.MemoryWorkingSetBytes };
            }
            else
            {
                var prev = startNs != 0 && point.TimestampNs - startNs <= _freshContainerMaxAgeNs ? StartPoint(startNs, point) : default;
                stored = new ContainerPoints(point, prev, startNs, sample.MemoryWorkingSetBytes);
            }
            _containers[key] = stored;
        }

        // A container the kubelet no longer reports is gone (pod deleted or container removed):
        // forget it so memory stays proportional to what runs on the node.
        if (_seen.Count != _containers.Count)
        {
            List<(string, string, string)>? gone = null;
            foreach (var key in _containers.Keys)
                if (!_seen.Contains(key))
                    (gone ??= []).Add(key);
            if (gone is not null)
                foreach (var key in gone)
                    _containers.Remove(key);
        }

        return new NodeMetricsBatch(_node, scrapedAtNs, nodeUsage, BuildPods(scrape), problems.ToImmutable());
    }

    private ImmutableArray<PodUsage> BuildPods(ResourceMetricsScrape scrape)
    {
        // The parser emits a pod's containers in payload order; the kubelet groups by series, not
        // by pod, so collect per pod first.
        var byPod = new Dictionary<(string Namespace, string Pod), List<(string Container, ContainerPoints Points)>>();
        foreach (var sample in scrape.Containers)
        {
            var key = (sample.Namespace, sample.Pod, sample.Container);
            if (!_containers.TryGetValue(key, out var points))
                continue;
            if (!byPod.TryGetValue((sample.Namespace, sample.Pod), out var list))
                byPod[(sample.Namespace, sample.Pod)] = list = new List<(string, ContainerPoints)>(2);
            list.Add((sample.Container, points));
        }

        var pods = ImmutableArray.CreateBuilder<PodUsage>(byPod.Count);
        foreach (var ((ns, pod), containers) in byPod)
        {
            var usable = true;
            long oldestTs = long.MaxValue, windowOfOldest = 0;
            var usages = ImmutableArray.CreateBuilder<ContainerUsage>(containers.Count);
            foreach (var (name, points) in containers)
            {
                if (points.Last.CpuNs == 0 && points.MemoryBytes == 0)
                    continue; // exited init or sidecar container: contributes nothing, hides nothing
                if (points.Prev.TimestampNs == 0 || !TryRate(points.Last, points.Prev, out var cpu, out var window))
                {
                    usable = false;
                    break;
                }
                usages.Add(new ContainerUsage(name, cpu, (long)points.MemoryBytes));
                // metrics-server reports the pod at the time of its oldest container sample.
                if (points.Last.TimestampNs < oldestTs)
                {
                    oldestTs = points.Last.TimestampNs;
                    windowOfOldest = window;
                }
            }
            if (!usable || usages.Count == 0)
                continue;
            pods.Add(new PodUsage(ns, pod, oldestTs, windowOfOldest, usages.ToImmutable()));
        }
        return pods.ToImmutable();
    }

    private static Point StartPoint(long startNs, Point last) =>
        startNs != 0 && startNs < last.TimestampNs ? new Point(startNs, 0) : default;

    /// <summary>metrics-server's resourceUsage(): Δcounter / Δt in float64, truncated to nanocores.</summary>
    private static bool TryRate(Point last, Point prev, out long cpuNanoCores, out long windowNs)
    {
        windowNs = last.TimestampNs - prev.TimestampNs;
        if (windowNs <= 0 || last.CpuNs < prev.CpuNs)
        {
            cpuNanoCores = 0;
            return false;
        }
        var rate = (last.CpuNs - prev.CpuNs) / (windowNs / 1e9);
        cpuNanoCores = rate >= long.MaxValue ? long.MaxValue : (long)rate;
        return true;
    }

    private readonly record struct Point(long TimestampNs, ulong CpuNs);

    private readonly record struct ContainerPoints(Point Last, Point Prev, long StartNs, ulong MemoryBytes);
}
