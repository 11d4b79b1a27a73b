using System.Collections.Concurrent;
using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>A provider whose answers the test sets; it records every call.</summary>
internal sealed class FakeCustomMetrics : ICustomMetricsProvider
{
    public ConcurrentQueue<(string Metric, string PodSelector, string[] Pods, DateTimeOffset At)> Calls { get; } = new();
    /// <summary>Per-pod value of every Pods metric (null = fail with <see cref="Failure"/>).</summary>
    public long? PodValueMilli { get; set; }
    public long? ExternalValueMilli { get; set; }
    public string Failure { get; set; } = "prometheus http://127.0.0.1:9 is unreachable: connection refused";
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public string Name => "fake";

    public Task<IReadOnlyList<PodCustomMetricValue>> GetPodsMetricAsync(string ns, string metricName, string podSelector, IReadOnlyList<string> podNames,
        LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        Calls.Enqueue((metricName, podSelector, [.. podNames], DateTimeOffset.UtcNow));
        if (PodValueMilli is not { } value)
            throw new CustomMetricsException(Failure);
        IReadOnlyList<PodCustomMetricValue> values = podNames.Select(p => new PodCustomMetricValue(p, value, Time.GetUtcNow(), TimeSpan.FromMinutes(1))).ToList();
        return Task.FromResult(values);
    }

    public Task<CustomMetricValue> GetObjectMetricAsync(string ns, CrossVersionObjectReference describedObject, string metricName, LabelSelector? metricSelector,
        CancellationToken cancellationToken) => throw new CustomMetricsException(Failure);

    public Task<IReadOnlyList<CustomMetricValue>> GetExternalMetricAsync(string ns, string metricName, LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        Calls.Enqueue((metricName, "", [], DateTimeOffset.UtcNow));
        if (ExternalValueMilli is not { } value)
            throw new CustomMetricsException(Failure);
        IReadOnlyList<CustomMetricValue> values = [new CustomMetricValue(value, Time.GetUtcNow(), TimeSpan.Zero)];
        return Task.FromResult(values);
    }
}

