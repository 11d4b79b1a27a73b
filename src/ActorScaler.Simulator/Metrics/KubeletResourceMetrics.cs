using System.Globalization;
using System.Text;

namespace ActorScaler.Simulator.Metrics;

/// <summary>One container's cached stats sample, as the kubelet's resource collector reports it.</summary>
public sealed record ContainerResourceSample(
    string Namespace,
    string Pod,
    string Container,
    long CpuUsageCoreNanoSeconds,
    long WorkingSetBytes,
    long TimestampMs,
    DateTimeOffset StartTime);

/// <summary>One pod cgroup's cached stats sample.</summary>
public sealed record PodResourceSample(
    string Namespace,
    string Pod,
    long CpuUsageCoreNanoSeconds,
    long WorkingSetBytes,
    long TimestampMs);

/// <summary>The node cgroup's cached stats sample.</summary>
public sealed record NodeResourceSample(long CpuUsageCoreNanoSeconds, long WorkingSetBytes, long TimestampMs);

/// <summary>Everything one GET /metrics/resource answers with.</summary>
public sealed record KubeletResourceSnapshot(
    NodeResourceSample Node,
    IReadOnlyList<PodResourceSample> Pods,
    IReadOnlyList<ContainerResourceSample> Containers);

/// <summary>
/// Writes the kubelet's <c>/metrics/resource</c> payload in the 1.29+ (KEP-727 GA) shape:
/// families in name order, series sorted by label values (label order container, namespace, pod),
/// <c>[STABLE]</c> HELP texts, per-series millisecond timestamps, <c>container_start_time_seconds</c>
/// without a timestamp (the 1.29 fix of kubernetes #117880) and <c>resource_scrape_error</c>.
/// </summary>
public static class KubeletResourceMetrics
{
    public const string Path = "/metrics/resource";

    // Metric names and HELP texts exactly as pkg/kubelet/metrics/collectors/resource_metrics.go emits them.
    public const string ContainerCpuUsageSecondsTotal = "container_cpu_usage_seconds_total";
    public const string ContainerMemoryWorkingSetBytes = "container_memory_working_set_bytes";
    public const string ContainerStartTimeSeconds = "container_start_time_seconds";
    public const string NodeCpuUsageSecondsTotal = "node_cpu_usage_seconds_total";
    public const string NodeMemoryWorkingSetBytes = "node_memory_working_set_bytes";
    public const string NodeSwapUsageBytes = "node_swap_usage_bytes";
    public const string PodCpuUsageSecondsTotal = "pod_cpu_usage_seconds_total";
    public const string PodMemoryWorkingSetBytes = "pod_memory_working_set_bytes";
    public const string PodSwapUsageBytes = "pod_swap_usage_bytes";
    public const string ResourceScrapeError = "resource_scrape_error";

    private const string ResourceScrapeErrorHelp = "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise";

    /// <summary>What the kubelet answers when its stats provider failed: only the error gauge, set to 1.</summary>
    public static readonly string ScrapeErrorPayload = BuildScrapeErrorPayload();

