using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using Xunit;
using static ActorScaler.Core.Tests.Calculation.TestPods;

namespace ActorScaler.Core.Tests.Decision;

/// <summary>The explanation of a decision, step by step, with numbers worked out by hand.</summary>
public sealed class DecisionExplanationTests
{
    private static MetricSpec CpuUtilization(int percent) => new()
    {
        Type = MetricSourceType.Resource,
        Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = percent } },
    };

    private static MetricSpec ExternalValue(string name, long milli) => new()
    {
        Type = MetricSourceType.External,
        External = new ExternalMetricSource { Metric = new MetricIdentifier { Name = name }, Target = new MetricTarget { Type = MetricTargetType.Value, Value = Quantity.FromMilli(milli) } },
    };

    private static HorizontalPodAutoscaler Hpa(int max = 10, HorizontalPodAutoscalerBehavior? behavior = null, params MetricSpec[] metrics) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "ns" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
            MinReplicas = 1,
            MaxReplicas = max,
            Metrics = metrics.Length == 0 ? [CpuUtilization(50)] : metrics,
            Behavior = behavior,
        },
        Status = new HorizontalPodAutoscalerStatus { CurrentReplicas = 3, DesiredReplicas = 3 },
    };

    /// <summary>Ready pods of 1000m request each using <paramref name="usage"/> millicores.</summary>
    private static ReconcileInput Input(HorizontalPodAutoscaler hpa, int replicas = 3, long usage = 500, DecisionState? state = null) => new()
    {
        Hpa = hpa,
        Settings = ControllerSettings.Production,
        Scale = new ScaleSubresource(replicas, replicas, "app=web"),
        Pods = [.. Enumerable.Range(0, replicas).Select(i => Pod($"web-{i}"))],
        Metrics = new MetricsSnapshot { ResourceMetrics = Samples([.. Enumerable.Range(0, replicas).Select(i => Cpu($"web-{i}", usage))]) },
        Now = Now,
        State = state ?? new DecisionState { Recommendations = [] },
    };

    [Fact]
    public void A_scale_up_within_every_limit_shows_the_metric_its_ratio_and_the_same_count_at_each_step()
    {
        // 900m of 1000m = 90% against 50%: ratio 1.8, ceil(1.8 x 3) = 6; the legacy cap is max(2 x 3, 4) = 6.
        var explanation = AutoscalerReconciler.Decide(Input(Hpa(), usage: 900)).Explanation;

        var metric = Assert.Single(explanation.Metrics);
        Assert.Equal(new MetricExplanation("Resource", "cpu resource utilization (percentage of request)", "90% (900m)", "50%", 1.8, false, 6, null), metric);
        Assert.Equal((3, 1, 10, 0.1, 0.1), (explanation.CurrentReplicas, explanation.MinReplicas, explanation.MaxReplicas, explanation.ScaleUpTolerance, explanation.ScaleDownTolerance));
        Assert.Equal((6, 6, "ReadyForNewScale", 6, 6, 6), (explanation.Recommendation, explanation.Stabilized, explanation.StabilizationReason, explanation.PolicyLimit, explanation.AfterPolicies, explanation.AfterClamp));
        Assert.Equal((ScalingLimit.None, "DesiredWithinRange", 6), (explanation.Limit, explanation.LimitReason, explanation.FinalReplicas));
        Assert.Equal("cpu resource utilization (percentage of request)", explanation.RecommendingMetric);
        Assert.Equal("cpu resource utilization (percentage of request) above target", explanation.Reason);
        Assert.Equal((Now, DecisionOutcome.Rescale), (explanation.Time, explanation.Outcome));
    }

    [Fact]
    public void The_legacy_scale_up_cap_then_max_replicas_bound_and_the_limit_says_max()
    {
        // 1000m = 100% against 20%: ratio 5, ceil(5 x 3) = 15; cap max(2 x 3, 4) = 6; max 5 is lower: TooManyReplicas.
        var explanation = AutoscalerReconciler.Decide(Input(Hpa(max: 5, metrics: CpuUtilization(20)), usage: 1000)).Explanation;

        Assert.Equal(15, explanation.Metrics[0].ProposedReplicas);
        Assert.Equal(5.0, explanation.Metrics[0].UsageRatio);
        Assert.Equal((15, 15, 6, 6, 5), (explanation.Recommendation, explanation.Stabilized, explanation.PolicyLimit, explanation.AfterPolicies, explanation.AfterClamp));
        Assert.Equal((ScalingLimit.MaxReplicas, "TooManyReplicas", 5), (explanation.Limit, explanation.LimitReason, explanation.FinalReplicas));
    }

    [Fact]
    public void The_legacy_scale_up_cap_binds_below_max()
    {
        // ratio 5 on 3 pods proposes 15; the cap 6 is below max 10: ScaleUpLimit.
        var explanation = AutoscalerReconciler.Decide(Input(Hpa(metrics: CpuUtilization(20)), usage: 1000)).Explanation;

        Assert.Equal((15, 15, 6, 6, 6), (explanation.Recommendation, explanation.Stabilized, explanation.PolicyLimit, explanation.AfterPolicies, explanation.AfterClamp));
        Assert.Equal((ScalingLimit.ScaleUpRate, "ScaleUpLimit", 6), (explanation.Limit, explanation.LimitReason, explanation.FinalReplicas));
    }

    [Fact]
    public void The_stabilization_window_keeps_a_recent_higher_recommendation()
    {
        // 6 pods at 100m = 10% against 50%: ratio 0.2, ceil(0.2 x 6) = 2; a recommendation of 5 one minute ago
        // is inside the 5-minute window, so the highest (5) wins: ScaleDownStabilized.
        var state = new DecisionState { Recommendations = [new TimestampedRecommendation(5, Now.AddMinutes(-1))] };
        var decision = AutoscalerReconciler.Decide(Input(Hpa(), replicas: 6, usage: 100, state: state));
        var explanation = decision.Explanation;

        Assert.Equal(new MetricExplanation("Resource", "cpu resource utilization (percentage of request)", "10% (100m)", "50%", 0.2, false, 2, null), explanation.Metrics[0]);
        Assert.Equal((2, 5, "ScaleDownStabilized"), (explanation.Recommendation, explanation.Stabilized, explanation.StabilizationReason));
        // Without behavior there is no scale-down rate limit.
        Assert.Equal((null, 5, 5), (explanation.PolicyLimit, explanation.AfterPolicies, explanation.AfterClamp));
        Assert.Equal((ScalingLimit.None, 5), (explanation.Limit, explanation.FinalReplicas));
        Assert.Equal(decision.DesiredReplicas, explanation.FinalReplicas);
        Assert.Equal("All metrics below target", explanation.Reason);
    }

    [Fact]
    public void A_scale_down_policy_limits_the_step()
    {
        // No window; at most 1 pod per 60 s down: 6 -> 5 although the metric proposes 2.
        var behavior = new HorizontalPodAutoscalerBehavior
        {
            ScaleDown = new HpaScalingRules
            {
                StabilizationWindowSeconds = 0,
                Policies = [new HpaScalingPolicy { Type = HpaScalingPolicyType.Pods, Value = 1, PeriodSeconds = 60 }],
            },
        };
        var explanation = AutoscalerReconciler.Decide(Input(Hpa(behavior: behavior), replicas: 6, usage: 100)).Explanation;

        Assert.Equal((2, 2, 5, 5, 5), (explanation.Recommendation, explanation.Stabilized, explanation.PolicyLimit, explanation.AfterPolicies, explanation.AfterClamp));
        Assert.Equal((ScalingLimit.ScaleDownRate, "ScaleDownLimit", 5), (explanation.Limit, explanation.LimitReason, explanation.FinalReplicas));
    }

    [Fact]
    public void A_ratio_inside_the_tolerance_proposes_no_change()
    {
        // 540m = 54% against 50%: ratio 1.08 is within [0.9, 1.1], so the metric proposes the current 3.
        var decision = AutoscalerReconciler.Decide(Input(Hpa(), usage: 540));
        var explanation = decision.Explanation;

        Assert.Equal(DecisionOutcome.NoRescale, decision.Outcome);
        var metric = explanation.Metrics[0];
        Assert.True(metric.WithinTolerance);
        Assert.Equal(1.08, metric.UsageRatio!.Value, 10);
        Assert.Equal((3, 3, 3), (metric.ProposedReplicas, explanation.Recommendation, explanation.FinalReplicas));
        Assert.Equal("the desired count equals the current count", explanation.Reason);
    }

    [Fact]
    public void Above_max_is_fixed_up_without_metrics()
    {
        var explanation = AutoscalerReconciler.Decide(Input(Hpa(max: 4), replicas: 6)).Explanation;

        Assert.Empty(explanation.Metrics);
        Assert.Equal((null, null, null, 4), (explanation.Recommendation, explanation.Stabilized, explanation.AfterPolicies, explanation.AfterClamp));
        Assert.Equal((ScalingLimit.MaxReplicas, 4), (explanation.Limit, explanation.FinalReplicas));
        Assert.Equal(AutoscalerReconciler.AboveMaxReplicasReason, explanation.Reason);
    }

    [Fact]
    public void A_failed_metric_is_listed_with_its_error_and_the_other_metric_decides()
    {
        // cpu proposes 6 (ratio 1.8); the external metric has no provider: scale-up stands, the failure is shown.
        var hpa = Hpa(metrics: [CpuUtilization(50), ExternalValue("queue_depth", 10_000)]);
        var explanation = AutoscalerReconciler.Decide(Input(hpa, usage: 900)).Explanation;

        Assert.Equal(2, explanation.Metrics.Count);
        Assert.Equal(6, explanation.Metrics[0].ProposedReplicas);
        var external = explanation.Metrics[1];
        Assert.Equal(("External", "external metric queue_depth", "", "10", null, null, false), (external.Type, external.Name, external.Current, external.Target, external.ProposedReplicas, external.UsageRatio, external.WithinTolerance));
        Assert.NotNull(external.Error);
        Assert.Equal((6, 6), (explanation.Recommendation, explanation.FinalReplicas));
    }

    [Fact]
    public void A_failed_scale_read_explains_with_the_error_and_no_steps()
    {
        var input = Input(Hpa()) with { Scale = null, GetScaleError = "deployments.apps \"web\" not found" };
        var explanation = AutoscalerReconciler.Decide(input).Explanation;

        Assert.Equal(DecisionOutcome.FailedGetScale, explanation.Outcome);
        Assert.Empty(explanation.Metrics);
        Assert.Null(explanation.Recommendation);
        Assert.Contains("deployments.apps \"web\" not found", explanation.Reason, StringComparison.Ordinal);
    }
}
