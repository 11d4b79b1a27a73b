using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Hpa;

public sealed class HpaSupervisorTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private const string Key = "default/web";

    private readonly FakeInputs _inputs = new();
    private readonly FakeMetrics _metrics = new();
    private readonly FakeWriter _writer;
    private readonly FakeTimeProvider _time = new(HpaFixtures.Now);

    public HpaSupervisorTests() => _writer = new FakeWriter(_inputs);

    private HpaControllerContext Context(bool shadow = false, ControllerSettings? settings = null) => new(
        new HpaControllerOptions
        {
            Settings = settings ?? ControllerSettings.Production,
            // Passes in these tests are triggered by EnsureHpa and by pushed metrics only.
            SyncPeriod = TimeSpan.FromHours(1),
            Shadow = shadow,
            FreshMetricsDebounce = TimeSpan.FromMilliseconds(20),
            MinPassInterval = TimeSpan.Zero,
        },
        _inputs, _metrics, _writer, _time);

    /// <summary>One pod at 200m of a 100m request against a 50 % target: 1 -> 4 replicas.</summary>
    private void OverloadedSingleReplica()
    {
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 1);
        _inputs.Pods["default/web-1"] = HpaFixtures.Pod("web-1", "web", 100);
        _metrics.SetCpu("default", "web-1", 200, HpaFixtures.Now.AddSeconds(-5));
    }

    private HpaOwner Owner(IActorRef entity)
    {
        entity.Tell(new GetHpaOwner(Key));
        return ExpectMsg<HpaOwner>(Wait);
    }

    [Fact]
    public void Rescales_the_target_writes_status_and_records_the_event()
    {
        OverloadedSingleReplica();
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        var write = Assert.Single(_writer.ScaleWrites);
        Assert.Equal(new ScaleWriteCall("default", "web", 4, "10"), write);
        _writer.StatusWrites.TryPeek(out var status);
        Assert.Equal(1, status!.CurrentReplicas);
        Assert.Equal(4, status.DesiredReplicas);
        Assert.Equal(200, Assert.Single(status.CurrentMetrics).Resource!.Current.AverageUtilization);
        var rescale = Assert.Single(_writer.Events, e => e.Reason == HpaEventReason.SuccessfulRescale);
        Assert.Equal("New size: 4; reason: cpu resource utilization (percentage of request) above target", rescale.Message);
        var owner = Owner(entity);
        Assert.Equal((1, 4, 1L), (owner.CurrentReplicas, owner.DesiredReplicas, owner.Passes));
    }

    /// <summary>The CPU HPA on a scale of 2 with two pods of 100m, web-1 and web-2.</summary>
    private void GivenTwoWebPods()
    {
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 2);
        _inputs.Pods["default/web-1"] = HpaFixtures.Pod("web-1", "web", 100);
        _inputs.Pods["default/web-2"] = HpaFixtures.Pod("web-2", "web", 100);
    }

    [Fact]
    public void A_sample_older_than_the_metrics_max_age_counts_as_missing_so_a_dead_scrapers_last_values_drive_nothing()
    {
        // Two pods; web-2's node was last scraped 40 s ago (its member died, its scraper has not moved
        // yet). On its old 10 % the pass would scale 2 -> 1; as a missing pod it counts 100 % of its
        // request on a scale-down (upstream's rule), which puts the average inside the tolerance.
        GivenTwoWebPods();
        _metrics.SetCpu("default", "web-1", 10, HpaFixtures.Now.AddSeconds(-5));
        _metrics.SetCpu("default", "web-2", 10, HpaFixtures.Now.AddSeconds(-40));
        // No stabilization window: the scale-down below is then only a matter of the samples.
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context(settings: ControllerSettings.Production with { DownscaleStabilizationWindow = TimeSpan.Zero })));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        Assert.Empty(_writer.ScaleWrites);
        _writer.StatusWrites.TryPeek(out var status);
        Assert.Equal((2, 2), (status!.CurrentReplicas, status.DesiredReplicas));

        // Once the node is scraped again the fresh 10 % counts, and the HPA scales down.
        _time.Advance(TimeSpan.FromSeconds(15));
        _metrics.SetCpu("default", "web-1", 10, _time.GetUtcNow().AddSeconds(-5));
        _metrics.SetCpu("default", "web-2", 10, _time.GetUtcNow().AddSeconds(-1));
        _metrics.Push();
        AwaitCondition(() => !_writer.ScaleWrites.IsEmpty, Wait, "no scale-down; statuses: " + string.Join(" | ", _writer.StatusWrites.Select(s => $"{s.CurrentReplicas}->{s.DesiredReplicas} " + string.Join(";", s.Conditions.Select(c => $"{c.Type}={c.Status}/{c.Reason}: {c.Message}")))));
        Assert.Equal(1, Assert.Single(_writer.ScaleWrites).Replicas);
    }

    [Fact]
    public void A_sample_with_an_old_kubelet_timestamp_counts_when_its_node_was_scraped_just_now()
    {
        // cAdvisor refreshes stats on its own 10-15 s schedule: web-2's sample is 40 s old by the
        // kubelet's clock but arrived in a scrape a second ago, so it is current. Both pods at 100 % of a
        // 50 % target give 4 replicas; had web-2 counted as missing (0 on a scale-up) the average would be
        // 50 %, the target, and nothing would scale.
        GivenTwoWebPods();
        _metrics.SetCpu("default", "web-1", 100, HpaFixtures.Now.AddSeconds(-5));
        _metrics.SetCpu("default", "web-2", 100, HpaFixtures.Now.AddSeconds(-40), receivedAt: HpaFixtures.Now.AddSeconds(-1));
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.ScaleWrites.IsEmpty && !_writer.StatusWrites.IsEmpty, Wait);
        _writer.StatusWrites.TryPeek(out var status);
        Assert.True(Assert.Single(_writer.ScaleWrites).Replicas == 4, $"{status!.CurrentReplicas}->{status.DesiredReplicas} " + string.Join(";", status.Conditions.Select(c => $"{c.Type}={c.Status}/{c.Reason}: {c.Message}")));
    }

    [Fact]
    public void Fresh_metrics_trigger_a_pass_and_an_unchanged_status_is_not_written_again()
    {
        // Two pods at exactly the target: no rescale; the first pass writes conditions and metrics.
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 2);
        foreach (var pod in new[] { "web-1", "web-2" })
        {
            _inputs.Pods["default/" + pod] = HpaFixtures.Pod(pod, "web", 100);
            _metrics.SetCpu("default", pod, 50, HpaFixtures.Now.AddSeconds(-5));
        }
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));
        AwaitCondition(() => Owner(entity).Passes == 1, Wait);
        Assert.Single(_metrics.Subscriptions);

        // The cache still shows the old status (the watch has not delivered our write): the entity
        // compares against what it wrote, so a second pass writes nothing.
        _time.Advance(TimeSpan.FromSeconds(15));
        _metrics.Push();
        AwaitCondition(() => Owner(entity).Passes == 2, Wait);
        Assert.Single(_writer.StatusWrites);
        Assert.Empty(_writer.ScaleWrites);

        // Load doubles: the next push rescales 2 -> 4.
        foreach (var pod in new[] { "web-1", "web-2" })
            _metrics.SetCpu("default", pod, 100, HpaFixtures.Now.AddSeconds(10));
        _metrics.Push();
        AwaitCondition(() => _writer.ScaleWrites.Count == 1, Wait);
        Assert.Equal(4, _writer.ScaleWrites.Single().Replicas);
    }

    [Fact]
    public void Metric_jitter_within_the_tolerance_is_written_only_once_per_refresh_interval()
    {
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 2);
        void Load(long milli)
        {
            foreach (var pod in new[] { "web-1", "web-2" })
            {
                _inputs.Pods["default/" + pod] = HpaFixtures.Pod(pod, "web", 100);
                _metrics.SetCpu("default", pod, milli, _time.GetUtcNow().AddSeconds(-5));
            }
        }
        Load(50);
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));
        AwaitCondition(() => _writer.StatusWrites.Count == 1, Wait);

        // 50m -> 51m (rate rounding): the same decision; not worth an API write yet.
        Load(51);
        _metrics.Push();
        AwaitCondition(() => Owner(entity).Passes == 2, Wait);
        Assert.Single(_writer.StatusWrites);

        // After 30 sync periods the current value is refreshed anyway.
        _time.Advance(TimeSpan.FromHours(31));
        Load(51);
        _metrics.Push();
        AwaitCondition(() => _writer.StatusWrites.Count == 2, Wait);
        Assert.Equal(51, _writer.StatusWrites.Last().CurrentMetrics[0].Resource!.Current.AverageUtilization);

        // A move beyond the tolerance (51 % -> 70 %) is written at once.
        Load(70);
        _metrics.Push();
        AwaitCondition(() => _writer.StatusWrites.Count == 3, Wait);
    }

    [Fact]
    public void Shadow_mode_annotates_the_decision_and_writes_nothing_else()
    {
        OverloadedSingleReplica();
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context(shadow: true)));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.ShadowAnnotations.IsEmpty, Wait);
        Assert.StartsWith("desiredReplicas=4 currentReplicas=1 reason=cpu resource utilization", _writer.ShadowAnnotations.Single());
        Assert.Equal(1, Owner(entity).Passes);
        Assert.Empty(_writer.ScaleWrites);
        Assert.Empty(_writer.StatusWrites);
        Assert.Empty(_writer.Events);
    }

    [Fact]
    public void A_conflicting_scale_write_is_re_read_and_decided_again()
    {
        OverloadedSingleReplica();
        _writer.CurrentTargetVersion = "11"; // someone wrote the Deployment after the cache saw "10"
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        Assert.Equal(["10", "11"], _writer.ScaleWrites.Select(w => w.ResourceVersion));
        Assert.Equal(1, _writer.ScaleReads);
        Assert.Equal(4, _writer.StatusWrites.Single().DesiredReplicas);
        Assert.DoesNotContain(_writer.Events, e => e.Reason == HpaEventReason.FailedRescale);
    }

    [Fact]
    public void A_pod_without_a_cpu_request_reports_upstreams_condition_and_event()
    {
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 1);
        _inputs.Pods["default/web-1"] = HpaFixtures.Pod("web-1", "web", cpuRequestMilli: 0);
        _metrics.SetCpu("default", "web-1", 200, HpaFixtures.Now.AddSeconds(-5));
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        var active = _writer.StatusWrites.Single().Conditions.Single(c => c.Type == HpaConditionType.ScalingActive);
        Assert.Equal(("False", "FailedGetResourceMetric"), (active.Status, active.Reason));
        Assert.StartsWith("the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu", active.Message);
        var failed = Assert.Single(_writer.Events, e => e.Reason == "FailedGetResourceMetric");
        Assert.StartsWith("failed to get cpu utilization: missing request for cpu", failed.Message);
        Assert.Empty(_writer.ScaleWrites);
    }

    [Fact]
    public void Two_hpas_on_the_same_pods_get_the_ambiguous_selector_condition()
    {
        OverloadedSingleReplica();
        var second = HpaFixtures.CpuHpa("web-too");
        // The second HPA targets the same Deployment, so its scale selector matches the same pods.
        _inputs.Put(second with { Spec = second.Spec with { ScaleTargetRef = second.Spec.ScaleTargetRef with { Name = "web" } } });
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        var active = _writer.StatusWrites.Single().Conditions.Single(c => c.Type == HpaConditionType.ScalingActive);
        Assert.Equal(("False", "AmbiguousSelector"), (active.Status, active.Reason));
        Assert.Contains("default/web-too", active.Message, StringComparison.Ordinal);
        Assert.Contains(_writer.Events, e => e.Reason == HpaEventReason.AmbiguousSelector);
        Assert.Empty(_writer.ScaleWrites);
    }

    [Fact]
    public void A_changed_spec_is_reconciled_at_once_and_keep_alives_alone_do_not_trigger_passes()
    {
        OverloadedSingleReplica();
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));
        AwaitCondition(() => Owner(entity).Passes == 1, Wait);

        entity.Tell(new EnsureHpa(Key));
        entity.Tell(new EnsureHpa(Key));
        Assert.Equal(1, Owner(entity).Passes);

        // maxReplicas lowered to 2 (generation 2): the next ensure reconciles without waiting a period.
        var hpa = HpaFixtures.CpuHpa(max: 2);
        _inputs.Put(hpa with { Metadata = hpa.Metadata with { Generation = 2, ResourceVersion = "2" } });
        entity.Tell(new EnsureHpa(Key));
        AwaitCondition(() => Owner(entity).Passes == 2, Wait);
    }

    [Fact]
    public void The_sync_period_annotation_overrides_the_flag()
    {
        OverloadedSingleReplica();
        _inputs.Put(HpaFixtures.CpuHpa(annotations: new Dictionary<string, string> { [HpaSelection.SyncPeriodAnnotation] = "1s" }));
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));

        // The flag says one hour; the annotation's 1s (+ up to 10 % jitter) brings the next passes.
        AwaitCondition(() => Owner(entity).Passes >= 3, TimeSpan.FromSeconds(6), TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Passivates_when_its_hpa_is_deleted_or_stopped()
    {
        OverloadedSingleReplica();
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));
        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);

        _inputs.Delete(Key);
        _metrics.Push();
        // The reconciler gives a lagging cache a few seconds before it concludes the HPA is gone.
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        _time.Advance(TimeSpan.FromSeconds(6));
        var passivate = ExpectMsg<Passivate>(Wait);
        Assert.Equal(PoisonPill.Instance, passivate.StopMessage);

        var second = ChildActorOf(HpaSupervisor.Props("default/other", Context()));
        second.Tell(new StopHpa("default/other"));
        ExpectMsg<Passivate>(Wait);
    }

    [Fact]
    public void Waits_for_the_caches_to_sync_before_the_first_pass()
    {
        OverloadedSingleReplica();
        _inputs.Synced = false;
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Empty(_writer.ScaleWrites);

        _inputs.Synced = true;
        AwaitCondition(() => _writer.ScaleWrites.Count == 1, Wait);
    }
}
