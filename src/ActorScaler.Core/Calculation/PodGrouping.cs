namespace ActorScaler.Core.Calculation;

/// <summary>The class groupPods puts a pod in.</summary>
public enum PodGroup : byte
{
    Ready,
    /// <summary>Pending, or (cpu only) not ready long enough for its sample to count.</summary>
    Unready,
    /// <summary>Running but without a metric sample.</summary>
    Missing,
    /// <summary>Being deleted or Failed: never counts.</summary>
    Ignored,
}

/// <summary>groupPods() as a value: counts plus the sorted pod names of each non-ready class.</summary>
public sealed record PodGroups(int ReadyPodCount, IReadOnlyList<string> Unready, IReadOnlyList<string> Missing, IReadOnlyList<string> Ignored);

/// <summary>Per-pod outcome of grouping: its class and, when it has one, its metric value.</summary>
internal struct PodSlot
{
    public PodGroup Group;
    public bool HasMetric;
    public long MetricValue;
}

/// <summary>Totals over a grouping, so later passes need no maps.</summary>
internal struct GroupTotals
{
    public int Ready;
    public int Unready;
    public int Missing;
    public int Ignored;
    /// <summary>Metrics removed from the map because their pod is unready or ignored.</summary>
    public int RemovedWithMetric;
    public long RemovedMetricSum;
    /// <summary>Listed pods that have a sample (valid or not), and those with a metric and its sum.</summary>
    public int ListedWithSample;
    public int ListedWithMetric;
    public long ListedMetricSum;
}

public static class PodGrouping
{
    /// <summary>groupPods(), replica_calculator.go, returning named sets (for tests and the conformance runner).</summary>
    public static PodGroups GroupPods(IReadOnlyList<PodInfo> pods, PodCustomMetrics metrics, string resource,
        TimeSpan cpuInitializationPeriod, TimeSpan delayOfInitialReadinessStatus, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var array = pods.ToArray();
        var slots = new PodSlot[array.Length];
        var totals = Group(array, new CustomSampleReader(metrics), resource, cpuInitializationPeriod, delayOfInitialReadinessStatus, now, slots);
        return new PodGroups(totals.Ready, Names(array, slots, PodGroup.Unready), Names(array, slots, PodGroup.Missing), Names(array, slots, PodGroup.Ignored));
    }

    private static string[] Names(PodInfo[] pods, PodSlot[] slots, PodGroup group)
    {
        var names = new List<string>();
        for (var i = 0; i < pods.Length; i++)
        {
            if (slots[i].Group == group)
            {
                names.Add(pods[i].Name);
            }
        }
        names.Sort(StringComparer.Ordinal);
        return [.. names];
    }

    internal static GroupTotals Group<TSource>(ReadOnlySpan<PodInfo> pods, TSource metrics, string resource,
        TimeSpan cpuInitializationPeriod, TimeSpan delayOfInitialReadinessStatus, DateTimeOffset now, Span<PodSlot> slots)
        where TSource : struct, IPodSampleReader
    {
        var totals = default(GroupTotals);
        // Readiness only matters for cpu: a pod's cpu spikes while it initialises, other metrics do not.
        var isCpu = string.Equals(resource, ResourceNames.Cpu, StringComparison.Ordinal);
        for (var i = 0; i < pods.Length; i++)
        {
            var pod = pods[i];
            ref var slot = ref slots[i];
            slot.HasMetric = metrics.TryGetPodMetric(i, pod.Name, out var metric, out var hasSample);
            slot.MetricValue = slot.HasMetric ? metric.ValueMilli : 0;
            if (hasSample)
            {
                totals.ListedWithSample++;
            }
            if (slot.HasMetric)
            {
                totals.ListedWithMetric++;
                totals.ListedMetricSum += slot.MetricValue;
            }
            slot.Group = Classify(pod, slot.HasMetric, metric, isCpu, cpuInitializationPeriod, delayOfInitialReadinessStatus, now);
            switch (slot.Group)
            {
                case PodGroup.Ready:
                    totals.Ready++;
                    break;
                case PodGroup.Unready:
                    totals.Unready++;
                    break;
                case PodGroup.Missing:
                    totals.Missing++;
                    break;
                default:
                    totals.Ignored++;
                    break;
            }
            if (slot.HasMetric && slot.Group is PodGroup.Unready or PodGroup.Ignored)
            {
                totals.RemovedWithMetric++;
                totals.RemovedMetricSum += slot.MetricValue;
            }
        }
        return totals;
    }

    private static PodGroup Classify(PodInfo pod, bool hasMetric, PodMetric metric, bool isCpu,
        TimeSpan cpuInitializationPeriod, TimeSpan delayOfInitialReadinessStatus, DateTimeOffset now)
    {
        if (pod.IsDeleting || pod.Phase == PodPhase.Failed)
        {
            return PodGroup.Ignored;
        }
        // Checked before the metric, so a Pending pod is never "missing".
        if (pod.Phase == PodPhase.Pending)
        {
            return PodGroup.Unready;
        }
        if (!hasMetric)
        {
            return PodGroup.Missing;
        }
        if (isCpu)
        {
            bool unready;
            var ready = pod.Ready;
            if (ready is null || pod.StartTime is not { } startTime)
            {
                unready = true;
            }
            else
            {
                // Compared in UTC ticks: the same instants as DateTimeOffset, without its offset handling per pod.
                var nowTicks = now.UtcTicks;
                var startTicks = startTime.UtcTicks;
                var transitionTicks = ready.LastTransitionTime.UtcTicks;
                if (AddTicks(startTicks, cpuInitializationPeriod.Ticks) > nowTicks)
                {
                    // Still initialising: the sample must cover one full window since the last readiness change.
                    unready = ready.Status == ConditionStatus.False
                        || metric.Timestamp.UtcTicks < AddTicks(transitionTicks, metric.Window.Ticks);
                }
                else
                {
                    // Past initialisation: only a pod that went NotReady right after starting (never ready) is unready.
                    unready = ready.Status == ConditionStatus.False
                        && AddTicks(startTicks, delayOfInitialReadinessStatus.Ticks) > transitionTicks;
                }
            }
            if (unready)
            {
                return PodGroup.Unready;
            }
        }
        return PodGroup.Ready;
    }

    /// <summary>Go's zero time plus a duration never overflows; ticks saturate instead of wrapping.</summary>
    private static long AddTicks(long ticks, long delta)
    {
        var sum = unchecked(ticks + delta);
        if (((ticks ^ sum) & (delta ^ sum)) < 0)
        {
            return delta > 0 ? long.MaxValue : long.MinValue;
        }
        return sum;
    }
}

/// <summary>core/v1 resource names the calculator treats specially.</summary>
public static class ResourceNames
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
}
