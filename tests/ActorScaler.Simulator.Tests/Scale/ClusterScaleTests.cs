using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using ActorScaler.Simulator.Tests.Api;
using k8s;
using Xunit;
using Xunit.Abstractions;

namespace ActorScaler.Simulator.Tests.Scale;

/// <summary>
/// Item 9: many nodes, pods and HPAs in one process. CI runs a smoke size; the full size
/// (2,000 nodes, 50,000 pods, 10,000 HPAs) runs with SIM_SCALE=full and its numbers are recorded
/// in docs/benchmarks.md:
/// <c>SIM_SCALE=full dotnet test tests/ActorScaler.Simulator.Tests -c Release --filter FullyQualifiedName~ClusterScaleTests --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class ClusterScaleTests(ITestOutputHelper output)
{
    private sealed record Size(int Nodes, int Deployments, int ReplicasEach, int Namespaces, TimeSpan Settle);

    private static Size Current() => Environment.GetEnvironmentVariable("SIM_SCALE") == "full"
        ? new Size(Nodes: 2000, Deployments: 10_000, ReplicasEach: 5, Namespaces: 20, Settle: TimeSpan.FromMinutes(20))
        : new Size(Nodes: 20, Deployments: 100, ReplicasEach: 5, Namespaces: 4, Settle: TimeSpan.FromSeconds(90));

    [Fact]
    public async Task Nodes_pods_and_hpas_at_scale_settle_and_stay_servable()
    {
        var size = Current();
        var pods = size.Deployments * size.ReplicasEach;
        var process = Process.GetCurrentProcess();
        var cpuAtStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();

        await using var sim = await SimulatorFixture.StartAsync(new SimulatorOptions { Nodes = size.Nodes, SimulateWorkloads = true }, workloads: true);
        var cluster = sim.Cluster;
        var startup = clock.Elapsed;

        for (var n = 0; n < size.Namespaces; n++)
        {
            cluster.Handler.ApplyObject(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = $"scale-{n}" } });
        }
        for (var i = 0; i < size.Deployments; i++)
        {
            var ns = $"scale-{i % size.Namespaces}";
            var name = $"app-{i:D5}";
            cluster.Handler.ApplyObject(Deployment(ns, name, size.ReplicasEach));
            cluster.Handler.ApplyObject(Hpa(ns, name, size.ReplicasEach));
        }
        var created = clock.Elapsed;

        var running = 0;
        var deadline = clock.Elapsed + size.Settle;
        while (clock.Elapsed < deadline)
        {
            running = cluster.Store.List(GroupResource.Pods, new ListOptions { FieldSelector = FieldSelector.Parse("status.phase=Running") }).Items.Count;
            if (running == pods) break;
            await Task.Delay(1000);
        }
        var settled = clock.Elapsed;
        Assert.Equal(pods, running);
        Assert.Equal(size.Nodes, cluster.Store.Count(GroupResource.Nodes));
        Assert.Equal(size.Deployments, cluster.Store.Count(GroupResource.HorizontalPodAutoscalers));

        // Steady state: CPU used while nothing changes, and memory after a full collection.
        var idleCpuStart = process.TotalProcessorTime;
        var idleWindow = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var idleCpu = (process.TotalProcessorTime - idleCpuStart).TotalSeconds / idleWindow.Elapsed.TotalSeconds;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        var workingSet = process.WorkingSet64;

        // The API stays servable at this size: full lists over HTTPS, HPAs converted to v1.
        var client = sim.Client("scale-test");
        var rawList = Stopwatch.StartNew();
        using (var raw = await sim.Http.GetAsync("/api/v1/pods", HttpCompletionOption.ResponseContentRead))
        {
            Assert.True(raw.IsSuccessStatusCode);
        }
        rawList.Stop();
        var listPods = Stopwatch.StartNew();
        var allPods = await client.CoreV1.ListPodForAllNamespacesAsync();
        listPods.Stop();
        Assert.Equal(pods, allPods.Items.Count);
        var listHpas = Stopwatch.StartNew();
        var allHpas = await client.AutoscalingV1.ListHorizontalPodAutoscalerForAllNamespacesAsync();
        listHpas.Stop();
        Assert.Equal(size.Deployments, allHpas.Items.Count);
        var getOne = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++) await client.AppsV1.ReadNamespacedDeploymentScaleAsync($"app-{i % size.Deployments:D5}", $"scale-{i % size.Deployments % size.Namespaces}");
        getOne.Stop();

        var report = string.Join('\n',
            $"size: {size.Nodes} nodes, {pods} pods, {size.Deployments} deployments and HPAs",
            $"startup (API + kubelets): {startup.TotalSeconds:F1} s",
            $"objects created in process: {(created - startup).TotalSeconds:F1} s",
            $"all pods Running after: {(settled - created).TotalSeconds:F1} s",
            $"process CPU total: {(process.TotalProcessorTime - cpuAtStart).TotalSeconds:F0} s; idle steady state: {idleCpu:F2} cores",
            $"managed heap after full GC: {managed / 1024.0 / 1024:F0} MiB; working set: {workingSet / 1024.0 / 1024:F0} MiB",
            $"list all pods over HTTPS: {rawList.ElapsedMilliseconds} ms to receive the bytes, {listPods.ElapsedMilliseconds} ms with KubernetesClient deserialization",
            $"list all HPAs as autoscaling/v1 (converted per object): {listHpas.ElapsedMilliseconds} ms",
            $"get scale: {getOne.Elapsed.TotalMilliseconds / 100:F1} ms each (100 sequential)",
            $"store resourceVersion: {cluster.Store.ResourceVersion.ToString(CultureInfo.InvariantCulture)}");
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("SIM_SCALE_REPORT") is { Length: > 0 } file) await File.WriteAllTextAsync(file, report + "\n");
    }

    private static JsonObject Deployment(string ns, string name, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = new JsonObject { ["app"] = name } },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "app",
                        ["image"] = "registry.example/app:1",
                        ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" } },
                    }),
                },
            },
        },
    };

    private static JsonObject Hpa(string ns, string name, int replicas) => new()
    {
        ["apiVersion"] = "autoscaling/v2",
        ["kind"] = "HorizontalPodAutoscaler",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
            ["minReplicas"] = replicas,
            ["maxReplicas"] = replicas * 4,
            ["metrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = "cpu",
                    ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 60 },
                },
            }),
        },
    };
}
