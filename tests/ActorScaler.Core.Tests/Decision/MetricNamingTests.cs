using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using Xunit;
using static ActorScaler.Core.Tests.Calculation.TestPods;

namespace ActorScaler.Core.Tests.Decision;

/// <summary>Metric names and Go-formatted texts that end up in events, with upstream's quirks kept.</summary>
public sealed class MetricNamingTests
{
    [Fact]
    public void Label_selectors_print_as_gos_generated_string_method()
    {
        Assert.Equal("nil", GoFormat.LabelSelector(null));
        Assert.Equal("&LabelSelector{MatchLabels:map[string]string{},MatchExpressions:[]LabelSelectorRequirement{},}", GoFormat.LabelSelector(new LabelSelector()));
        Assert.Equal(
            "&LabelSelector{MatchLabels:map[string]string{a: 1,b: 2,},MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,Operator:In,Values:[prod qa],},},}",
            GoFormat.LabelSelector(new LabelSelector
            {
                MatchLabels = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" },
                MatchExpressions = [new LabelSelectorRequirement { Key = "env", Operator = "In", Values = ["prod", "qa"] }],
            }));
        Assert.Equal("\"Cheddar\\\"Cheese\"", GoFormat.Quote("Cheddar\"Cheese"));
    }

    private static string RescaleReasonFor(MetricSpec metric, MetricsSnapshot metrics)
    {
        var hpa = new HorizontalPodAutoscaler
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "ns" },
            Spec = new HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
                MinReplicas = 1,
                MaxReplicas = 50,
                Metrics = [metric],
            },
        };
        var decision = AutoscalerReconciler.Decide(new ReconcileInput
        {
            Hpa = hpa,
            Scale = new ScaleSubresource(2, 2, "app=web"),
            Pods = [Pod("a"), Pod("b")],
            Metrics = metrics,
            Now = Now,
            State = new Core.Behavior.DecisionState { Recommendations = [] },
        });
        Assert.Equal(DecisionOutcome.Rescale, decision.Outcome);
        return decision.RescaleReason;
    }

    [Fact]
    public void Rescale_reasons_name_the_metric_as_upstream_does()
    {
        var objectTarget = new CrossVersionObjectReference { Kind = "Queue", Name = "jobs", ApiVersion = "v1" };
        var objects = new MetricsSnapshot { ObjectMetrics = [new ObjectMetricValue(objectTarget, "depth", 40_000)] };
        // Object with a per-pod target reads "external metric" upstream.
        Assert.Equal("external metric depth(nil) above target", RescaleReasonFor(new MetricSpec
        {
            Type = MetricSourceType.Object,
            Object = new ObjectMetricSource { DescribedObject = objectTarget, Metric = new MetricIdentifier { Name = "depth" }, Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.FromMilli(5_000) } },
        }, objects));
        Assert.Equal("Queue metric depth above target", RescaleReasonFor(new MetricSpec
        {
            Type = MetricSourceType.Object,
            Object = new ObjectMetricSource { DescribedObject = objectTarget, Metric = new MetricIdentifier { Name = "depth" }, Target = new MetricTarget { Type = MetricTargetType.Value, Value = Quantity.FromMilli(5_000) } },
        }, objects));
        // A container AverageValue target is named like a whole-pod one.
        var samples = new MetricsSnapshot { ResourceMetrics = Samples(Cpu("a", 900), Cpu("b", 900)) };
        Assert.Equal("cpu resource above target", RescaleReasonFor(new MetricSpec
        {
            Type = MetricSourceType.ContainerResource,
            ContainerResource = new ContainerResourceMetricSource { Name = "cpu", Container = "app", Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.FromMilli(300) } },
        }, samples));
        Assert.Equal("cpu container resource utilization (percentage of request) above target", RescaleReasonFor(new MetricSpec
        {
            Type = MetricSourceType.ContainerResource,
            ContainerResource = new ContainerResourceMetricSource { Name = "cpu", Container = "app", Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = 30 } },
        }, samples));
        var external = new MetricsSnapshot { ExternalMetrics = new Dictionary<string, IReadOnlyList<long>> { ["queue"] = [30_000, 10_000] } };
        Assert.Equal("external metric queue(&LabelSelector{MatchLabels:map[string]string{topic: jobs,},MatchExpressions:[]LabelSelectorRequirement{},}) above target", RescaleReasonFor(new MetricSpec
        {
            Type = MetricSourceType.External,
            External = new ExternalMetricSource
            {
                Metric = new MetricIdentifier { Name = "queue", Selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["topic"] = "jobs" } } },
                Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.FromMilli(5_000) },
            },
        }, external));
    }
}
