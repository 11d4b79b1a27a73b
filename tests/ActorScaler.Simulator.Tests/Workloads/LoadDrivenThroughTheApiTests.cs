using System.Text.Json.Nodes;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Storage;
using ActorScaler.Simulator.Tests.Kubelets;
using ActorScaler.Simulator.Workloads;
using Xunit;
using static ActorScaler.Simulator.Tests.Workloads.SimulationFixture;

namespace ActorScaler.Simulator.Tests.Workloads;

public sealed class LoadDrivenThroughTheApiTests : IAsyncLifetime
{
    private readonly string _sdFile = Path.Combine(Path.GetTempPath(), $"actorscaler-sd-{Guid.NewGuid():N}.json");
    private readonly string _caFile = Path.Combine(Path.GetTempPath(), $"actorscaler-ca-{Guid.NewGuid():N}.crt");
    private SimulationFixture _f = null!;

    public async Task InitializeAsync() => _f = await SimulationFixture.StartAsync(new WorkloadSimulationOptions
    {
        NodeCount = 2,
        PrometheusSdFile = _sdFile,
        CaFile = _caFile,
    });

    public async Task DisposeAsync()
    {
        await _f.DisposeAsync();
        File.Delete(_sdFile);
        File.Delete(_caFile);
    }

    [Fact]
    public async Task Nodes_publish_their_kubelet_endpoint_and_the_kubelet_reports_their_pods()
    {
        var node = _f.Get(GroupResource.Nodes, "sim-node-0001", ns: null);
        var address = node["status"]!["addresses"]!.AsArray().Single(a => (string?)a!["type"] == "InternalIP")!;
        Assert.Equal("127.0.0.1", (string?)address["address"]);
        var port = (int)node["status"]!["daemonEndpoints"]!["kubeletEndpoint"]!["Port"]!;
        Assert.Equal(_f.Simulation.Kubelets.PortOf("sim-node-0001"), port);
        Assert.Equal("8", (string?)node["status"]!["allocatable"]!["cpu"]);
        Assert.Equal("True", (string?)node["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "Ready")!["status"]);

        _f.Store.Create(GroupResource.Deployments, Deployment("web", 2, annotations: new Dictionary<string, string>
        {
            [LoadAnnotations.CpuDemand] = "600m",
        }));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(5));
        var pod = _f.Pods().First(p => (string?)p["spec"]!["nodeName"] == "sim-node-0001");

        // The CA file written beside the kubeconfig verifies the kubelet the way a Go client would.
        using var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_caFile);
        var tls = new GoLikeTls();
        using var client = tls.CreateClient(ca);
        var url = $"https://127.0.0.1:{port}/metrics/resource";
        var first = PromSample.ParseAll(await client.GetStringAsync(url));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(10));
        var second = PromSample.ParseAll(await client.GetStringAsync(url));

