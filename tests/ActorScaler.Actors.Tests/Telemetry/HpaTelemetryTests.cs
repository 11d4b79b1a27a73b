using System.Diagnostics.Metrics;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;

namespace ActorScaler.Actors.Tests.Telemetry;

/// <summary>The entity-side helper: sample ages, and a pass's metrics recorded once, when it ends.</summary>
public sealed class HpaTelemetryTests : IDisposable
{
    private readonly ActorScalerTelemetry _instruments = new();
    private readonly MeterListener _listener = new();
    private readonly List<string> _measured = [];

    public HpaTelemetryTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, _instruments.Meter))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // Durations vary: keep their label set only.
        var shown = instrument.Name.EndsWith("duration_seconds", StringComparison.Ordinal) ? "" : $" {value}";
        _measured.Add($"{instrument.Name}{shown} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}");
    }

    public void Dispose()
    {
        _listener.Dispose();
        _instruments.Dispose();
    }

    [Fact]
    public void A_pass_records_sample_ages_at_start_and_its_metrics_once_at_the_end_with_the_write_latency()
    {
        var hpa = new HpaTelemetry("shop/web", "member-a", new ControllerTelemetry(_instruments));
        // Resource samples 10 s old (TelemetryTestData), a Pods metric sampled 30 s ago.
        var input = TelemetryTestData.Input();
        input = input with
        {
            Metrics = input.Metrics with
            {
                PodsMetrics = new Dictionary<string, PodCustomMetrics>
                {
                    ["http_requests"] = new([new PodMetricSample("web-0", 5000, TelemetryTestData.Now.AddSeconds(-30), TimeSpan.FromMinutes(1))]),
                },
            },
        };

        hpa.PassStarted(input);
        Assert.Equal(["actorscaler_metric_age_seconds 10 metric_type=Resource", "actorscaler_metric_age_seconds 30 metric_type=Pods"], _measured);
        _measured.Clear();

        var decision = AutoscalerReconciler.Decide(input);
        var result = AutoscalerReconciler.Complete(decision, ScaleWriteResult.Succeeded);
        hpa.Decided(decision, result, TelemetryTestData.Now.AddSeconds(2));
        // The write finished 2 s after the pass's clock, 12 s after the newest resource sample.
        Assert.Equal(["actorscaler_decision_latency_seconds 12 "], _measured);
        _measured.Clear();

        hpa.StatusWriteFailed("the server rejected the status");
        hpa.PassEnded();
        hpa.PassEnded();
        Assert.Equal(
        [
            "horizontal_pod_autoscaler_controller_reconciliations_total 1 action=scale_up,error=internal",
            "horizontal_pod_autoscaler_controller_reconciliation_duration_seconds action=scale_up,error=internal",
            "horizontal_pod_autoscaler_controller_metric_computation_total 1 action=scale_up,error=none,metric_type=Resource",
        ], _measured);
        var record = Assert.Single(hpa.History);
        Assert.Equal((6, 6), (record.FinalReplicas, record.ScaledTo));
    }

    [Fact]
    public void A_pass_that_ends_without_a_decision_records_no_reconciliation()
    {
        var hpa = new HpaTelemetry("shop/web", "member-a", new ControllerTelemetry(_instruments));
        hpa.PassStarted(TelemetryTestData.Input());
        _measured.Clear();
        hpa.PassEnded();
        Assert.Empty(_measured);
        Assert.Empty(hpa.History);
    }

    [Fact]
    public void The_entity_counts_itself_once_and_uncounts_on_stop()
    {
        var hpa = new HpaTelemetry("shop/web", "member-a", new ControllerTelemetry(_instruments));
        hpa.EntityStarted();
        hpa.EntityStarted();
        hpa.EntityStopped();
        hpa.EntityStopped();
        Assert.Equal(
        [
            "horizontal_pod_autoscaler_controller_num_horizontal_pod_autoscalers 1 ",
            "horizontal_pod_autoscaler_controller_num_horizontal_pod_autoscalers -1 ",
        ], _measured);
    }
}
