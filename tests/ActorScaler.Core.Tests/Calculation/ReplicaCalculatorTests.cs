using ActorScaler.Core.Calculation;
using FsCheck;
using FsCheck.Xunit;
using Xunit;
using static ActorScaler.Core.Tests.Calculation.TestPods;

namespace ActorScaler.Core.Tests.Calculation;

public sealed class ReplicaCalculatorTests
{
    private static readonly ReplicaCalculator Calculator = new(Settings);
    private static readonly Tolerances Default = Tolerances.Uniform(0.1);

    [Fact]
    public void Utilization_is_an_integer_percent_of_summed_requests_and_scales_by_ready_pods()
    {
        // (500 + 700 + 900) * 100 / 3000 = 70%; 70 / 50 = 1.4; ceil(1.4 * 3) = ceil(4.2) = 5.
        var result = Calculator.GetResourceReplicas(3, 50, "cpu", "", Default, [Pod("a"), Pod("b"), Pod("c")],
            Samples(Cpu("a", 500), Cpu("b", 700), Cpu("c", 900)), null, Now);
        Assert.Equal(new ReplicaCalculation(5, 70, 700, null), result);
    }

    [Fact]
    public void A_ratio_within_tolerance_keeps_the_current_count_and_each_side_has_its_own_tolerance()
    {
        // 54% of a 50% target is a ratio of 1.08: inside 0.1, outside a 0.05 scale-up tolerance.
        ReplicaCalculation Run(Tolerances t) => Calculator.GetResourceReplicas(3, 50, "cpu", "", t, [Pod("a"), Pod("b"), Pod("c")],
            Samples(Cpu("a", 540), Cpu("b", 540), Cpu("c", 540)), null, Now);
        Assert.Equal(3, Run(Default).Replicas);
        Assert.Equal(4, Run(new Tolerances(0.1, 0.05)).Replicas);
        // A 0.5 scale-down tolerance does not widen the scale-up side.
        Assert.Equal(4, Run(new Tolerances(0.5, 0.05)).Replicas);
    }

    [Fact]
    public void Missing_pods_on_a_scale_down_count_at_the_target_when_it_exceeds_100_percent()
    {
        // a, b: 300m of 1000m (30%); c has no sample. Ratio 30/200 = 0.15, a scale-down.
        // c counts as 1000m * 200 / 100 = 2000m: (300 + 300 + 2000) * 100 / 3000 = 86%; 86/200 = 0.43; ceil(1.29) = 2.
        // (With the older 100% fallback it would be 53% and 1 replica.)
        var result = Calculator.GetResourceReplicas(3, 200, "cpu", "", Default, [Pod("a"), Pod("b"), Pod("c")],
            Samples(Cpu("a", 300), Cpu("b", 300)), null, Now);
        Assert.Equal(2, result.Replicas);
        Assert.Equal(30, result.Utilization);
        Assert.Equal(300, result.UsageMilli);
    }

    [Fact]
    public void Superfluous_samples_count_in_the_rebalanced_replica_count_but_not_in_utilization()
    {
        // a: 2000m of 1000m = 200%, b missing, "ghost" is not a listed pod. Ratio 200/50 = 4: a scale-up, b counts
        // as 0: (2000 + 0) * 100 / 2000 = 100%, ratio 2, times len(metrics) = 3 (a, b, ghost) = 6.
        var result = Calculator.GetResourceReplicas(2, 50, "cpu", "", Default, [Pod("a"), Pod("b")],
            Samples(Cpu("a", 2000), Cpu("ghost", 5000)), null, Now);
        Assert.Equal(6, result.Replicas);
        Assert.Equal(200, result.Utilization);
    }

