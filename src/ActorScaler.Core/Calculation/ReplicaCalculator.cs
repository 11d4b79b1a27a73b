using System.Buffers;

namespace ActorScaler.Core.Calculation;

/// <summary>Controller flags the calculator reads (production values in Decision.ControllerSettings).</summary>
public sealed record ReplicaCalculatorSettings(TimeSpan CpuInitializationPeriod, TimeSpan DelayOfInitialReadinessStatus, bool PodLevelResourcesEnabled);

/// <summary>
/// One metric's replica proposal. Utilization (Resource Utilization only) and UsageMilli are the values
/// the status reports: computed before missing and unready pods are filled in.
/// </summary>
public sealed record ReplicaCalculation(int Replicas, int? Utilization, long UsageMilli, string? Error)
{
    public bool Failed => Error is not null;

    internal static ReplicaCalculation Fail(string error) => new(0, null, 0, error);
}

/// <summary>
/// replica_calculator.go: the six Get*Replicas functions. Pure: pods, samples and "now" are inputs,
/// and the metrics API's answer (or its error) is passed in rather than fetched.
/// </summary>
public sealed class ReplicaCalculator(ReplicaCalculatorSettings settings)
{
    public const string NoPodsReturned = "no pods returned by selector while calculating replica count";
    public const string NoMetricsForTargetedPods = "did not receive metrics for targeted pods (pods might be unready)";
    public const string NoResourceMetricsReturned = "no metrics returned from resource metrics API";
    public const string NoCustomMetricsReturned = "no metrics returned from custom metrics API";
    public const string NoExternalMetricsReturned = "no metrics returned from external metrics API";

    // Grouping needs one slot per pod; small pod lists live on the stack so a decision does not allocate.
    private const int StackallocPodLimit = 256;

    public ReplicaCalculatorSettings Settings { get; } = settings;

    /// <summary>GetResourceReplicas: Resource / ContainerResource with a Utilization target.</summary>
    /// <param name="metricsError">The error the resource metrics API returned, if it failed.</param>
    public ReplicaCalculation GetResourceReplicas(int currentReplicas, int targetUtilization, string resource, string container,
        Tolerances tolerances, ReadOnlySpan<PodInfo> pods, PodResourceMetrics metrics, string? metricsError, DateTimeOffset now) =>
        GetResourceReplicas(currentReplicas, targetUtilization, resource, container, tolerances, pods, metrics, metricsError, now, null);

