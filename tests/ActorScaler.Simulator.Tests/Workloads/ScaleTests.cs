using System.Diagnostics;
using ActorScaler.Simulator.Storage;
using ActorScaler.Simulator.Tests.Kubelets;
using ActorScaler.Simulator.Workloads;
using Xunit;
using Xunit.Abstractions;

namespace ActorScaler.Simulator.Tests.Workloads;

public sealed class ScaleTests(ITestOutputHelper output)
{
    /// <summary>
    /// Many nodes and pods in one process. CI runs a tenth of the nodes and a twentieth of the pods (200 nodes, 2,500 pods);
    /// ACTORSCALER_SIM_SCALE=full runs the 2,000 nodes and 50,000 pods.
    /// </summary>
    [Fact]
    public async Task Hundreds_of_nodes_and_thousands_of_pods_come_up_ready_and_are_scraped()
    {
        var full = Environment.GetEnvironmentVariable("ACTORSCALER_SIM_SCALE") == "full";
        var nodes = full ? 2000 : 200;
        var deployments = full ? 1000 : 50;
        var replicas = 50;
        var clock = Stopwatch.StartNew();
        await using var f = await SimulationFixture.StartAsync(new WorkloadSimulationOptions
        {
            NodeCount = nodes,
            ContainerStartDelay = TimeSpan.FromSeconds(1),
            DefaultReadyAfter = TimeSpan.FromSeconds(1),
        });
        output.WriteLine($"{nodes} kubelets up in {clock.Elapsed}");
        Assert.Equal(nodes, f.Store.Count(GroupResource.Nodes));
        Assert.Equal(nodes, f.Simulation.Kubelets.Ports.Distinct().Count());

        clock.Restart();
        for (var i = 0; i < deployments; i++)
        {
            f.Store.Create(GroupResource.Deployments, SimulationFixture.Deployment($"app-{i:D4}", replicas, cpuRequest: "50m",
                annotations: new Dictionary<string, string> { [ActorScaler.Simulator.Load.LoadAnnotations.CpuDemand] = "2" }));
        }
        await f.Simulation.SyncAsync();
        output.WriteLine($"{deployments * replicas} pods created and bound in {clock.Elapsed}");
        await f.AdvanceAsync(TimeSpan.FromSeconds(3));
        output.WriteLine($"{deployments * replicas} pods ready in {clock.Elapsed}; managed memory {GC.GetTotalMemory(true) / (1024 * 1024)} MiB");

        Assert.Equal(deployments * replicas, f.Store.Count(GroupResource.Pods));
        var status = f.Get(GroupResource.Deployments, "app-0000")["status"]!;
        Assert.Equal(replicas, (int)status["readyReplicas"]!);
        Assert.Equal(40_000, f.Simulation.Usage.Rates("default", SimulationFixture.Name(f.Pods().First()))!.CpuMicrocores);

        clock.Restart();
        using var client = new GoLikeTls().CreateClient(f.Simulation.CertificateAuthority.Certificate);
        var containers = 0;
        foreach (var port in f.Simulation.Kubelets.Ports.Take(50))
        {
            var samples = PromSample.ParseAll(await client.GetStringAsync($"https://127.0.0.1:{port}/metrics/resource"));
            containers += samples.Count(s => s.Name == "container_cpu_usage_seconds_total");
        }
        output.WriteLine($"50 scrapes in {clock.Elapsed}, {containers} containers");
        Assert.InRange(containers, 50 * deployments * replicas / nodes / 2, 50 * deployments * replicas / nodes * 2);
    }
}
