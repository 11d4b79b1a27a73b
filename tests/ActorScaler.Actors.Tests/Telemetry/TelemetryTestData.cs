using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;

namespace ActorScaler.Actors.Tests.Telemetry;

/// <summary>A real pass through the core: 3 pods of 1000m request at 900m against a 50% cpu target
/// (ratio 1.8, 3 -> 6), and an external metric with no provider.</summary>
internal static class TelemetryTestData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 23, 0, 0, TimeSpan.Zero);

    public static HorizontalPodAutoscaler Hpa(bool withExternal = false) => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "shop" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
            MinReplicas = 1,
            MaxReplicas = 10,
            Metrics = withExternal
                ?
                [
                    Cpu(),
                    new MetricSpec
                    {
                        Type = MetricSourceType.External,
                        External = new ExternalMetricSource { Metric = new MetricIdentifier { Name = "queue" }, Target = new MetricTarget { Type = MetricTargetType.Value, Value = ActorScaler.Core.Quantities.Quantity.FromMilli(5000) } },
                    },
                ]
                : [Cpu()],
        },
        Status = new HorizontalPodAutoscalerStatus { CurrentReplicas = 3, DesiredReplicas = 3 },
    };

    private static MetricSpec Cpu() => new()
    {
        Type = MetricSourceType.Resource,
        Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = 50 } },
    };

    public static ReconcileInput Input(long usage = 900, bool withExternal = false) => new()
    {
        Hpa = Hpa(withExternal),
        Settings = ControllerSettings.Production,
        Scale = new ScaleSubresource(3, 3, "app=web"),
        Pods = [.. Enumerable.Range(0, 3).Select(i => Pod($"web-{i}"))],
        Metrics = new MetricsSnapshot
        {
            ResourceMetrics = new PodResourceMetrics(Enumerable.Range(0, 3).Select(i => new ResourceMetricSample($"web-{i}", Now.AddSeconds(-10), TimeSpan.FromSeconds(30),
                [new ContainerUsage("app", new Dictionary<string, long> { ["cpu"] = usage, ["memory"] = 100_000 })]))),
        },
        Now = Now,
        State = new DecisionState { Recommendations = [] },
    };

    private static PodInfo Pod(string name) => new()
    {
        Name = name,
        Labels = new Dictionary<string, string> { ["app"] = "web" },
        Ready = new PodReadyCondition(ConditionStatus.True, Now.AddHours(-1)),
        StartTime = Now.AddHours(-1),
        Containers = [new ContainerInfo { Name = "app", RequestsMilli = new Dictionary<string, long> { ["cpu"] = 1000, ["memory"] = 256_000 } }],
    };
}
