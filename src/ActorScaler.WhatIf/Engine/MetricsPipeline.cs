using ActorScaler.Core.Calculation;

namespace ActorScaler.WhatIf.Engine;

/// <summary>
/// metrics-server's storage in miniature: per container the last and previous kubelet point;
/// CPU is served as the rate between them, memory as the last working set. A pod is served
/// only when every container has both points, exactly like the real store, so a new pod has no
/// metric until its first window is complete.
/// </summary>
internal sealed class MetricsPipeline
{
    private readonly long _resolutionMs;
    private readonly long _freshMinimumMs;
    private Dictionary<string, PodPoints> _store = new(StringComparer.Ordinal);

    public MetricsPipeline(TimeSpan resolution)
    {
        _resolutionMs = (long)resolution.TotalMilliseconds;
        _freshMinimumMs = (long)SimulationOptions.FreshContainerMinimumAge.TotalMilliseconds;
    }

    private sealed record Point(long TimestampMs, long CpuCoreNanoSeconds, long WorkingSetBytes);

    private sealed record PodPoints(long StartMs, Point[] Last, Point?[] Prev);

    /// <summary>
    /// One scrape tick: every Running pod reports its counters at <paramref name="nowMs"/>. The
    /// batch replaces the store, so deleted pods vanish at once (as in metrics-server).
    /// </summary>
    public void Scrape(IEnumerable<PodModel> pods, long nowMs)
    {
        var next = new Dictionary<string, PodPoints>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (!pod.IsRunning(nowMs))
                continue;
            var n = pod.CpuCoreNanoSeconds.Length;
            var last = new Point[n];
            var prev = new Point?[n];
            _store.TryGetValue(pod.Name, out var stored);
            for (var c = 0; c < n; c++)
            {
                last[c] = new Point(nowMs, pod.CpuCoreNanoSeconds[c], pod.WorkingSetBytes[c]);
                if (stored is not null && stored.Last[c].TimestampMs < nowMs)
                {
                    prev[c] = stored.Last[c];
                }
                else if (stored is not null)
                {
                    prev[c] = stored.Prev[c];
                }
                else
                {
                    // Fresh-container shortcut: a container between 10 s and one resolution old
                    // gets an invented start point (CPU 0 at its start time) and is served at once.
                    var age = nowMs - pod.RunningAtMs;
                    if (age >= _freshMinimumMs && age < _resolutionMs)
                        prev[c] = new Point(pod.RunningAtMs, 0, 0);
                }
            }
            next[pod.Name] = new PodPoints(pod.RunningAtMs, last, prev);
        }
        _store = next;
    }

    /// <summary>PodMetrics as metrics.k8s.io serves them now; pods without a full window are absent.</summary>
    public IReadOnlyList<ResourceMetricSample> Serve(IReadOnlyList<string> containerNames, DateTimeOffset epoch)
    {
        var items = new List<ResourceMetricSample>(_store.Count);
        foreach (var (name, points) in _store)
        {
            if (points.Prev.Any(p => p is null))
                continue;
            var usage = new List<ContainerUsage>(points.Last.Length);
            long timestamp = long.MaxValue;
            long window = 0;
            for (var c = 0; c < points.Last.Length; c++)
            {
                var last = points.Last[c];
                var prev = points.Prev[c]!;
                var windowMs = last.TimestampMs - prev.TimestampMs;
                // nanocores = Δcore-ns / Δs, truncated as metrics-server does; the HPA then reads
                // the quantity with MilliValue(), which rounds up.
                var nanoCores = (last.CpuCoreNanoSeconds - prev.CpuCoreNanoSeconds) * 1000 / windowMs;
                var milli = (nanoCores + 999_999) / 1_000_000;
                usage.Add(new ContainerUsage(containerNames[c], new Dictionary<string, long>(2, StringComparer.Ordinal)
                {
                    [ResourceNames.Cpu] = milli,
                    // Memory is read with MilliValue() too: bytes × 1000.
                    [ResourceNames.Memory] = last.WorkingSetBytes * 1000,
                }));
                // The pod's timestamp and window are those of its container with the oldest sample.
                if (last.TimestampMs < timestamp)
                {
                    timestamp = last.TimestampMs;
                    window = windowMs;
                }
            }
            items.Add(new ResourceMetricSample(name, epoch.AddMilliseconds(timestamp), TimeSpan.FromMilliseconds(window), usage));
        }
        return items;
    }
}
