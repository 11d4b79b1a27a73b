using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using Xunit;
using static ActorScaler.Simulator.Tests.Workloads.SimulationFixture;

namespace ActorScaler.Simulator.Tests.Workloads;

public sealed class StatefulSetControllerTests : IAsyncLifetime
{
    private SimulationFixture _f = null!;

    public async Task InitializeAsync() => _f = await SimulationFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private JsonNode Status(string name) => _f.Get(GroupResource.StatefulSets, name)["status"]!;

    [Fact]
    public async Task Ordered_ready_creates_one_ordinal_at_a_time_and_scales_down_from_the_top()
    {
        _f.Store.Create(GroupResource.StatefulSets, StatefulSet("db", 3));
        await _f.Simulation.SyncAsync();
        Assert.Equal(["db-0"], _f.Pods().Select(Name));

        // db-1 waits until db-0 is Running and Ready (1 s start + 2 s readiness).
        await _f.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(["db-0"], _f.Pods().Select(Name));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal(["db-0", "db-1"], _f.Pods().Select(Name).Order());
        await _f.AdvanceAsync(TimeSpan.FromSeconds(8));
        Assert.Equal(["db-0", "db-1", "db-2"], _f.Pods().Select(Name).Order());
        Assert.All(_f.Pods(), p => Assert.True(IsReady(p)));
        var status = Status("db");
        Assert.Equal(3, (int)status["replicas"]!);
        Assert.Equal(3, (int)status["readyReplicas"]!);
        Assert.Equal(3, (int)status["updatedReplicas"]!);
        Assert.Equal((string?)status["updateRevision"], (string?)status["currentRevision"]);
        var pod0 = _f.Get(GroupResource.Pods, "db-0");
        Assert.Equal("db-0", (string?)pod0["metadata"]!["labels"]!["statefulset.kubernetes.io/pod-name"]);
        Assert.Equal("0", (string?)pod0["metadata"]!["labels"]!["apps.kubernetes.io/pod-index"]);
        Assert.Equal((string?)status["updateRevision"], (string?)pod0["metadata"]!["labels"]!["controller-revision-hash"]);

        _f.Scale(GroupResource.StatefulSets, "db", 1);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal(["db-0", "db-1"], _f.Pods().Select(Name).Order());
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal(["db-0"], _f.Pods().Select(Name));
        Assert.Equal(1, (int)Status("db")["replicas"]!);
    }

    [Fact]
    public async Task Parallel_creates_and_removes_all_at_once()
    {
        _f.Store.Create(GroupResource.StatefulSets, StatefulSet("cache", 3, parallel: true));
        await _f.Simulation.SyncAsync();
        Assert.Equal(["cache-0", "cache-1", "cache-2"], _f.Pods().Select(Name).Order());
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.Equal(3, (int)Status("cache")["readyReplicas"]!);

        _f.Scale(GroupResource.StatefulSets, "cache", 1);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal(["cache-0"], _f.Pods().Select(Name));
    }

    [Fact]
    public async Task A_template_change_replaces_pods_from_the_highest_ordinal()
    {
        _f.Store.Create(GroupResource.StatefulSets, StatefulSet("db", 2));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(8));
        var oldRevision = (string?)Status("db")["updateRevision"];

        _f.Store.Update(GroupResource.StatefulSets, "default", "db", o =>
        {
            o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.28";
            return true;
        });
        await _f.Simulation.SyncAsync();
        var newRevision = (string?)Status("db")["updateRevision"];
        Assert.NotEqual(oldRevision, newRevision);

        await _f.AdvanceAsync(TimeSpan.FromSeconds(20));
        Assert.All(_f.Pods(), p => Assert.Equal(newRevision, (string?)p["metadata"]!["labels"]!["controller-revision-hash"]));
        var status = Status("db");
        Assert.Equal(2, (int)status["updatedReplicas"]!);
        Assert.Equal(newRevision, (string?)status["currentRevision"]);
    }
}
