namespace ActorScaler.Core.Calculation;

// Metric samples as the metrics APIs return them, in milli-units. The replica calculator reads them
// through PodMetricsInfo-like lookups keyed by pod name, as upstream's metrics client does.

public sealed record ContainerUsage(string Name, IReadOnlyDictionary<string, long> UsageMilli);

/// <summary>One metrics.k8s.io PodMetrics item: per-container usage, its timestamp and window.</summary>
public sealed record ResourceMetricSample(string Pod, DateTimeOffset Timestamp, TimeSpan Window, IReadOnlyList<ContainerUsage> Containers);

/// <summary>One custom.metrics.k8s.io value for a pod.</summary>
public sealed record PodMetricSample(string Pod, long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>upstream metricsclient.PodMetric: one pod's value for the metric being evaluated.</summary>
public readonly record struct PodMetric(long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>
/// Samples indexed by pod name. Like upstream's PodMetricsInfo map, a later sample for the same pod
/// replaces an earlier one. Samples for pods that are not listed ("superfluous metrics") are kept:
/// upstream counts them in averages and in the rebalanced replica count.
/// </summary>
public abstract class PodSampleIndex<TSample>
    where TSample : class
{
    private readonly TSample[] _samples;
    private readonly Dictionary<string, int> _byPod;

    protected PodSampleIndex(IEnumerable<TSample> samples, Func<TSample, string> podName)
    {
        ArgumentNullException.ThrowIfNull(samples);
        // Sized up front: an answer is read once per pass, so regrowing would be most of its cost.
        var expected = samples.TryGetNonEnumeratedCount(out var n) ? n : 0;
        var list = new List<TSample>(expected);
        _byPod = new Dictionary<string, int>(expected, StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            ArgumentNullException.ThrowIfNull(sample, nameof(samples));
            var pod = podName(sample);
            if (_byPod.TryGetValue(pod, out var at))
            {
                list[at] = sample;
            }
            else
            {
                _byPod[pod] = list.Count;
                list.Add(sample);
            }
        }
        _samples = [.. list];
    }

    /// <summary>Number of distinct pods with a sample.</summary>
    public int Count => _samples.Length;

    public TSample this[int index] => _samples[index];

    /// <summary>Position of the pod's sample, or -1 (lets one pass share a lookup between metrics).</summary>
    internal int IndexOf(string pod) => _byPod.TryGetValue(pod, out var at) ? at : -1;

    public bool TryGet(string pod, out TSample sample)
    {
        if (_byPod.TryGetValue(pod, out var at))
        {
            sample = _samples[at];
            return true;
        }
        sample = null!;
        return false;
    }
}

/// <summary>
/// What metrics.k8s.io returned for the scale selector. Like upstream's metrics client, the whole-pod sum
/// of each resource is worked out once when the answer is read, so the calculation reads one value per pod.
/// </summary>
public sealed class PodResourceMetrics : PodSampleIndex<ResourceMetricSample>
{
    // Whole-pod sums per resource, one column per resource name the samples report (usually cpu and memory).
    private readonly Dictionary<string, ResourceColumn> _columns = new(StringComparer.Ordinal);

    public PodResourceMetrics(IEnumerable<ResourceMetricSample> samples)
        : base(samples, s => s.Pod)
    {
        for (var i = 0; i < Count; i++)
        {
            var containers = this[i].Containers;
            for (var c = 0; c < containers.Count; c++)
            {
                var usage = containers[c].UsageMilli;
                if (usage is Dictionary<string, long> concrete)
                {
                    // The concrete type's struct enumerator: the interface one is an allocation per container.
                    foreach (var (resource, _) in concrete)
                    {
                        AddColumn(resource);
                    }
                }
                else
                {
                    foreach (var (resource, _) in usage)
                    {
                        AddColumn(resource);
                    }
                }
            }
        }
    }

    public static PodResourceMetrics Empty { get; } = new([]);

    private void AddColumn(string resource)
    {
        if (!_columns.ContainsKey(resource))
        {
            _columns[resource] = ResourceColumn.Build(this, resource);
        }
    }

    /// <summary>
    /// metricsclient getPodMetrics / getContainerMetrics for one sample. Whole pod: the sum over all
    /// containers, and no metric if the list is empty or any container lacks the resource. Named container:
    /// that container's usage, and no metric if it lacks the resource or is absent (upstream's newest client
    /// skips such a pod; an older one failed the whole fetch).
    /// </summary>
    public static bool TryGetPodMetric(ResourceMetricSample sample, string resource, string container, out PodMetric metric)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var containers = sample.Containers;
        if (container.Length == 0)
        {
            if (containers.Count == 0)
            {
                metric = default;
                return false;
            }
            long sum = 0;
            for (var i = 0; i < containers.Count; i++)
            {
                if (!containers[i].UsageMilli.TryGetValue(resource, out var usage))
                {
                    metric = default;
                    return false;
                }
                sum += usage;
            }
            metric = new PodMetric(sum, sample.Timestamp, sample.Window);
            return true;
        }
        for (var i = 0; i < containers.Count; i++)
        {
            if (string.Equals(containers[i].Name, container, StringComparison.Ordinal))
            {
                if (containers[i].UsageMilli.TryGetValue(resource, out var usage))
                {
                    metric = new PodMetric(usage, sample.Timestamp, sample.Window);
                    return true;
                }
                break;
            }
        }
        metric = default;
        return false;
    }

    /// <summary>The whole-pod sums of a resource, or null when no sample reports it.</summary>
    internal ResourceColumn? Column(string resource) => _columns.TryGetValue(resource, out var column) ? column : null;
}

/// <summary>Whole-pod usage of one resource for every sample, and whether the sample has it (getPodMetrics).</summary>
internal sealed class ResourceColumn
{
    private readonly long[] _sums;
    private readonly bool[] _valid;

    private ResourceColumn(long[] sums, bool[] valid)
    {
        _sums = sums;
        _valid = valid;
    }

    public static ResourceColumn Build(PodResourceMetrics metrics, string resource)
    {
        var sums = new long[metrics.Count];
        var valid = new bool[metrics.Count];
        for (var i = 0; i < metrics.Count; i++)
        {
            valid[i] = PodResourceMetrics.TryGetPodMetric(metrics[i], resource, "", out var metric);
            sums[i] = metric.ValueMilli;
        }
        return new ResourceColumn(sums, valid);
    }

    public bool TryGet(int index, out long valueMilli)
    {
        valueMilli = _sums[index];
        return _valid[index];
    }
}

/// <summary>What custom.metrics.k8s.io returned for one pods metric and the scale selector.</summary>
public sealed class PodCustomMetrics : PodSampleIndex<PodMetricSample>
{
    public PodCustomMetrics(IEnumerable<PodMetricSample> samples)
        : base(samples, s => s.Pod)
    {
    }

    public static PodCustomMetrics Empty { get; } = new([]);
}

/// <summary>Read access to a PodMetricsInfo; a struct so the calculator's generic code does not box.</summary>
internal interface IPodSampleReader
{
    int SampleCount { get; }
    bool TryGetSample(int index, out PodMetric metric);
    /// <summary>
    /// The metric of listed pod <paramref name="podIndex"/> (named <paramref name="pod"/>), if its sample has one;
    /// <paramref name="hasSample"/> says whether it has a sample at all.
    /// </summary>
    bool TryGetPodMetric(int podIndex, string pod, out PodMetric metric, out bool hasSample);
}

/// <param name="sampleIndexByPod">Optional: for listed pod i, the position of its sample (-1 for none), computed once
/// per pass and shared by every resource metric; null looks each pod up by name.</param>
internal readonly struct ResourceSampleReader(PodResourceMetrics metrics, string resource, string container, int[]? sampleIndexByPod = null) : IPodSampleReader
{
    // A whole-pod metric reads the precomputed column; a container metric reads that container's usage.
    private readonly ResourceColumn? _column = container.Length == 0 ? metrics.Column(resource) : null;

    public int SampleCount => metrics.Count;

    public bool TryGetSample(int index, out PodMetric metric)
    {
        var sample = metrics[index];
        if (container.Length != 0)
        {
            return PodResourceMetrics.TryGetPodMetric(sample, resource, container, out metric);
        }
        if (_column is not null && _column.TryGet(index, out var sum))
        {
            metric = new PodMetric(sum, sample.Timestamp, sample.Window);
            return true;
        }
        metric = default;
        return false;
    }

    public bool TryGetPodMetric(int podIndex, string pod, out PodMetric metric, out bool hasSample)
    {
        var at = sampleIndexByPod is null ? metrics.IndexOf(pod) : sampleIndexByPod[podIndex];
        hasSample = at >= 0;
        if (hasSample)
        {
            return TryGetSample(at, out metric);
        }
        metric = default;
        return false;
    }
}

internal readonly struct CustomSampleReader(PodCustomMetrics metrics) : IPodSampleReader
{
    public int SampleCount => metrics.Count;

    public bool TryGetSample(int index, out PodMetric metric)
    {
        var s = metrics[index];
        metric = new PodMetric(s.ValueMilli, s.Timestamp, s.Window);
        return true;
    }

    public bool TryGetPodMetric(int podIndex, string pod, out PodMetric metric, out bool hasSample)
    {
        if (metrics.TryGet(pod, out var s))
        {
            hasSample = true;
            metric = new PodMetric(s.ValueMilli, s.Timestamp, s.Window);
            return true;
        }
        hasSample = false;
        metric = default;
        return false;
    }
}