    private static readonly Comparison<ContainerResourceSample> ContainerOrder = (a, b) =>
    {
        var c = string.CompareOrdinal(a.Container, b.Container);
        if (c != 0) return c;
        c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Pod, b.Pod);
    };

    private static readonly Comparison<PodResourceSample> PodOrder = (a, b) =>
    {
        var c = string.CompareOrdinal(a.Namespace, b.Namespace);
        return c != 0 ? c : string.CompareOrdinal(a.Pod, b.Pod);
    };

    public static string Write(KubeletResourceSnapshot snapshot)
    {
        var containers = snapshot.Containers.ToArray();
        Array.Sort(containers, ContainerOrder);
        var pods = snapshot.Pods.ToArray();
        Array.Sort(pods, PodOrder);
        var sb = new StringBuilder(512 + (containers.Length * 520) + (pods.Length * 330));

        // client_golang drops a family that has no series, so an empty node prints no container_* lines.
        if (containers.Length > 0)
        {
            PrometheusText.AppendHeader(sb, ContainerCpuUsageSecondsTotal, "[STABLE] Cumulative cpu time consumed by the container in core-seconds", "counter");
            foreach (var c in containers)
            {
                AppendContainerSeries(sb, ContainerCpuUsageSecondsTotal, c);
                AppendValue(sb, NanosToSeconds(c.CpuUsageCoreNanoSeconds), c.TimestampMs);
            }
            PrometheusText.AppendHeader(sb, ContainerMemoryWorkingSetBytes, "[STABLE] Current working set of the container in bytes", "gauge");
            foreach (var c in containers)
            {
                AppendContainerSeries(sb, ContainerMemoryWorkingSetBytes, c);
                AppendValue(sb, c.WorkingSetBytes, c.TimestampMs);
            }
            PrometheusText.AppendHeader(sb, ContainerStartTimeSeconds, "[STABLE] Start time of the container since unix epoch in seconds", "gauge");
            foreach (var c in containers)
            {
                AppendContainerSeries(sb, ContainerStartTimeSeconds, c);
                AppendValue(sb, UnixSeconds(c.StartTime), timestampMs: null);
            }
        }

        var node = snapshot.Node;
        PrometheusText.AppendHeader(sb, NodeCpuUsageSecondsTotal, "[STABLE] Cumulative cpu time consumed by the node in core-seconds", "counter");
        sb.Append(NodeCpuUsageSecondsTotal);
        AppendValue(sb, NanosToSeconds(node.CpuUsageCoreNanoSeconds), node.TimestampMs);
        PrometheusText.AppendHeader(sb, NodeMemoryWorkingSetBytes, "[STABLE] Current working set of the node in bytes", "gauge");
        sb.Append(NodeMemoryWorkingSetBytes);
        AppendValue(sb, node.WorkingSetBytes, node.TimestampMs);
        PrometheusText.AppendHeader(sb, NodeSwapUsageBytes, "[ALPHA] Current swap usage of the node in bytes. Reported only on non-windows systems", "gauge");
        sb.Append(NodeSwapUsageBytes);
        AppendValue(sb, 0, node.TimestampMs);

        if (pods.Length > 0)
        {
            PrometheusText.AppendHeader(sb, PodCpuUsageSecondsTotal, "[STABLE] Cumulative cpu time consumed by the pod in core-seconds", "counter");
            foreach (var p in pods)
            {
                AppendPodSeries(sb, PodCpuUsageSecondsTotal, p);
                AppendValue(sb, NanosToSeconds(p.CpuUsageCoreNanoSeconds), p.TimestampMs);
            }
            PrometheusText.AppendHeader(sb, PodMemoryWorkingSetBytes, "[STABLE] Current working set of the pod in bytes", "gauge");
            foreach (var p in pods)
            {
                AppendPodSeries(sb, PodMemoryWorkingSetBytes, p);
                AppendValue(sb, p.WorkingSetBytes, p.TimestampMs);
            }
            PrometheusText.AppendHeader(sb, PodSwapUsageBytes, "[ALPHA] Current amount of the pod swap usage in bytes. Reported only on non-windows systems", "gauge");
            foreach (var p in pods)
            {
                AppendPodSeries(sb, PodSwapUsageBytes, p);
                AppendValue(sb, 0, p.TimestampMs);
            }
        }

        PrometheusText.AppendHeader(sb, ResourceScrapeError, ResourceScrapeErrorHelp, "gauge");
        sb.Append(ResourceScrapeError).Append(" 0\n");
        return sb.ToString();
    }

    /// <summary>core-nanoseconds to the float seconds the kubelet prints (it divides usageCoreNanoSeconds by 1e9).</summary>
    public static double NanosToSeconds(long nanos) => nanos / 1e9;

    /// <summary>
    /// A start time as the kubelet prints it: float64(t.UnixNano()) / 1e9, so the float rounding
    /// a scraper sees (e.g. 1.749913600523419e+09) is the same as from a real node.
    /// </summary>
    public static double UnixSeconds(DateTimeOffset time) =>
        (double)((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosecondsPerTick) / 1e9;

    private const long NanosecondsPerTick = 100;

    private static string BuildScrapeErrorPayload()
    {
        var sb = new StringBuilder();
        PrometheusText.AppendHeader(sb, ResourceScrapeError, ResourceScrapeErrorHelp, "gauge");
        sb.Append(ResourceScrapeError).Append(" 1\n");
        return sb.ToString();
    }

    private static void AppendContainerSeries(StringBuilder sb, string name, ContainerResourceSample c)
    {
        sb.Append(name).Append("{container=\"");
        PrometheusText.AppendLabelValue(sb, c.Container);
        sb.Append("\",namespace=\"");
        PrometheusText.AppendLabelValue(sb, c.Namespace);
        sb.Append("\",pod=\"");
        PrometheusText.AppendLabelValue(sb, c.Pod);
        sb.Append("\"}");
    }

    private static void AppendPodSeries(StringBuilder sb, string name, PodResourceSample p)
    {
        sb.Append(name).Append("{namespace=\"");
        PrometheusText.AppendLabelValue(sb, p.Namespace);
        sb.Append("\",pod=\"");
        PrometheusText.AppendLabelValue(sb, p.Pod);
        sb.Append("\"}");
    }

    private static void AppendValue(StringBuilder sb, double value, long? timestampMs)
    {
        sb.Append(' ');
        PrometheusText.AppendFloat(sb, value);
        if (timestampMs is { } ts) sb.Append(' ').Append(ts.ToString(CultureInfo.InvariantCulture));
        sb.Append('\n');
    }
}