    internal ReplicaCalculation GetResourceReplicas(int currentReplicas, int targetUtilization, string resource, string container,
        Tolerances tolerances, ReadOnlySpan<PodInfo> pods, PodResourceMetrics metrics, string? metricsError, DateTimeOffset now, int[]? sampleIndexByPod)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metricsError is not null || metrics.Count == 0)
        {
            return ReplicaCalculation.Fail($"unable to get metrics for resource {resource}: {metricsError ?? NoResourceMetricsReturned}");
        }
        if (pods.Length == 0)
        {
            return ReplicaCalculation.Fail(NoPodsReturned);
        }

        PodSlot[]? rentedSlots = null;
        long[]? rentedRequests = null;
        var slots = pods.Length <= StackallocPodLimit ? stackalloc PodSlot[pods.Length] : (rentedSlots = ArrayPool<PodSlot>.Shared.Rent(pods.Length)).AsSpan(0, pods.Length);
        var requests = pods.Length <= StackallocPodLimit ? stackalloc long[pods.Length] : (rentedRequests = ArrayPool<long>.Shared.Rent(pods.Length)).AsSpan(0, pods.Length);
        try
        {
            var source = new ResourceSampleReader(metrics, resource, container, sampleIndexByPod);
            var totals = PodGrouping.Group(pods, source, resource, Settings.CpuInitializationPeriod, Settings.DelayOfInitialReadinessStatus, now, slots);
            var (samples, _) = SampleTotals(source, totals);
            var remaining = samples - totals.RemovedWithMetric;
            if (remaining == 0)
            {
                return ReplicaCalculation.Fail(NoMetricsForTargetedPods);
            }
            var requestError = PodRequests.Calculate(pods, container, resource, Settings.PodLevelResourcesEnabled, requests);
            if (requestError is not null)
            {
                return ReplicaCalculation.Fail(requestError);
            }

            // First pass: only ready pods keep a metric among the listed pods; superfluous samples have
            // no request and so do not count in utilization.
            long usageTotal = 0, requestTotal = 0;
            var counted = 0;
            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i].Group == PodGroup.Ready)
                {
                    usageTotal += slots[i].MetricValue;
                    requestTotal += requests[i];
                    counted++;
                }
            }
            var (usageRatio, utilization, rawUtilization, error) = MetricUtilization.GetResourceUtilizationRatio(usageTotal, requestTotal, counted, targetUtilization);
            if (error is not null)
            {
                return ReplicaCalculation.Fail(error);
            }

            var scaleUpWithUnready = totals.Unready > 0 && usageRatio > 1.0;
            if (!scaleUpWithUnready && totals.Missing == 0)
            {
                var replicas = tolerances.IsWithin(usageRatio) ? currentReplicas : ReplicaMath.CeilToInt32(usageRatio * totals.Ready);
                return new ReplicaCalculation(replicas, utilization, rawUtilization, null);
            }

            // Rebalance: assume missing pods use max(100%, target) of their request on a scale-down and
            // nothing on a scale-up; unready pods use nothing on a scale-up. Exactly at ratio 1 missing pods
            // are left out.
            var metricCount = remaining;
            var fallbackUtilization = (long)Math.Max(100, targetUtilization);
            for (var i = 0; i < slots.Length; i++)
            {
                var group = slots[i].Group;
                if (group == PodGroup.Missing && usageRatio != 1.0)
                {
                    usageTotal += usageRatio < 1.0 ? requests[i] * fallbackUtilization / 100 : 0;
                    requestTotal += requests[i];
                    counted++;
                    metricCount++;
                }
                else if (group == PodGroup.Unready && scaleUpWithUnready)
                {
                    requestTotal += requests[i];
                    counted++;
                    metricCount++;
                }
            }
            var (newUsageRatio, _, _, newError) = MetricUtilization.GetResourceUtilizationRatio(usageTotal, requestTotal, counted, targetUtilization);
            if (newError is not null)
            {
                return ReplicaCalculation.Fail(newError);
            }
            return new ReplicaCalculation(Rebalanced(currentReplicas, usageRatio, newUsageRatio, metricCount, tolerances), utilization, rawUtilization, null);
        }
        finally
        {
            if (rentedSlots is not null)
            {
                ArrayPool<PodSlot>.Shared.Return(rentedSlots);
            }
            if (rentedRequests is not null)
            {
                ArrayPool<long>.Shared.Return(rentedRequests);
            }
        }
    }

    /// <summary>GetRawResourceReplicas: Resource / ContainerResource with an AverageValue target.</summary>
    public ReplicaCalculation GetRawResourceReplicas(int currentReplicas, long targetUsageMilli, string resource, string container,
        Tolerances tolerances, ReadOnlySpan<PodInfo> pods, PodResourceMetrics metrics, string? metricsError, DateTimeOffset now) =>
        GetRawResourceReplicas(currentReplicas, targetUsageMilli, resource, container, tolerances, pods, metrics, metricsError, now, null);

    internal ReplicaCalculation GetRawResourceReplicas(int currentReplicas, long targetUsageMilli, string resource, string container,
        Tolerances tolerances, ReadOnlySpan<PodInfo> pods, PodResourceMetrics metrics, string? metricsError, DateTimeOffset now, int[]? sampleIndexByPod)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metricsError is not null || metrics.Count == 0)
        {
            return ReplicaCalculation.Fail($"unable to get metrics for resource {resource}: {metricsError ?? NoResourceMetricsReturned}");
        }
        return CalcPlainMetricReplicas(new ResourceSampleReader(metrics, resource, container, sampleIndexByPod), currentReplicas, targetUsageMilli, tolerances, pods, resource, now);
    }

    /// <summary>GetMetricReplicas: a Pods metric with an AverageValue target (no cpu readiness rules).</summary>
    public ReplicaCalculation GetMetricReplicas(int currentReplicas, long targetUsageMilli, string metricName,
        Tolerances tolerances, ReadOnlySpan<PodInfo> pods, PodCustomMetrics metrics, string? metricsError, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        if (metricsError is not null || metrics.Count == 0)
        {
            return ReplicaCalculation.Fail($"unable to get metric {metricName}: {metricsError ?? NoCustomMetricsReturned}");
        }
        return CalcPlainMetricReplicas(new CustomSampleReader(metrics), currentReplicas, targetUsageMilli, tolerances, pods, "", now);
    }

    /// <summary>GetObjectMetricReplicas: an Object metric with a Value target.</summary>
    /// <param name="objectError">The custom metrics API's error text, or null when <paramref name="usageMilli"/> holds the value.</param>
    public static ReplicaCalculation GetObjectMetricReplicas(int currentReplicas, long targetUsageMilli, string metricName,
        Tolerances tolerances, CrossObject describedObject, string @namespace, long usageMilli, string? objectError, ReadOnlySpan<PodInfo> pods)
    {
        if (objectError is not null)
        {
            return ReplicaCalculation.Fail(ObjectMetricError(metricName, describedObject, @namespace, objectError));
        }
        var usageRatio = (double)usageMilli / targetUsageMilli;
        var (replicas, error) = GetUsageRatioReplicaCount(currentReplicas, usageRatio, tolerances, pods);
        return error is null ? new ReplicaCalculation(replicas, null, usageMilli, null) : ReplicaCalculation.Fail(error);
    }

    /// <summary>GetObjectPerPodMetricReplicas: an Object metric with an AverageValue target, over scale.status.replicas.</summary>
    public static ReplicaCalculation GetObjectPerPodMetricReplicas(int statusReplicas, long targetAverageUsageMilli, string metricName,
        Tolerances tolerances, CrossObject describedObject, string @namespace, long usageMilli, string? objectError)
    {
        if (objectError is not null)
        {
            return ReplicaCalculation.Fail(ObjectMetricError(metricName, describedObject, @namespace, objectError));
        }
        return PerPod(statusReplicas, targetAverageUsageMilli, usageMilli, saturated: false, tolerances);
    }

    /// <summary>GetExternalMetricReplicas: an External metric with a Value target (the series are summed).</summary>
    public static ReplicaCalculation GetExternalMetricReplicas(int currentReplicas, long targetUsageMilli, string metricName, string metricSelectorText,
        Tolerances tolerances, string @namespace, IReadOnlyList<long>? values, string? metricsError, ReadOnlySpan<PodInfo> pods)
    {
        if (metricsError is not null || values is null || values.Count == 0)
        {
            return ReplicaCalculation.Fail(ExternalMetricError(metricName, metricSelectorText, @namespace, metricsError));
        }
        var usage = SumSaturating(values, out _);
        var usageRatio = (double)usage / targetUsageMilli;
        var (replicas, error) = GetUsageRatioReplicaCount(currentReplicas, usageRatio, tolerances, pods);
        return error is null ? new ReplicaCalculation(replicas, null, usage, null) : ReplicaCalculation.Fail(error);
    }

    /// <summary>GetExternalPerPodMetricReplicas: an External metric with an AverageValue target, over scale.status.replicas.</summary>
    public static ReplicaCalculation GetExternalPerPodMetricReplicas(int statusReplicas, long targetUsagePerPodMilli, string metricName, string metricSelectorText,
        Tolerances tolerances, string @namespace, IReadOnlyList<long>? values, string? metricsError)
    {
        if (metricsError is not null || values is null || values.Count == 0)
        {
            return ReplicaCalculation.Fail(ExternalMetricError(metricName, metricSelectorText, @namespace, metricsError));
        }
        var usage = SumSaturating(values, out var saturated);
        return PerPod(statusReplicas, targetUsagePerPodMilli, usage, saturated, tolerances);
    }

    /// <summary>Pods Running and Ready (deleting pods included), as getReadyPodsCount counts them.</summary>
    public static int CountReadyPods(ReadOnlySpan<PodInfo> pods)
    {
        var ready = 0;
        foreach (var pod in pods)
        {
            if (pod.Phase == PodPhase.Running && pod.IsReady)
            {
                ready++;
            }
        }
        return ready;
    }

    private ReplicaCalculation CalcPlainMetricReplicas<TSource>(TSource metrics, int currentReplicas, long targetUsage,
        Tolerances tolerances, ReadOnlySpan<PodInfo> pods, string resource, DateTimeOffset now)
        where TSource : struct, IPodSampleReader
    {
        if (pods.Length == 0)
        {
            return ReplicaCalculation.Fail(NoPodsReturned);
        }
        PodSlot[]? rented = null;
        var slots = pods.Length <= StackallocPodLimit ? stackalloc PodSlot[pods.Length] : (rented = ArrayPool<PodSlot>.Shared.Rent(pods.Length)).AsSpan(0, pods.Length);
        try
        {
            var totals = PodGrouping.Group(pods, metrics, resource, Settings.CpuInitializationPeriod, Settings.DelayOfInitialReadinessStatus, now, slots);
            var (samples, total) = SampleTotals(metrics, totals);
            // Unready and ignored pods' samples leave the map; superfluous samples stay in it.
            var remaining = samples - totals.RemovedWithMetric;
            total -= totals.RemovedMetricSum;
            if (remaining == 0)
            {
                return ReplicaCalculation.Fail(NoMetricsForTargetedPods);
            }
            var (usageRatio, usage) = MetricUtilization.GetMetricUsageRatio(total, remaining, targetUsage);

            var scaleUpWithUnready = totals.Unready > 0 && usageRatio > 1.0;
            if (!scaleUpWithUnready && totals.Missing == 0)
            {
                var replicas = tolerances.IsWithin(usageRatio) ? currentReplicas : ReplicaMath.CeilToInt32(usageRatio * totals.Ready);
                return new ReplicaCalculation(replicas, null, usage, null);
            }

            // Missing pods count as exactly on target on a scale-down and as idle on a scale-up; exactly at
            // ratio 1 they are left out (as in the resource path). Unready pods count as idle on a scale-up.
            var metricCount = remaining;
            if (totals.Missing > 0 && usageRatio != 1.0)
            {
                if (usageRatio < 1.0)
                {
                    total += targetUsage * totals.Missing;
                }
                metricCount += totals.Missing;
            }
            if (scaleUpWithUnready)
            {
                metricCount += totals.Unready;
            }
            var (newUsageRatio, _) = MetricUtilization.GetMetricUsageRatio(total, metricCount, targetUsage);
            return new ReplicaCalculation(Rebalanced(currentReplicas, usageRatio, newUsageRatio, metricCount, tolerances), null, usage, null);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<PodSlot>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Count and sum of the samples that yield a metric. When every sample belongs to a listed pod (pod names
    /// are unique in a namespace) grouping has already seen them all; only superfluous samples need a pass.
    /// </summary>
    private static (int Count, long Sum) SampleTotals<TSource>(TSource metrics, in GroupTotals totals)
        where TSource : struct, IPodSampleReader
    {
        if (totals.ListedWithSample == metrics.SampleCount)
        {
            return (totals.ListedWithMetric, totals.ListedMetricSum);
        }
        var count = 0;
        long sum = 0;
        for (var i = 0; i < metrics.SampleCount; i++)
        {
            if (metrics.TryGetSample(i, out var metric))
            {
                count++;
                sum += metric.ValueMilli;
            }
        }
        return (count, sum);
    }

    private static int Rebalanced(int currentReplicas, double usageRatio, double newUsageRatio, int metricCount, Tolerances tolerances)
    {
        // No change if the change is too small or if filling in the gaps flipped the scale direction.
        if (tolerances.IsWithin(newUsageRatio) || (usageRatio > 1.0 && newUsageRatio < 1.0) || (usageRatio < 1.0 && newUsageRatio > 1.0))
        {
            return currentReplicas;
        }
        var newReplicas = ReplicaMath.CeilToInt32(newUsageRatio * metricCount);
        // The extra samples may still push the count the other way than the ratio says: keep the current count.
        if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas))
        {
            return currentReplicas;
        }
        return newReplicas;
    }

    /// <summary>getUsageRatioReplicaCount: Object/External Value targets.</summary>
    private static (int Replicas, string? Error) GetUsageRatioReplicaCount(int currentReplicas, double usageRatio, Tolerances tolerances, ReadOnlySpan<PodInfo> pods)
    {
        if (currentReplicas == 0)
        {
            // Scale from zero: no pods to count, no tolerance.
            return (ReplicaMath.CeilToInt32(usageRatio), null);
        }
        if (tolerances.IsWithin(usageRatio))
        {
            return (currentReplicas, null);
        }
        if (pods.Length == 0)
        {
            return (0, $"unable to calculate ready pods: {NoPodsReturned}");
        }
        return (ReplicaMath.CeilToInt32(usageRatio * CountReadyPods(pods)), null);
    }

    private static ReplicaCalculation PerPod(int statusReplicas, long targetPerPod, long usage, bool saturated, Tolerances tolerances)
    {
        var replicas = statusReplicas;
        var usageRatio = (double)usage / ((double)targetPerPod * statusReplicas);
        if (!tolerances.IsWithin(usageRatio))
        {
            replicas = ReplicaMath.CeilToInt32((double)usage / targetPerPod);
        }
        // Upstream divides by scale.status.replicas unguarded; with none running the total is the only honest value.
        var average = saturated || statusReplicas == 0 ? usage : ReplicaMath.CeilToInt64((double)usage / statusReplicas);
        return new ReplicaCalculation(replicas, null, average, null);
    }

    private static long SumSaturating(IReadOnlyList<long> values, out bool saturated)
    {
        saturated = false;
        long sum = 0;
        for (var i = 0; i < values.Count; i++)
        {
            sum = ReplicaMath.AddSaturating(sum, values[i], ref saturated);
        }
        return sum;
    }

    // The argument order reproduces upstream's message, which prints the kind where the error belongs.
    private static string ObjectMetricError(string metricName, CrossObject describedObject, string @namespace, string error) =>
        $"unable to get metric {metricName}: {describedObject.Kind} on {@namespace} {describedObject.Name}/{error}";

    private static string ExternalMetricError(string metricName, string metricSelectorText, string @namespace, string? error) =>
        $"unable to get external metric {@namespace}/{metricName}/{metricSelectorText}: {error ?? NoExternalMetricsReturned}";
}

/// <summary>The object an Object metric describes (kind/name), for error texts.</summary>
public readonly record struct CrossObject(string Kind, string Name);
