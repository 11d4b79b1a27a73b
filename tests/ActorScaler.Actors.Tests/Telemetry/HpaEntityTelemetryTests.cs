using System.Diagnostics;
using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Actors.Tests.Hpa;
using ActorScaler.Core.Decision;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Telemetry;

/// <summary>The HPA entity's telemetry: the span tree of a pass continuing the trace its EnsureHpa carried,
/// and the decision history it answers with.</summary>
public sealed class HpaEntityTelemetryTests : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private const string Key = "default/web";

    private readonly FakeInputs _inputs = new();
    private readonly FakeMetrics _metrics = new();
    private readonly FakeWriter _writer;
    private readonly FakeTimeProvider _time = new(HpaFixtures.Now);
    private readonly List<Activity> _spans = [];
    private readonly ActivityListener _listener;

    public HpaEntityTelemetryTests()
    {
        _writer = new FakeWriter(_inputs);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActorScalerTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (_spans)
                    _spans.Add(activity);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    void IDisposable.Dispose()
    {
        _listener.Dispose();
        Dispose();
    }

    private HpaControllerContext Context() => new(
        new HpaControllerOptions
        {
            SyncPeriod = TimeSpan.FromHours(1),
            FreshMetricsDebounce = TimeSpan.FromMilliseconds(20),
            MinPassInterval = TimeSpan.Zero,
        },
        _inputs, _metrics, _writer, _time);

    private List<Activity> SpansOf(ActivityTraceId trace)
    {
        lock (_spans)
            return [.. _spans.Where(s => s.TraceId == trace)];
    }

    [Fact]
    public void A_pass_continues_the_ensures_trace_with_metric_and_write_spans_and_lands_in_the_history()
    {
        // One pod at 200m of a 100m request against 50%: ratio 4, 1 -> 4.
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 1);
        _inputs.Pods["default/web-1"] = HpaFixtures.Pod("web-1", "web", 100);
        _metrics.SetCpu("default", "web-1", 200, HpaFixtures.Now.AddSeconds(-5));
        var trace = ActivityTraceId.CreateRandom();
        var change = ActivitySpanId.CreateRandom();

        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key, $"00-{trace}-{change}-01"));
        AwaitCondition(() => SpansOf(trace).Any(s => s.OperationName == ControllerTelemetry.ReconcileSpan), Wait);

        var spans = SpansOf(trace);
        var reconcile = Assert.Single(spans, s => s.OperationName == ControllerTelemetry.ReconcileSpan);
        Assert.Equal(change, reconcile.ParentSpanId);
        Assert.Equal(("default", "web", 4, "None"), ((string?)reconcile.GetTagItem("k8s.namespace.name"), (string?)reconcile.GetTagItem("k8s.hpa.name"),
            (int?)reconcile.GetTagItem("actorscaler.replicas.desired"), (string?)reconcile.GetTagItem("actorscaler.limit")));
        Assert.Equal(("scale_up", "none"), ((string?)reconcile.GetTagItem("actorscaler.monitor.action"), (string?)reconcile.GetTagItem("actorscaler.monitor.error")));
        Assert.Equal(["hpa.metric", "hpa.scale.write", "hpa.status.write"],
            spans.Where(s => s.ParentSpanId == reconcile.SpanId).Select(s => s.OperationName).Order(StringComparer.Ordinal));
        var metric = Assert.Single(spans, s => s.OperationName == ControllerTelemetry.MetricSpan);
        Assert.Equal(("200% (200m)", "50%", 4), ((string?)metric.GetTagItem("actorscaler.metric.current"), (string?)metric.GetTagItem("actorscaler.metric.target"),
            (int?)metric.GetTagItem("actorscaler.metric.proposed_replicas")));
        Assert.Equal(4, (int?)Assert.Single(spans, s => s.OperationName == ControllerTelemetry.ScaleWriteSpan).GetTagItem("actorscaler.scale.replicas"));

        var asker = ActivityTraceId.CreateRandom();
        entity.Tell(new GetDecisionHistory(Key, $"00-{asker}-{ActivitySpanId.CreateRandom()}-01"));
        var reply = ExpectMsg<DecisionHistoryReply>(Wait);
        var record = Assert.Single(reply.Records);
        Assert.Equal((Key, "Rescale", 1, 4, 4, trace.ToHexString()), (reply.HpaKey, record.Outcome, record.CurrentReplicas, record.FinalReplicas, record.ScaledTo, record.TraceId));
        Assert.Equal(new MetricExplanation("Resource", "cpu resource utilization (percentage of request)", "200% (200m)", "50%", 4.0, false, 4, null), Assert.Single(record.Metrics));
        Assert.Equal((4, 4, 4, 4), (record.Recommendation, record.Stabilized, record.AfterPolicies, record.AfterClamp));
        Assert.Equal(reply.Member, record.Member);
        // The answer joined the asker's trace (it may come from another member's endpoint).
        AwaitCondition(() => SpansOf(asker).Any(s => s.OperationName == HpaTelemetry.HistorySpan), Wait);
    }

    [Fact]
    public void A_steady_hpa_folds_identical_passes_into_one_record()
    {
        // Two pods at the 50% target: no change, pass after pass.
        _inputs.Put(HpaFixtures.CpuHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 2);
        foreach (var pod in new[] { "web-1", "web-2" })
        {
            _inputs.Pods["default/" + pod] = HpaFixtures.Pod(pod, "web", 100);
            _metrics.SetCpu("default", pod, 50, HpaFixtures.Now.AddSeconds(-5));
        }
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context()));
        entity.Tell(new EnsureHpa(Key));
        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        for (var i = 0; i < 3; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(15));
            // A new scrape of the same usage (samples older than the metrics' max age count as missing).
            foreach (var pod in new[] { "web-1", "web-2" })
                _metrics.SetCpu("default", pod, 50, _time.GetUtcNow().AddSeconds(-5));
            _metrics.Push();
            AwaitAssert(() =>
            {
                entity.Tell(new GetHpaOwner(Key));
                Assert.True(ExpectMsg<HpaOwner>(Wait).Passes >= i + 2);
            }, Wait);
        }

        entity.Tell(new GetDecisionHistory(Key));
        var record = Assert.Single(ExpectMsg<DecisionHistoryReply>(Wait).Records);
        Assert.Equal(("NoRescale", 2, 2), (record.Outcome, record.CurrentReplicas, record.FinalReplicas));
        Assert.True(record.Repeats >= 4, $"{record.Repeats} passes folded");
        Assert.Equal(HpaFixtures.Now, record.Time);
        Assert.True(record.LastTime >= HpaFixtures.Now.AddSeconds(45));
    }
}
