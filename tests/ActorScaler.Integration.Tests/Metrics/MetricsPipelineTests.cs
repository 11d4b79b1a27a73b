using System.Diagnostics;
using System.Net;
using System.Text.Json;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Simulator.Kubelets;
using static ActorScaler.Integration.Tests.Metrics.MetricsCluster;

namespace ActorScaler.Integration.Tests.Metrics;

[Collection(MetricsPipelineCollection.Name)]
public sealed class MetricsPipelineTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static async Task<JsonElement> WaitForPodsAsync(MetricsCluster cluster, string path, int count, int member = 0)
    {
        JsonElement body = default;
        await UntilAsync(async () =>
        {
            var (status, json) = await cluster.GetAsync(path, member);
            body = json;
            return status == HttpStatusCode.OK && json.GetProperty("items").GetArrayLength() >= count;
        }, Wait, $"{count} items at {path}");
        return body;
    }

    private static long MilliCpu(JsonElement usage) =>
        Core.Quantities.Quantity.Parse(usage.GetProperty("cpu").GetString()!).MilliValue();

    [Fact]
    public async Task Pods_and_nodes_get_metrics_through_the_metrics_api_of_every_version()
    {
        await using var cluster = await MetricsCluster.StartAsync(nodes: 2);
        cluster.ApplyDeployment("web", replicas: 2, cpuDemand: "600m");
        cluster.ApplyDeployment("db", replicas: 1, cpuDemand: "100m");

        var pods = await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", 3);
        Assert.Equal("PodMetricsList", pods.GetProperty("kind").GetString());
        Assert.Equal("metrics.k8s.io/v1beta1", pods.GetProperty("apiVersion").GetString());
        foreach (var item in pods.GetProperty("items").EnumerateArray())
        {
            var metadata = item.GetProperty("metadata");
            Assert.Equal("default", metadata.GetProperty("namespace").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", item.GetProperty("timestamp").GetString());
            Assert.Matches(@"^[0-9.]+(ms|s)$", item.GetProperty("window").GetString());
            var container = Assert.Single(item.GetProperty("containers").EnumerateArray().ToList());
            Assert.Equal("app", container.GetProperty("name").GetString());
            var usage = container.GetProperty("usage");
            Assert.Matches(@"^\d+(n|u|m)?$", usage.GetProperty("cpu").GetString());
            Assert.Matches(@"^\d+(Ki|Mi|Gi)?$", usage.GetProperty("memory").GetString());
            Assert.True(Core.Quantities.Quantity.Parse(usage.GetProperty("memory").GetString()!).Value() > 0);
        }
        // The web pods share 600m: each reads about 300m once their rates settle.
        await UntilAsync(async () =>
        {
            var (_, json) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb");
            var items = json.GetProperty("items").EnumerateArray().ToList();
            return items.Count == 2 && items.All(i => Math.Abs(MilliCpu(i.GetProperty("containers")[0].GetProperty("usage")) - 300) <= 60);
        }, Wait, "web pods at about 300m each");

        var (_, db) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%20in%20(db)");
        var dbPod = Assert.Single(db.GetProperty("items").EnumerateArray().ToList());
        var dbName = dbPod.GetProperty("metadata").GetProperty("name").GetString()!;
        Assert.Equal("db", dbPod.GetProperty("metadata").GetProperty("labels").GetProperty("app").GetString());

        var (fieldStatus, byName) = await cluster.GetAsync($"/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=metadata.name%3D{dbName}");
        Assert.Equal(HttpStatusCode.OK, fieldStatus);
        Assert.Single(byName.GetProperty("items").EnumerateArray().ToList());
        var (oneStatus, one) = await cluster.GetAsync($"/apis/metrics.k8s.io/v1/namespaces/default/pods/{dbName}");
        Assert.Equal(HttpStatusCode.OK, oneStatus);
        Assert.Equal("PodMetrics", one.GetProperty("kind").GetString());
        Assert.Equal("metrics.k8s.io/v1", one.GetProperty("apiVersion").GetString());

        var nodes = await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/nodes", 2);
        Assert.Equal(["sim-node-0001", "sim-node-0002"], nodes.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("metadata").GetProperty("name").GetString()));
        var (nodeStatus, node) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/nodes/sim-node-0001");
        Assert.Equal(HttpStatusCode.OK, nodeStatus);
        Assert.Equal("NodeMetrics", node.GetProperty("kind").GetString());
        Assert.True(MilliCpu(node.GetProperty("usage")) > 0);

        var (missingStatus, missing) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nosuch");
        Assert.Equal(HttpStatusCode.NotFound, missingStatus);
        Assert.Equal("podmetrics.metrics.k8s.io \"nosuch\" not found", missing.GetProperty("message").GetString());
        var (badStatus, bad) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dx");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("field label not supported: spec.nodeName", bad.GetProperty("message").GetString());
        var (discoveryStatus, discovery) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1");
        Assert.Equal(HttpStatusCode.OK, discoveryStatus);
        Assert.Equal(["nodes", "pods"], discovery.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()));

        // The push side: the store every member holds answers the same pods.
        Assert.Equal(3, cluster.Store().PodsInNamespace("default").Count);
    }

    [Fact]
    public async Task Kubectl_top_works_against_the_simulator_through_the_aggregated_api()
    {
        await using var cluster = await MetricsCluster.StartAsync(nodes: 2, https: true);
        cluster.ApplyDeployment("web", replicas: 2, cpuDemand: "500m");
        cluster.RegisterApiService();
        await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", 2);
        await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/nodes", 2);

        var cache = Path.Combine(Path.GetTempPath(), $"kubectl-cache-{Guid.NewGuid():N}");
        try
        {
            var nodes = await KubectlAsync(cluster, cache, "top", "nodes");
            var nodeLines = nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)", nodeLines[0]);
            Assert.Matches(@"^sim-node-0001\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%", nodeLines[1]);
            Assert.Matches(@"^sim-node-0002\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%", nodeLines[2]);

            var pods = await KubectlAsync(cluster, cache, "top", "pods", "-A");
            var podLines = pods.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)", podLines[0]);
            Assert.Equal(2, podLines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^default\s+web-[a-z0-9]+-[a-z0-9]+\s+\d+m\s+\d+Mi")));

            // `actorscaler top` prints the same tables (values may move between the two calls).
            var ours = RunTop("top", "pods", "-A", "--kubeconfig", cluster.Kubeconfig).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(podLines[0].TrimEnd(), ours[0].TrimEnd());
            Assert.Equal(podLines.Skip(1).Select(l => l.Split(' ')[0] + "/" + l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]),
                ours.Skip(1).Select(l => l.Split(' ')[0] + "/" + l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
            var ourNodes = RunTop("top", "nodes", "--kubeconfig", cluster.Kubeconfig).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(nodeLines.Select(l => l.Split(' ')[0]), ourNodes.Select(l => l.Split(' ')[0]));
            Assert.Matches(@"^sim-node-0001\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%", ourNodes[1]);
        }
        finally
        {
            try
            {
                Directory.Delete(cache, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static readonly Lock ConsoleLock = new();

    private static string RunTop(params string[] args)
    {
        lock (ConsoleLock)
        {
            var original = Console.Out;
            using var captured = new StringWriter();
            Console.SetOut(captured);
            try
            {
                Assert.Equal(0, global::ActorScaler.Program.Main(args));
            }
            finally
            {
                Console.SetOut(original);
            }
            return captured.ToString();
        }
    }

    private static async Task<string> KubectlAsync(MetricsCluster cluster, string cacheDir, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(cluster.Kubeconfig);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["KUBECACHEDIR"] = cacheDir;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    [Fact]
    public async Task Faulty_kubelets_give_clear_conditions_and_missing_metrics_never_zero()
    {
        await using var cluster = await MetricsCluster.StartAsync(nodes: 4);
        cluster.ApplyDeployment("web", replicas: 8, cpuDemand: "800m");
        await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/nodes", 4);
        await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/pods", 8);
        var store = cluster.Store();
        var kubelets = cluster.Simulator.Workloads!.Kubelets;

        kubelets.SetFault("sim-node-0001", new KubeletFault(KubeletFaultMode.Down, TimeSpan.Zero));
        kubelets.SetFault("sim-node-0002", new KubeletFault(KubeletFaultMode.Garbage, TimeSpan.Zero));
        kubelets.SetFault("sim-node-0003", new KubeletFault(KubeletFaultMode.None, TimeSpan.FromSeconds(3)));

        var expected = new Dictionary<string, (string Reason, string Text)>
        {
            ["sim-node-0001"] = (ScrapeReasons.Unreachable, ""),
            ["sim-node-0002"] = (ScrapeReasons.InvalidPayload, "is not kubelet resource metrics"),
            ["sim-node-0003"] = (ScrapeReasons.Timeout, "--kubelet-request-timeout=700ms"),
        };
        await Until(() => expected.All(e => store.TryGetNodeStatus(e.Key, out var s) && s.Reason == e.Value.Reason), Wait,
            "each faulty node's condition names its problem");
        foreach (var (node, (reason, text)) in expected)
        {
            Assert.True(store.TryGetNodeStatus(node, out var status));
            Assert.Contains(text, status.Message);
            Assert.Equal($"https://127.0.0.1:{kubelets.PortOf(node)}/metrics/resource", status.Address);
            Assert.Contains(cluster.Log, line => line.Contains($"node {node} at {status.Address}: {reason}", StringComparison.Ordinal));
        }

        // After the time-to-live the faulty nodes' pods and nodes are missing, not zero.
        await UntilAsync(async () =>
        {
            var (_, nodes) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/nodes");
            return nodes.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("metadata").GetProperty("name").GetString()).SequenceEqual(["sim-node-0004"]);
        }, Wait, "only the healthy node has node metrics");
        var (_, pods) = await cluster.GetAsync("/apis/metrics.k8s.io/v1beta1/pods");
        foreach (var pod in pods.GetProperty("items").EnumerateArray())
        {
            var cpu = MilliCpu(pod.GetProperty("containers")[0].GetProperty("usage"));
            Assert.True(cpu > 0, $"{pod.GetProperty("metadata").GetProperty("name")} reads {cpu}m");
        }
        Assert.True(store.TryGetNodeStatus("sim-node-0004", out var healthy) && healthy.Succeeded);

        // Repaired kubelets are scraped again.
        kubelets.ClearFaults();
        await WaitForPodsAsync(cluster, "/apis/metrics.k8s.io/v1beta1/nodes", 4);
    }

    [Fact]
    public async Task A_kubelet_certificate_without_the_ip_san_is_named_with_the_fix_and_insecure_tls_opts_out()
    {
        Action<Simulator.SimulatedCluster> noIpSan = s => s.Workloads!.Kubelets.CertificateMode = KubeletCertificateMode.NoIpSan;
        await using (var verified = await MetricsCluster.StartAsync(nodes: 1, noIpSan))
        {
            var store = verified.Store();
            await Until(() => store.TryGetNodeStatus("sim-node-0001", out _), Wait, "a scrape of sim-node-0001");
            Assert.True(store.TryGetNodeStatus("sim-node-0001", out var status));
            Assert.Equal(ScrapeReasons.CertificateInvalid, status.Reason);
            Assert.StartsWith("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs", status.Message);
            Assert.Contains("--kubelet-insecure-tls", status.Message);
            Assert.Contains(verified.Log, l => l.Contains("node sim-node-0001 at https://127.0.0.1:", StringComparison.Ordinal) && l.Contains("IP SANs", StringComparison.Ordinal));
            Assert.Empty(store.Nodes());
        }
        await using var insecure = await MetricsCluster.StartAsync(nodes: 1, noIpSan, insecureTls: true);
        await WaitForPodsAsync(insecure, "/apis/metrics.k8s.io/v1beta1/nodes", 1);
    }

    [Fact]
    public async Task When_a_member_stops_its_nodes_are_scraped_by_the_survivor_and_each_kubelet_once_per_resolution()
    {
        await using var cluster = await MetricsCluster.StartAsync(nodes: 6, members: 2);
        cluster.ApplyDeployment("web", replicas: 6, cpuDemand: "600m");
        var survivor = cluster.Store(0);
        var nodes = Enumerable.Range(1, 6).Select(i => $"sim-node-{i:D4}").ToList();
        await Until(() => nodes.All(n => survivor.TryGetNode(n, out _)), Wait, "metrics of all six nodes");
        // Both members serve the whole cluster: member 1 holds what member 0's scrapers found and vice versa.
        await Until(() => nodes.All(n => cluster.Store(1).TryGetNode(n, out _)), Wait, "all six nodes on the second member");

        // Exactly one kubelet request per node per resolution, whatever the member count.
        var before = nodes.ToDictionary(n => n, survivor.ReportsFor);
        await Task.Delay(TimeSpan.FromSeconds(5));
        foreach (var node in nodes)
        {
            var requests = survivor.ReportsFor(node) - before[node];
            Assert.InRange(requests, 4, 6);
        }

        var stoppedMember = $"127.0.0.1:{cluster.Members[1].Options.Membership.Port}";
        var survivorMember = $"127.0.0.1:{cluster.Members[0].Options.Membership.Port}";
        // Shards allocated before the second member joined move to it at the next rebalance (10 s).
        await Until(() => nodes.Any(n => survivor.TryGetNodeStatus(n, out var s) && s.Member == stoppedMember), Wait,
            "the second member owning some nodes");

        await cluster.StopMemberAsync(1);
        await Until(() => nodes.All(n => survivor.TryGetNodeStatus(n, out var s) && s.Member == survivorMember && s.Succeeded), TimeSpan.FromSeconds(45),
            "the survivor scraping every node");
        await Until(() => nodes.All(n => survivor.TryGetNode(n, out _)) && survivor.PodsInNamespace("default").Count == 6, Wait,
            "every node and pod with metrics after the failover");
    }
}
