using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorScaler.Simulator.Storage;
using Xunit;
using static ActorScaler.Simulator.Tests.Workloads.SimulationFixture;

namespace ActorScaler.Simulator.Tests.Workloads;

public sealed class DeploymentControllerTests : IAsyncLifetime
{
    private SimulationFixture _f = null!;

    public async Task InitializeAsync() => _f = await SimulationFixture.StartAsync();

    public async Task DisposeAsync() => await _f.DisposeAsync();

    private JsonObject DeploymentStatus(string name) => (JsonObject)_f.Get(GroupResource.Deployments, name)["status"]!;

    [Fact]
    public async Task A_deployment_gets_a_hashed_replica_set_whose_pods_go_pending_running_ready()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("web", 3));
        await _f.Simulation.SyncAsync();

        var rs = Assert.Single(_f.Store.List(GroupResource.ReplicaSets).Items).ToJsonObject();
        var rsName = Name(rs);
        var hash = (string)rs["metadata"]!["labels"]!["pod-template-hash"]!;
        Assert.Equal($"web-{hash}", rsName);
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]{6,10}$", hash);
        Assert.Equal("Deployment", (string?)rs["metadata"]!["ownerReferences"]![0]!["kind"]);

        var pods = _f.Pods();
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.Matches(new Regex($"^{rsName}-[bcdfghjklmnpqrstvwxz2456789]{{5}}$"), Name(p));
            Assert.Equal("Pending", Phase(p));
            Assert.StartsWith("sim-node-", (string?)p["spec"]!["nodeName"]);
            Assert.Equal(hash, (string?)p["metadata"]!["labels"]!["pod-template-hash"]);
        });
        // Spread by free CPU: three equal nodes get one pod each.
        Assert.Equal(3, pods.Select(p => (string?)p["spec"]!["nodeName"]).Distinct().Count());
        Assert.Equal(3, (int)DeploymentStatus("web")["replicas"]!);
        Assert.Equal(0, (int)DeploymentStatus("web")["readyReplicas"]!);

        await _f.AdvanceAsync(TimeSpan.FromSeconds(1));
        pods = _f.Pods();
        Assert.All(pods, p =>
        {
            Assert.Equal("Running", Phase(p));
            Assert.False(IsReady(p));
            Assert.Equal("127.0.0.1", (string?)p["status"]!["podIP"]);
            Assert.NotNull(p["status"]!["startTime"]);
        });

        await _f.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.All(_f.Pods(), p => Assert.True(IsReady(p)));
        var status = DeploymentStatus("web");
        Assert.Equal(3, (int)status["replicas"]!);
        Assert.Equal(3, (int)status["readyReplicas"]!);
        Assert.Equal(3, (int)status["availableReplicas"]!);
        Assert.Equal(3, (int)status["updatedReplicas"]!);
        Assert.Equal(1, (long)status["observedGeneration"]!);
        var rsStatus = _f.Get(GroupResource.ReplicaSets, rsName)["status"]!;
        Assert.Equal(3, (int)rsStatus["readyReplicas"]!);
    }

    [Fact]
    public async Task Scale_down_removes_unready_pods_first_then_the_newest_after_a_grace_period()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("web", 2));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        var original = _f.Pods().Select(Name).ToHashSet();

        _f.Scale(GroupResource.Deployments, "web", 4);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5)); // the new pods run but are not Ready yet
        Assert.Equal(4, _f.Pods().Count);

        _f.Scale(GroupResource.Deployments, "web", 2);
        await _f.Simulation.SyncAsync();
        Assert.Equal(2, (int)DeploymentStatus("web")["replicas"]!);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Equal(original, _f.Pods().Select(Name).ToHashSet());

        // All Ready now: the newest goes first.
        _f.Scale(GroupResource.Deployments, "web", 3);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        var third = Assert.Single(_f.Pods().Select(Name).Except(original));
        Assert.All(_f.Pods(), p => Assert.True(IsReady(p)));
        _f.Time.Advance(TimeSpan.FromSeconds(5));
        _f.Scale(GroupResource.Deployments, "web", 2);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(third, _f.Pods().Select(Name));
        Assert.Equal(2, (int)DeploymentStatus("web")["readyReplicas"]!);
    }

    [Fact]
    public async Task A_terminated_pod_stops_being_ready_at_once_and_disappears_after_the_grace_period()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("web", 1));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        var pod = Name(Assert.Single(_f.Pods()));
        var events = _f.Store.Watch(GroupResource.Pods);
        _f.Scale(GroupResource.Deployments, "web", 0);
        await _f.Simulation.SyncAsync();

        var stillThere = _f.Get(GroupResource.Pods, pod);
        Assert.False(IsReady(stillThere));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(1.5));
        Assert.Empty(_f.Pods());
        Assert.Equal(0, (int)DeploymentStatus("web")["replicas"]!);

        var seen = new List<WatchEventType>();
        while (events.Events.TryRead(out var e)) seen.Add(e.Type);
        Assert.Contains(WatchEventType.Deleted, seen);
        events.Dispose();
    }

    [Fact]
    public async Task A_template_change_rolls_out_a_new_replica_set_and_scales_the_old_one_down()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("web", 2));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        var oldRs = Name(Assert.Single(_f.Store.List(GroupResource.ReplicaSets).Items).ToJsonObject());

        _f.Store.Update(GroupResource.Deployments, "default", "web", o =>
        {
            o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "nginx:1.28";
            return true;
        });
        await _f.Simulation.SyncAsync();
        var sets = _f.Store.List(GroupResource.ReplicaSets).Items.Select(i => i.ToJsonObject()).ToList();
        Assert.Equal(2, sets.Count);
        var newRs = sets.Single(s => Name(s) != oldRs);
        Assert.Equal("2", (string?)newRs["metadata"]!["annotations"]!["deployment.kubernetes.io/revision"]);
        // Mid-rollout: the new pods exist but are not available, so the old ones stay.
        var midway = DeploymentStatus("web");
        Assert.Equal(4, (int)midway["replicas"]!);
        Assert.Equal(2, (int)midway["updatedReplicas"]!);
        Assert.Equal(2, (int)midway["readyReplicas"]!);

        await _f.AdvanceAsync(TimeSpan.FromSeconds(6));
        Assert.Equal(0, (int)_f.Get(GroupResource.ReplicaSets, oldRs)["spec"]!["replicas"]!);
        var pods = _f.Pods();
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.StartsWith(Name(newRs) + "-", Name(p)));
        var status = DeploymentStatus("web");
        Assert.Equal(2, (int)status["updatedReplicas"]!);
        Assert.Equal(2, (int)status["availableReplicas"]!);
        Assert.Equal(2, (long)status["observedGeneration"]!);
    }

    [Fact]
    public async Task Pods_that_fit_no_node_stay_pending_unschedulable_until_room_frees_up()
    {
        // 3 nodes x 8 CPU: five 5-CPU pods leave two without room.
        _f.Store.Create(GroupResource.Deployments, Deployment("big", 5, cpuRequest: "5"));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        var pods = _f.Pods();
        Assert.Equal(3, pods.Count(p => p["spec"]!["nodeName"] is not null));
        var pending = pods.Where(p => p["spec"]!["nodeName"] is null).ToList();
        Assert.Equal(2, pending.Count);
        Assert.All(pending, p =>
        {
            Assert.Equal("Pending", Phase(p));
            var scheduled = p["status"]!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "PodScheduled")!;
            Assert.Equal("False", (string?)scheduled["status"]);
            Assert.Equal("Unschedulable", (string?)scheduled["reason"]);
        });

        _f.Scale(GroupResource.Deployments, "big", 3);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(3, _f.Pods().Count);
        Assert.All(_f.Pods(), p => Assert.NotNull(p["spec"]!["nodeName"]));
    }

    [Fact]
    public async Task Deleting_a_deployment_collects_its_replica_sets_and_pods()
    {
        _f.Store.Create(GroupResource.Deployments, Deployment("web", 2));
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        _f.Store.Delete(GroupResource.Deployments, "default", "web");
        await _f.AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Empty(_f.Store.List(GroupResource.ReplicaSets).Items);
        Assert.Empty(_f.Pods());
    }

    [Fact]
    public async Task A_bare_pod_created_through_the_api_is_scheduled_and_run()
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = "solo", ["namespace"] = "default" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) },
        };
        _f.Store.Create(GroupResource.Pods, pod);
        await _f.AdvanceAsync(TimeSpan.FromSeconds(4));
        var solo = _f.Get(GroupResource.Pods, "solo");
        Assert.Equal("Running", Phase(solo));
        Assert.True(IsReady(solo));
        Assert.NotNull(_f.Simulation.Usage.Rates("default", "solo"));
    }
}
