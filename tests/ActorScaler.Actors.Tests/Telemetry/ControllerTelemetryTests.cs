using System.Diagnostics;
using System.Diagnostics.Metrics;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Core.Decision;

namespace ActorScaler.Actors.Tests.Telemetry;

public sealed class ControllerTelemetryTests : IDisposable
{
    private readonly ActorScalerTelemetry _instruments = new();
    private readonly MeterListener _listener = new();
    private readonly List<(string Name, double Value, Dictionary<string, string?> Tags)> _measurements = [];

    public ControllerTelemetryTests()
    {
        // Only this test's Meter instance: other tests in the process use the shared one.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _instruments.Meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, string?>();
        foreach (var tag in tags)
            dictionary[tag.Key] = tag.Value?.ToString();
        lock (_measurements)
            _measurements.Add((instrument.Name, value, dictionary));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _instruments.Dispose();
    }

    private static string Labels(Dictionary<string, string?> tags) => string.Join(",", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    [Fact]
    public void A_scale_up_pass_records_upstreams_instruments_with_upstreams_labels()
    {
        var telemetry = new ControllerTelemetry(_instruments);
        var result = AutoscalerReconciler.Reconcile(TelemetryTestData.Input(withExternal: true), _ => ScaleWriteResult.Succeeded);

        telemetry.RecordPass(result, TimeSpan.FromMilliseconds(12), [TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(4)]);

        // cpu proposes 6 (scale_up); the external metric has no provider: internal error; the pass returns
        // that deferred error, so the reconciliation is scale_up with error=internal.
        Assert.Equal(
        [
            "horizontal_pod_autoscaler_controller_reconciliations_total 1 action=scale_up,error=internal",
            "horizontal_pod_autoscaler_controller_reconciliation_duration_seconds 0.012 action=scale_up,error=internal",
            "horizontal_pod_autoscaler_controller_metric_computation_total 1 action=scale_up,error=none,metric_type=Resource",
            "horizontal_pod_autoscaler_controller_metric_computation_duration_seconds 0.003 action=scale_up,error=none,metric_type=Resource",
            "horizontal_pod_autoscaler_controller_metric_computation_total 1 action=none,error=internal,metric_type=External",
            "horizontal_pod_autoscaler_controller_metric_computation_duration_seconds 0.004 action=none,error=internal,metric_type=External",
        ], _measurements.Select(m => $"{m.Name} {m.Value} {Labels(m.Tags)}"));
    }

    [Fact]
    public void Desired_replicas_per_hpa_exists_only_when_opted_in()
    {
        var telemetry = new ControllerTelemetry(_instruments);
        var result = AutoscalerReconciler.Reconcile(TelemetryTestData.Input(), _ => ScaleWriteResult.Succeeded);

        telemetry.RecordPass(result, TimeSpan.FromMilliseconds(1), hpaKey: "shop/web");
        _listener.RecordObservableInstruments();
        Assert.DoesNotContain(_measurements, m => m.Name == ActorScalerTelemetry.DesiredReplicasName);

        _instruments.PerHpaMetrics = true;
        telemetry.RecordPass(result, TimeSpan.FromMilliseconds(1), hpaKey: "shop/web");
        _listener.RecordObservableInstruments();
        var desired = Assert.Single(_measurements, m => m.Name == ActorScalerTelemetry.DesiredReplicasName);
        Assert.Equal((6.0, "hpa_name=web,namespace=shop"), (desired.Value, Labels(desired.Tags)));

        telemetry.HpaStopped("shop/web");
        _measurements.Clear();
        _listener.RecordObservableInstruments();
        Assert.DoesNotContain(_measurements, m => m.Name == ActorScalerTelemetry.DesiredReplicasName);
    }

    [Fact]
    public void Entity_counts_and_reachability_come_from_registered_members_with_a_member_label()
    {
        using var registration = _instruments.RegisterMember(new FixedMember());
        _listener.RecordObservableInstruments();

        Assert.Equal(
        [
            "actorscaler_cluster_members 1 member=akka.tcp://actorscaler@127.0.0.1:4053,reachability=unreachable",
            "actorscaler_cluster_members 2 member=akka.tcp://actorscaler@127.0.0.1:4053,reachability=reachable",
            "actorscaler_entities 4 kind=hpa,member=akka.tcp://actorscaler@127.0.0.1:4053",
            "actorscaler_entities 7 kind=node_scraper,member=akka.tcp://actorscaler@127.0.0.1:4053",
        ], _measurements.Select(m => $"{m.Name} {m.Value} {Labels(m.Tags)}").Order(StringComparer.Ordinal));

        registration.Dispose();
        _measurements.Clear();
        _listener.RecordObservableInstruments();
        Assert.Empty(_measurements);
    }

    [Fact]
    public void Ages_latencies_and_hpa_counts_go_to_their_instruments()
    {
        var telemetry = new ControllerTelemetry(_instruments);
        telemetry.RecordMetricAge("Resource", TimeSpan.FromSeconds(12.5));
        telemetry.RecordDecisionLatency(TimeSpan.FromSeconds(17));
        telemetry.HpaStarted();
        telemetry.HpaStarted();
        telemetry.HpaStopped("shop/web");

        Assert.Equal(
        [
            "actorscaler_metric_age_seconds 12.5 metric_type=Resource",
            "actorscaler_decision_latency_seconds 17 ",
            "horizontal_pod_autoscaler_controller_num_horizontal_pod_autoscalers 1 ",
            "horizontal_pod_autoscaler_controller_num_horizontal_pod_autoscalers 1 ",
            "horizontal_pod_autoscaler_controller_num_horizontal_pod_autoscalers -1 ",
        ], _measurements.Select(m => $"{m.Name} {m.Value} {Labels(m.Tags)}"));
    }

    [Fact]
    public void Upstream_duration_buckets_are_exponential_from_1ms_doubling_15_times()
    {
        var buckets = ActorScalerTelemetry.UpstreamDurationBuckets;
        Assert.Equal(15, buckets.Count);
        Assert.Equal(0.001, buckets[0]);
        Assert.Equal(16.384, buckets[14], 9);
    }

    [Fact]
    public void A_reconcile_span_continues_the_trace_of_the_traceparent_and_carries_the_decision()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ActorScalerTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) spans.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        var telemetry = new ControllerTelemetry(_instruments);
        var traceId = ActivityTraceId.CreateRandom();
        var parent = $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01";