        PromSample Cpu(List<PromSample> s) => s.Single(x => x.Name == "container_cpu_usage_seconds_total" && x.Label("pod") == Name(pod));
        var rate = (Cpu(second).Value - Cpu(first).Value) / ((Cpu(second).TimestampMs!.Value - Cpu(first).TimestampMs!.Value) / 1000.0);
        Assert.Equal(0.3, rate, 6);
        Assert.Equal("app", Cpu(second).Label("container"));
        Assert.Equal("default", Cpu(second).Label("namespace"));
        var start = second.Single(x => x.Name == "container_start_time_seconds" && x.Label("pod") == Name(pod));
        Assert.Null(start.TimestampMs);
        Assert.Equal(DateTimeOffset.Parse((string)pod["status"]!["startTime"]!).ToUnixTimeSeconds(), (long)start.Value);
    }

    [Fact]
    public async Task Changing_cpu_demand_through_the_api_changes_usage_within_a_second()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("web", 2, cpuLimit: "2", annotations: new Dictionary<string, string>
        {
            [LoadAnnotations.CpuDemand] = "1",
            [LoadAnnotations.MemoryPerPod] = "200Mi",
        }));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(5));
        var pods = _f.Pods().Select(Name).ToList();
        Assert.All(pods, p => Assert.Equal(500_000, _f.Simulation.Usage.Rates("default", p)!.CpuMicrocores));
        Assert.All(pods, p => Assert.Equal(200L * 1024 * 1024 + _f.Simulation.Usage.Options.PodOverheadMemoryBytes, _f.Simulation.Usage.Rates("default", p)!.WorkingSetBytes));

        _f.Annotate(GroupResource.Deployments, "web", LoadAnnotations.CpuDemand, "6");
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1));
        // 3 cores each would exceed the 2-core limit.
        Assert.All(pods, p => Assert.Equal(2_000_000, _f.Simulation.Usage.Rates("default", p)!.CpuMicrocores));

        var snapshot = _f.Simulation.Usage.Snapshot((string)_f.Get(GroupResource.Pods, pods[0])["spec"]!["nodeName"]!);
        var before = snapshot.Containers.Single(c => c.Pod == pods[0]);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1));
        var after = _f.Simulation.Usage.Snapshot((string)_f.Get(GroupResource.Pods, pods[0])["spec"]!["nodeName"]!).Containers.Single(c => c.Pod == pods[0]);
        Assert.Equal(2.0, (after.CpuUsageCoreNanoSeconds - before.CpuUsageCoreNanoSeconds) / 1e9 / ((after.TimestampMs - before.TimestampMs) / 1000.0), 6);
    }

    [Fact]
    public async Task Rps_gives_each_pod_a_metrics_endpoint_listed_in_the_file_sd()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("api", 2, annotations: new Dictionary<string, string>
        {
            [LoadAnnotations.RequestsPerSecond] = "100",
        }));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));

        var pods = _f.Pods();
        var sd = JsonNode.Parse(await File.ReadAllTextAsync(_sdFile))!.AsArray();
        Assert.Equal(2, sd.Count);
        using var http = new HttpClient();
        foreach (var pod in pods)
        {
            var port = (string)pod["metadata"]!["annotations"]!["prometheus.io/port"]!;
            Assert.Equal("true", (string?)pod["metadata"]!["annotations"]!["prometheus.io/scrape"]);
            var target = sd.Single(t => (string?)t!["labels"]!["pod"] == Name(pod))!;
            Assert.Equal($"127.0.0.1:{port}", (string?)target["targets"]![0]);
            Assert.Equal("default", (string?)target["labels"]!["namespace"]);

            var before = PromSample.ParseAll(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics")).Single(s => s.Name == "http_requests_total");
            await _f.AdvanceAsync(TimeSpan.FromSeconds(10));
            var after = PromSample.ParseAll(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics")).Single(s => s.Name == "http_requests_total");
            Assert.Equal(500, after.Value - before.Value);
        }

        _f.Scale(GroupResource.Deployments, "api", 1);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Single(JsonNode.Parse(await File.ReadAllTextAsync(_sdFile))!.AsArray());
    }

    [Fact]
    public async Task Adding_rps_later_gives_running_pods_endpoints()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("late", 1));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.Null(_f.Pods()[0]["metadata"]!["annotations"]?["prometheus.io/port"]);

        _f.Annotate(GroupResource.Deployments, "late", LoadAnnotations.RequestsPerSecond, "10");
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.NotNull(_f.Pods()[0]["metadata"]!["annotations"]?["prometheus.io/port"]);
        Assert.Single(JsonNode.Parse(await File.ReadAllTextAsync(_sdFile))!.AsArray());
    }

    [Fact]
    public async Task Ready_after_sets_the_readiness_delay()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("slow", 1, annotations: new Dictionary<string, string>
        {
            [LoadAnnotations.ReadyAfter] = "10s",
        }));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(8));
        Assert.False(IsReady(_f.Pods()[0]));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.True(IsReady(_f.Pods()[0]));
    }

    [Fact]
    public async Task A_bad_annotation_is_reported_as_a_warning_event_on_the_workload()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("oops", 1, annotations: new Dictionary<string, string>
        {
            [LoadAnnotations.CpuDemand] = "a lot",
        }));
        await _f.Simulation.SyncAsync();
        var e = Assert.Single(_f.Store.List(GroupResource.Events).Items).ToJsonObject();
        Assert.Equal("Warning", (string?)e["type"]);
        Assert.Equal("oops", (string?)e["involvedObject"]!["name"]);
        Assert.Contains("simulator.actorscaler.io/cpu-demand", (string?)e["message"]);
        Assert.Contains("a lot", (string?)e["message"]);
    }
}
