using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Protocol;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>The split between HPA supervisors (one per HPA) and scale-target entities (one per target,
/// parents of the HPAs' reconcilers), with a router that stands in for the "scale-target" shard region.</summary>
public sealed class ScaleTargetReconcilerTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly FakeInputs _inputs = new();
    private readonly FakeMetrics _metrics = new();
    private readonly FakeWriter _writer;
    private readonly FakeTimeProvider _time = new(HpaFixtures.Now);

    public ScaleTargetReconcilerTests() => _writer = new FakeWriter(_inputs);

    private HpaControllerContext Context() => new(
        new HpaControllerOptions { SyncPeriod = TimeSpan.FromHours(1), FreshMetricsDebounce = TimeSpan.FromMilliseconds(20), MinPassInterval = TimeSpan.Zero },
        _inputs, _metrics, _writer, _time);

    /// <summary>What the shard region does for these tests: one entity per target key, envelopes
    /// unwrapped, Passivate answered by stopping the entity.</summary>
    private sealed class TargetRegion : ReceiveActor
    {
        private readonly HpaControllerContext _context;

        public TargetRegion(HpaControllerContext context)
        {
            _context = context;
            Receive<ShardingEnvelope>(envelope => EntityOf(envelope.EntityId).Forward(envelope.Message));
            Receive<IWithScaleTarget>(message => EntityOf(message.TargetKey).Forward(message));
            Receive<Passivate>(_ => Context.Stop(Sender));
        }

        private IActorRef EntityOf(string key)
        {
            var name = Uri.EscapeDataString(key);
            var child = Context.Child(name);
            if (!child.IsNobody())
                return child;
            return Context.ActorOf(ScaleTargetReconciler.Props(key, _context), name);
        }
    }

    private void Workload(string name, int replicas, int podMilli)
    {
        _inputs.Scales["default/" + name] = HpaFixtures.Scale(name, replicas);
        for (var i = 1; i <= replicas; i++)
        {
            _inputs.Pods[$"default/{name}-{i}"] = HpaFixtures.Pod($"{name}-{i}", name, 100);
            _metrics.SetCpu("default", $"{name}-{i}", podMilli, HpaFixtures.Now.AddSeconds(-5));
        }
    }

    private ActorPath ReconcilerPath(IActorRef supervisor, string hpaKey)
    {
        supervisor.Tell(new GetHpaOwner(hpaKey));
        ExpectMsg<HpaOwner>(Wait);
        return LastSender.Path;
    }

    /// <summary>The "web" target's entity, watched, with its HPA's reconciler started (its first pass runs).</summary>
    private IActorRef WatchedTargetWithOnePass(int replicas, int podMilli)
    {
        Workload("web", replicas, podMilli);
        _inputs.Put(HpaFixtures.CpuHpa("web"));
        var target = Sys.ActorOf(ScaleTargetReconciler.Props("default/deployments/web", Context()));
        Watch(target);
        target.Tell(new ReconcileHpa("default/deployments/web", "default/web", null, []));
        return target;
    }

    /// <summary>The "web" target's entity after its pass scaled 1 -> 4, with the pass's status write
    /// held until <paramref name="statusGate"/> completes (a request on the wire).</summary>
    private IActorRef TargetWithStatusWriteInFlight(out TaskCompletionSource statusGate)
    {
        statusGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writer.StatusGate = statusGate.Task;
        var target = WatchedTargetWithOnePass(1, 200);
        AwaitCondition(() => !_writer.ScaleWrites.IsEmpty, Wait);
        return target;
    }

    [Fact]
    public void A_handed_off_target_stops_only_once_its_reconcilers_writes_in_flight_have_landed()
    {
        // The pass scales 1 -> 4 and then writes the status, which hangs (a request on the wire).
        var target = TargetWithStatusWriteInFlight(out var gate);

        // The shard hands the target off (rebalance, graceful leave): it must not stop while the status
        // write is in flight, or the next owner could write before it lands.
        target.Tell(HandOffReconcilers.Instance);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Empty(_writer.StatusWrites);

        gate.SetResult();
        ExpectTerminated(target, Wait);
        Assert.Single(_writer.StatusWrites);
        // Nothing new was started on the way out.
        Assert.Single(_writer.ScaleWrites);
    }

    [Fact]
    public void A_handed_off_reconciler_whose_write_does_not_finish_stops_and_its_queued_write_is_never_sent()
    {
        var target = TargetWithStatusWriteInFlight(out var never);

        target.Tell(HandOffReconcilers.Instance);
        // After its drain time (1 s, well inside Akka's entity hand-off window) it stops anyway, and the
        // write still waiting for a connection is dropped rather than landing after the next owner's.
        ExpectTerminated(target, Wait);
        AwaitCondition(() => _writer.CancelledWrites == 1, Wait);
        never.SetResult();
        Assert.Empty(_writer.StatusWrites);
    }

    [Fact]
    public void A_handed_off_target_with_nothing_in_flight_stops_at_once()
    {
        var target = WatchedTargetWithOnePass(2, 50);
        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        target.Tell(HandOffReconcilers.Instance);
        ExpectTerminated(target, Wait);
    }

    [Fact]
    public void Two_hpas_of_one_target_are_reconciled_in_that_targets_one_entity_and_neither_writes_its_scale()
    {
        Workload("web", 1, 200);
        var first = HpaFixtures.CpuHpa("web");
        var second = HpaFixtures.CpuHpa("web-too");
        _inputs.Put(first);
        _inputs.Put(second with { Spec = second.Spec with { ScaleTargetRef = first.Spec.ScaleTargetRef } });
        var region = Sys.ActorOf(Props.Create(() => new TargetRegion(Context())));
        var a = Sys.ActorOf(HpaSupervisor.Props("default/web", Context(), targets: region));
        var b = Sys.ActorOf(HpaSupervisor.Props("default/web-too", Context(), targets: region));
        a.Tell(new EnsureHpa("default/web"));
        b.Tell(new EnsureHpa("default/web-too"));

        AwaitCondition(() => _writer.StatusWrites.Count >= 2, Wait);
        var pathA = ReconcilerPath(a, "default/web");
        var pathB = ReconcilerPath(b, "default/web-too");
        Assert.Equal(pathA.Parent, pathB.Parent);
        Assert.Equal(Uri.EscapeDataString("default/deployments/web"), pathA.Parent.Name);
        Assert.All(_writer.StatusWrites, status =>
            Assert.Equal("AmbiguousSelector", status.Conditions.Single(c => c.Type == HpaConditionType.ScalingActive).Reason));
        Assert.Empty(_writer.ScaleWrites);
    }

    [Fact]
    public async Task A_retargeted_hpa_moves_its_reconciler_to_the_new_targets_entity_and_the_old_one_passivates()
    {
        Workload("web", 1, 200);
        Workload("web-v2", 1, 200);
        var hpa = HpaFixtures.CpuHpa("web");
        _inputs.Put(hpa);
        var region = Sys.ActorOf(Props.Create(() => new TargetRegion(Context())));
        var supervisor = Sys.ActorOf(HpaSupervisor.Props("default/web", Context(), targets: region));
        supervisor.Tell(new EnsureHpa("default/web"));
        AwaitCondition(() => _writer.ScaleWrites.Any(w => w.Target == "web"), Wait);
        var before = ReconcilerPath(supervisor, "default/web");
        var oldEntity = await Sys.ActorSelection(before.Parent).ResolveOne(Wait);
        Watch(oldEntity);

        _inputs.Put(hpa with
        {
            Metadata = hpa.Metadata with { Generation = 2, ResourceVersion = "2" },
            Spec = hpa.Spec with { ScaleTargetRef = hpa.Spec.ScaleTargetRef with { Name = "web-v2" } },
        });
        supervisor.Tell(new EnsureHpa("default/web"));

        ExpectTerminated(oldEntity, Wait);
        AwaitCondition(() => _writer.ScaleWrites.Any(w => w.Target == "web-v2" && w.Replicas == 4), Wait);
        Assert.Equal(Uri.EscapeDataString("default/deployments/web-v2"), ReconcilerPath(supervisor, "default/web").Parent.Name);
        Assert.Single(_writer.ScaleWrites, w => w.Target == "web");
    }

    [Fact]
    public async Task A_stopped_hpa_releases_its_reconciler()
    {
        Workload("web", 1, 200);
        _inputs.Put(HpaFixtures.CpuHpa("web"));
        var region = Sys.ActorOf(Props.Create(() => new TargetRegion(Context())));
        var parent = CreateTestProbe();
        var supervisor = parent.ChildActorOf(HpaSupervisor.Props("default/web", Context(), targets: region));
        supervisor.Tell(new EnsureHpa("default/web"));
        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        var entity = await Sys.ActorSelection(ReconcilerPath(supervisor, "default/web").Parent).ResolveOne(Wait);
        Watch(entity);

        supervisor.Tell(new StopHpa("default/web"));

        parent.ExpectMsg<Passivate>(Wait);
        ExpectTerminated(entity, Wait);
    }
}
