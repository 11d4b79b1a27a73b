using System.Collections.Immutable;
using ActorScaler.Actors.Metrics;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;
using k8s.Models;

namespace ActorScaler.Actors.Tests.Metrics;

internal static class MetricsTestData
{
    public const long Second = 1_000_000_000;

    public static PodUsage Pod(string ns, string name, long timestampNs, long cpu = 100_000_000, long memory = 64 << 20) =>
        new(ns, name, timestampNs, 15 * Second, [new ContainerUsage("app", cpu, memory)]);

    public static NodeScrapeReport Report(string node, long timestampNs, params PodUsage[] pods) =>
        new(new NodeScrapeStatus(node, $"https://127.0.0.1:10250/metrics/resource", timestampNs, timestampNs, ScrapeReasons.Succeeded, "", "test:1"),
            new NodeMetricsBatch(node, timestampNs, new NodeUsage(node, timestampNs, 15 * Second, 500_000_000, 1L << 30), [.. pods], ImmutableArray<string>.Empty));

    public static NodeScrapeReport Failure(string node, string reason, string message) =>
        new(new NodeScrapeStatus(node, "https://127.0.0.1:10250/metrics/resource", 1, 0, reason, message, "test:1"), null);

    public static void AddPod(ClusterCaches caches, string ns, string name, string node, IDictionary<string, string> labels) =>
        ((IInformerHandler<V1Pod>)caches.Pods).OnUpsert(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app" }] },
            Status = new V1PodStatus { Phase = "Running" },
        });

    public static void AddNode(ClusterCaches caches, string name, int port, string address = "127.0.0.1", string? path = null) =>
        ((IInformerHandler<V1Node>)caches.Nodes).OnUpsert(new V1Node
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name },
                Annotations = path is null ? null : new Dictionary<string, string> { ["metrics.k8s.io/resource-metrics-path"] = path },
            },
            Status = new V1NodeStatus
            {
                Addresses = [new V1NodeAddress { Type = "Hostname", Address = name }, new V1NodeAddress { Type = "InternalIP", Address = address }],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = port } },
            },
        });

    /// <summary>A kubelet 1.29+ payload: the node and one container per (pod, cpu seconds) at <paramref name="ms"/>.</summary>
    public static string Payload(long ms, double nodeCpuSeconds, params (string Ns, string Pod, double CpuSeconds, double StartSeconds)[] containers)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the container in core-seconds\n");
        sb.Append("# TYPE container_cpu_usage_seconds_total counter\n");
        foreach (var c in containers)
            sb.Append(System.FormattableString.Invariant($"container_cpu_usage_seconds_total{{container=\"app\",namespace=\"{c.Ns}\",pod=\"{c.Pod}\"}} {c.CpuSeconds} {ms}\n"));
        foreach (var c in containers)
            sb.Append(System.FormattableString.Invariant($"container_memory_working_set_bytes{{container=\"app\",namespace=\"{c.Ns}\",pod=\"{c.Pod}\"}} 6.7108864e+07 {ms}\n"));
        foreach (var c in containers)
            sb.Append(System.FormattableString.Invariant($"container_start_time_seconds{{container=\"app\",namespace=\"{c.Ns}\",pod=\"{c.Pod}\"}} {c.StartSeconds}\n"));
        sb.Append(System.FormattableString.Invariant($"node_cpu_usage_seconds_total {nodeCpuSeconds} {ms}\n"));
        sb.Append(System.FormattableString.Invariant($"node_memory_working_set_bytes 1.073741824e+09 {ms}\n"));
        sb.Append("resource_scrape_error 0\n");
        return sb.ToString();
    }
}