public sealed class CustomMetricSourceTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private const string Key = "default/web";

    private readonly FakeInputs _inputs = new();
    private readonly FakeMetrics _metrics = new();
    private readonly FakeWriter _writer;
    private readonly FakeTimeProvider _time = new(HpaFixtures.Now);
    private readonly FakeCustomMetrics _provider;

    public CustomMetricSourceTests()
    {
        _writer = new FakeWriter(_inputs);
        _provider = new FakeCustomMetrics { Time = _time };
    }

    private HpaControllerContext Context(TimeSpan pollInterval, TimeSpan? syncPeriod = null) => new(
        new HpaControllerOptions
        {
            SyncPeriod = syncPeriod ?? TimeSpan.FromHours(1),
            FreshMetricsDebounce = TimeSpan.FromMilliseconds(20),
            MinPassInterval = TimeSpan.Zero,
            CustomMetricsPollInterval = pollInterval,
            CustomMetricsStalenessBudget = TimeSpan.FromMinutes(2),
            // Scale-downs here are about the metrics, not the stabilization window.
            Settings = ControllerSettings.Production with { DownscaleStabilizationWindow = TimeSpan.Zero },
        },
        _inputs, _metrics, _writer, _time, _provider);

    internal static HorizontalPodAutoscaler RpsHpa(int min = 1, int max = 10) => HpaFixtures.CpuHpa() with
    {
        Spec = HpaFixtures.CpuHpa().Spec with
        {
            MinReplicas = min,
            MaxReplicas = max,
            Metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Pods,
                    Pods = new PodsMetricSource
                    {
                        Metric = new MetricIdentifier { Name = "http_requests_per_second" },
                        Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse("10") },
                    },
                },
            ],
        },
    };

    private void Pods(int count)
    {
        _inputs.Scales[Key] = HpaFixtures.Scale("web", count);
        for (var i = 1; i <= count; i++)
            _inputs.Pods[$"default/web-{i}"] = HpaFixtures.Pod($"web-{i}", "web", 100);
    }

    private void Await(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail("timed out; scale writes: " + string.Join(",", _writer.ScaleWrites.Select(w => w.Replicas))
                    + "; statuses: " + string.Join(" | ", _writer.StatusWrites.Select(s => $"{s.CurrentReplicas}->{s.DesiredReplicas} "
                        + string.Join(";", s.Conditions.Select(c => $"{c.Type}={c.Status}/{c.Reason}: {c.Message}"))))
                    + "; events: " + string.Join(" | ", _writer.Events.Select(e => e.Reason + ": " + e.Message)));
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void A_pods_metric_child_asks_the_provider_for_the_scale_selectors_pods_and_the_pass_scales_on_its_answer()
    {
        _inputs.Put(RpsHpa());
        Pods(2);
        _provider.PodValueMilli = 20_000; // 20 rps per pod against 10: 2 -> 4
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context(TimeSpan.FromSeconds(30))));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.ScaleWrites.IsEmpty, Wait);
        Assert.Equal(4, Assert.Single(_writer.ScaleWrites).Replicas);
        var call = _provider.Calls.First();
        Assert.Equal(("http_requests_per_second", "app=web"), (call.Metric, call.PodSelector));
        Assert.Equal(["web-1", "web-2"], call.Pods);
        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        _writer.StatusWrites.TryPeek(out var status);
        Assert.Equal("20", Assert.Single(status!.CurrentMetrics).Pods!.Current.AverageValue!.ToString());
    }

    [Fact]
    public void A_failing_provider_gives_upstreams_condition_and_event_and_no_scale_write()
    {
        _inputs.Put(RpsHpa());
        Pods(2);
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context(TimeSpan.FromSeconds(30))));
        entity.Tell(new EnsureHpa(Key));

        AwaitCondition(() => !_writer.StatusWrites.IsEmpty, Wait);
        _writer.StatusWrites.TryPeek(out var status);
        var active = status!.Conditions.Single(c => c.Type == HpaConditionType.ScalingActive);
        Assert.Equal(("False", "FailedGetPodsMetric"), (active.Status, active.Reason));
        Assert.Equal("the HPA was unable to compute the replica count: unable to get metric http_requests_per_second: "
            + "unable to fetch metrics from custom metrics API: prometheus http://127.0.0.1:9 is unreachable: connection refused", active.Message);
        Assert.Contains(_writer.Events, e => e.Reason == "FailedGetPodsMetric");
        Assert.Empty(_writer.ScaleWrites);
    }

    [Fact]
    public void During_an_outage_the_last_good_value_holds_for_the_budget_then_the_metric_fails_and_nothing_scales_down()
    {
        _inputs.Put(RpsHpa());
        Pods(4);
        _provider.PodValueMilli = 10_000; // exactly at target: 4 stays 4
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context(TimeSpan.FromMilliseconds(200), syncPeriod: TimeSpan.FromMilliseconds(300))));
        entity.Tell(new EnsureHpa(Key));
        Await(() => !_writer.StatusWrites.IsEmpty, Wait);

        // The backend goes away. Within the budget the held value decides: still 4, still ScalingActive.
        _provider.PodValueMilli = null;
        var failedCalls = _provider.Calls.Count;
        Await(() => _provider.Calls.Count > failedCalls + 1, Wait);
        _time.Advance(TimeSpan.FromMinutes(1));
        entity.Tell(new EnsureHpa(Key));
        Thread.Sleep(500);
        Assert.DoesNotContain(_writer.StatusWrites, s => s.Conditions.Any(c => c.Type == HpaConditionType.ScalingActive && c.Status == "False"));

        // Past the budget the metric fails: the condition says why, and replicas stay (no scale to minimum).
        _time.Advance(TimeSpan.FromMinutes(2));
        Await(() => _writer.StatusWrites.Any(s => s.Conditions.Any(c => c.Type == HpaConditionType.ScalingActive && c.Status == "False")), Wait);
        var failed = _writer.StatusWrites.Last().Conditions.Single(c => c.Type == HpaConditionType.ScalingActive);
        Assert.Equal("FailedGetPodsMetric", failed.Reason);
        Assert.Contains("the last value of pods metric http_requests_per_second is 180s old, more than its staleness budget of 120s", failed.Message, StringComparison.Ordinal);
        Assert.Contains("last error: prometheus http://127.0.0.1:9 is unreachable", failed.Message, StringComparison.Ordinal);
        Assert.Empty(_writer.ScaleWrites);

        // The backend returns with a low value: the next answer is fresh and the HPA acts on it again.
        _provider.PodValueMilli = 1_000;
        Await(() => !_writer.ScaleWrites.IsEmpty, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void An_external_metric_scales_to_zero_with_min_replicas_zero_and_back_when_it_rises()
    {
        var hpa = HpaFixtures.CpuHpa() with
        {
            Spec = HpaFixtures.CpuHpa().Spec with
            {
                MinReplicas = 0,
                Metrics =
                [
                    new MetricSpec
                    {
                        Type = MetricSourceType.External,
                        External = new ExternalMetricSource
                        {
                            Metric = new MetricIdentifier { Name = "queue_messages_ready" },
                            Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse("30") },
                        },
                    },
                ],
            },
        };
        _inputs.Put(hpa);
        Pods(2);
        _provider.ExternalValueMilli = 0;
        var entity = ChildActorOf(HpaSupervisor.Props(Key, Context(TimeSpan.FromMilliseconds(200), syncPeriod: TimeSpan.FromMilliseconds(300))));
        entity.Tell(new EnsureHpa(Key));
        // The first pass remembers the current 2 as a recommendation at "now": move past it.
        Await(() => !_writer.StatusWrites.IsEmpty, Wait);
        _time.Advance(TimeSpan.FromSeconds(1));

        Await(() => _writer.ScaleWrites.Any(w => w.Replicas == 0), Wait);
        Await(() => _writer.StatusWrites.Any(s => s.Conditions.Any(c => c.Reason == "ScaledToZero")), Wait);

        // The target now has no pods; 90 messages at 30 per replica bring it back to 3.
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 0, "20");
        foreach (var pod in _inputs.Pods.Keys.ToList())
            _inputs.Pods.TryRemove(pod, out _);
        _provider.ExternalValueMilli = 90_000;
        entity.Tell(new EnsureHpa(Key));
        Await(() => _writer.ScaleWrites.Any(w => w.Replicas == 3), Wait);
    }
}