        var decision = AutoscalerReconciler.Decide(TelemetryTestData.Input(withExternal: true));
        using (var reconcile = telemetry.StartReconcile("shop/web", parent, "member-a"))
        {
            Assert.NotNull(reconcile);
            // The pass's own traceparent: same trace, its own span id (what it hands on in messages).
            var captured = TraceContext.Capture(reconcile);
            Assert.StartsWith($"00-{traceId}-", captured, StringComparison.Ordinal);
            Assert.NotEqual(parent, captured);
            telemetry.RecordDecision(reconcile, decision.Explanation);
            // The reconcile span is not left current (actors hop threads): children name it.
            Assert.NotSame(reconcile, Activity.Current);
            using (telemetry.StartScaleWrite(6, reconcile!.Context))
            {
            }
            using (telemetry.StartStatusWrite(reconcile.Context))
            {
            }
            telemetry.RecordPass(AutoscalerReconciler.Complete(decision, ScaleWriteResult.Succeeded), TimeSpan.FromMilliseconds(5), reconcile: reconcile);
        }

        List<Activity> mine;
        lock (spans)
            mine = [.. spans.Where(s => s.TraceId == traceId)];
        var root = Assert.Single(mine, s => s.OperationName == ControllerTelemetry.ReconcileSpan);
        Assert.Equal(parent.Split('-')[2], root.ParentSpanId.ToHexString());
        Assert.Equal("shop", root.GetTagItem("k8s.namespace.name"));
        Assert.Equal("web", root.GetTagItem("k8s.hpa.name"));
        Assert.Equal(6, root.GetTagItem("actorscaler.replicas.desired"));
        Assert.Equal(6, root.GetTagItem("actorscaler.replicas.after_clamp"));
        Assert.Equal("None", root.GetTagItem("actorscaler.limit"));
        Assert.Equal("ReadyForNewScale", root.GetTagItem("actorscaler.stabilization.reason"));
        Assert.Equal(ActivityStatusCode.Error, root.Status);

        var children = mine.Where(s => s.ParentSpanId == root.SpanId).Select(s => s.OperationName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["hpa.metric", "hpa.metric", "hpa.scale.write", "hpa.status.write"], children);
        var cpu = Assert.Single(mine, s => s.OperationName == "hpa.metric" && (string?)s.GetTagItem("actorscaler.metric.type") == "Resource");
        Assert.Equal(("90% (900m)", "50%", "1.8", false, 6), ((string?)cpu.GetTagItem("actorscaler.metric.current"), (string?)cpu.GetTagItem("actorscaler.metric.target"),
            (string?)cpu.GetTagItem("actorscaler.metric.usage_ratio"), (bool?)cpu.GetTagItem("actorscaler.metric.within_tolerance"), (int?)cpu.GetTagItem("actorscaler.metric.proposed_replicas")));
        var external = Assert.Single(mine, s => s.OperationName == "hpa.metric" && (string?)s.GetTagItem("actorscaler.metric.type") == "External");
        Assert.Equal(ActivityStatusCode.Error, external.Status);
    }

    [Fact]
    public void A_missing_or_malformed_traceparent_starts_a_new_trace()
    {
        Assert.Equal(default, TraceContext.Restore(null));
        Assert.Equal(default, TraceContext.Restore("not-a-traceparent"));
        Assert.Null(TraceContext.Capture(null));
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var restored = TraceContext.Restore($"00-{traceId}-{spanId}-01");
        Assert.Equal((traceId, spanId, true), (restored.TraceId, restored.SpanId, restored.IsRemote));
    }

    private sealed class FixedMember : IMemberObservations
    {
        public string Member => "akka.tcp://actorscaler@127.0.0.1:4053";

        public IEnumerable<(string Kind, long Count)> EntityCounts() => [("hpa", 4), ("node_scraper", 7)];

        public (long Reachable, long Unreachable) Reachability() => (2, 1);
    }
}