    [Fact]
    public void Pending_pods_are_unready_not_missing_and_cpu_needs_a_ready_condition()
    {
        var pods = new[] { Pod("running"), Pod("pending", phase: PodPhase.Pending), Pod("no-condition", ready: null), Pod("failed", phase: PodPhase.Failed) };
        var groups = PodGrouping.GroupPods(pods, Custom(("running", 1), ("no-condition", 1), ("failed", 1)), "cpu",
            TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), Now);
        Assert.Equal(1, groups.ReadyPodCount);
        Assert.Equal(new[] { "no-condition", "pending" }, groups.Unready);
        Assert.Empty(groups.Missing);
        Assert.Equal(new[] { "failed" }, groups.Ignored);
        // Readiness does not matter for other resources.
        var memory = PodGrouping.GroupPods(pods, Custom(("running", 1), ("no-condition", 1)), "memory", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), Now);
        Assert.Equal(2, memory.ReadyPodCount);
        Assert.Equal(new[] { "pending" }, memory.Unready);
    }

    [Fact]
    public void A_sample_that_does_not_cover_a_window_since_readiness_is_unready_during_initialization()
    {
        var starting = Pod("a") with { StartTime = Now.AddSeconds(-60), Ready = new PodReadyCondition(ConditionStatus.True, Now.AddSeconds(-20)) };
        // Sample at now-10s with a 30 s window: 10s ago < 20s ago + 30s, so it mixes pre-ready usage.
        var groups = PodGrouping.GroupPods([starting], Custom(("a", 1)), "cpu", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), Now);
        Assert.Equal(new[] { "a" }, groups.Unready);
    }

    [Fact]
    public void Plain_metrics_fill_missing_pods_with_the_target_on_a_scale_down()
    {
        // a, b report 5 against a target of 10 (ratio 0.5); c is missing and counts as 10:
        // (5 + 5 + 10) / 3 = 6.666 -> 6666m, ratio 0.6666, ceil(0.6666 * 3) = 2.
        var result = Calculator.GetMetricReplicas(3, 10_000, "qps", Default, [Pod("a"), Pod("b"), Pod("c")],
            Custom(("a", 5_000), ("b", 5_000)), null, Now);
        Assert.Equal(2, result.Replicas);
        Assert.Equal(5_000, result.UsageMilli);
    }

    [Fact]
    public void Plain_metrics_average_over_every_remaining_sample_including_superfluous_ones()
    {
        // a: 30, b unready (Pending, its 100 leaves the map), ghost (not listed): 10. (30 + 10) / 2 = 20 against
        // a target of 10: ratio 2, a scale-up with an unready pod, so b counts as 0: (30 + 10 + 0) / 3 = 13.333,
        // ratio 1.3333, times len(metrics) = 3 -> ceil(4.0) = 4.
        var result = Calculator.GetMetricReplicas(2, 10_000, "qps", Default, [Pod("a"), Pod("b", phase: PodPhase.Pending)],
            Custom(("a", 30_000), ("b", 100_000), ("ghost", 10_000)), null, Now);
        Assert.Equal(new ReplicaCalculation(4, null, 20_000, null), result);
    }

    [Fact]
    public void Errors_carry_upstreams_texts()
    {
        Assert.Equal("unable to get metrics for resource cpu: no metrics returned from resource metrics API",
            Calculator.GetResourceReplicas(1, 50, "cpu", "", Default, [Pod("a")], PodResourceMetrics.Empty, null, Now).Error);
        Assert.Equal("unable to get metrics for resource cpu: timeout",
            Calculator.GetResourceReplicas(1, 50, "cpu", "", Default, [Pod("a")], Samples(Cpu("a", 1)), "timeout", Now).Error);
        Assert.Equal("no pods returned by selector while calculating replica count",
            Calculator.GetResourceReplicas(1, 50, "cpu", "", Default, [], Samples(Cpu("a", 1)), null, Now).Error);
        Assert.Equal("did not receive metrics for targeted pods (pods might be unready)",
            Calculator.GetResourceReplicas(1, 50, "cpu", "", Default, [Pod("a", ready: false) with { Ready = null }], Samples(Cpu("a", 1)), null, Now).Error);
        Assert.Equal("unable to get metric qps: no metrics returned from custom metrics API",
            Calculator.GetMetricReplicas(1, 1000, "qps", Default, [Pod("a")], PodCustomMetrics.Empty, null, Now).Error);
        Assert.Equal("unable to get external metric ns/queue/nil: no metrics returned from external metrics API",
            ReplicaCalculator.GetExternalMetricReplicas(1, 1000, "queue", "nil", Default, "ns", [], null, [Pod("a")]).Error);
        Assert.Equal("unable to get metric qps: Deployment on ns web/not found",
            ReplicaCalculator.GetObjectMetricReplicas(1, 1000, "qps", Default, new CrossObject("Deployment", "web"), "ns", 0, "not found", [Pod("a")]).Error);
        Assert.Equal("unable to calculate ready pods: no pods returned by selector while calculating replica count",
            ReplicaCalculator.GetObjectMetricReplicas(1, 1000, "qps", Default, new CrossObject("Deployment", "web"), "ns", 5000, null, []).Error);
    }

    [Fact]
    public void External_sums_saturate_instead_of_wrapping()
    {
        var result = ReplicaCalculator.GetExternalMetricReplicas(2, 1000, "queue", "nil", Default, "ns", [long.MaxValue, 5, 7], null, [Pod("a")]);
        Assert.Equal(long.MaxValue, result.UsageMilli);
        Assert.Equal(int.MaxValue, result.Replicas);
        var perPod = ReplicaCalculator.GetExternalPerPodMetricReplicas(2, 1000, "queue", "nil", Default, "ns", [long.MaxValue, 1], null);
        Assert.Equal(long.MaxValue, perPod.UsageMilli);
    }

    [Fact]
    public void Per_pod_targets_with_no_status_replicas_do_not_divide_by_zero()
    {
        // ceil(9000 / 2000) = 5 replicas; with nothing running the reported value is the total.
        var result = ReplicaCalculator.GetObjectPerPodMetricReplicas(0, 2000, "queue", Default, new CrossObject("Queue", "jobs"), "ns", 9000, null);
        Assert.Equal(new ReplicaCalculation(5, null, 9000, null), result);
    }

    [Fact]
    public void Object_value_from_zero_replicas_is_the_ceiling_of_the_ratio_without_tolerance()
    {
        // 1050 / 1000 = 1.05 is within tolerance, but from zero there is no tolerance: ceil(1.05) = 2.
        var result = ReplicaCalculator.GetObjectMetricReplicas(0, 1000, "queue", Default, new CrossObject("Queue", "jobs"), "ns", 1050, null, []);
        Assert.Equal(2, result.Replicas);
    }

    [Theory]
    [InlineData(1e300, int.MaxValue)]
    [InlineData(-1e300, int.MinValue)]
    [InlineData(2.000001, 3)]
    [InlineData(2.0, 2)]
    [InlineData(double.NaN, 0)]
    public void Ceil_to_int32_clamps(double value, int expected) => Assert.Equal(expected, ReplicaMath.CeilToInt32(value));

    /// <summary>More usage never lowers utilization (the controller never scales down because load rose).</summary>
    [Property(MaxTest = 300)]
    public bool Utilization_is_monotonic_in_usage(int seed, NonNegativeInt extra)
    {
        var random = new Random(seed);
        var count = random.Next(1, 12);
        var pods = Enumerable.Range(0, count).Select(i => Pod($"p{i}", random.Next(1, 4000))).ToArray();
        var usages = pods.Select(_ => (long)random.Next(0, 20_000)).ToArray();
        var target = random.Next(1, 200);
        int? Utilization(long[] u) => Calculator.GetResourceReplicas(count, target, "cpu", "", Default, pods,
            Samples([.. pods.Select((p, i) => Cpu(p.Name, u[i]))]), null, Now).Utilization;
        var before = Utilization(usages);
        var raised = (long[])usages.Clone();
        raised[random.Next(count)] += extra.Get;
        return before is { } b && Utilization(raised) is { } a && a >= b;
    }
}
