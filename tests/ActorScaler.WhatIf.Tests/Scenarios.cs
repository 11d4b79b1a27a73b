using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Engine;
using ActorScaler.WhatIf.Load;
using ActorScaler.WhatIf.Workload;

namespace ActorScaler.WhatIf.Tests;

/// <summary>Small, fully specified inputs for hand-computed timelines.</summary>
internal static class Scenarios
{
    public static WorkloadSpec Workload(int replicas, string cpuRequest = "100m", string? cpuLimit = null, string kind = "Deployment") => new()
    {
        Kind = kind,
        Name = "web",
        Namespace = "default",
        Replicas = replicas,
        SelectorLabels = new Dictionary<string, string> { ["app"] = "web" },
        Containers =
        [
            new ContainerResources
            {
                Name = "web",
                CpuRequest = Quantity.Parse(cpuRequest),
                CpuLimit = cpuLimit is null ? null : Quantity.Parse(cpuLimit),
                MemoryRequest = Quantity.Parse("64Mi"),
                FieldPath = "spec.template.spec.containers[0]",
            },
        ],
        OrderedReady = kind == "StatefulSet",
        SourceFile = "deployment.yaml",
    };

    public static HorizontalPodAutoscaler CpuHpa(int targetUtilization, int min, int max, HorizontalPodAutoscalerBehavior? behavior = null, string kind = "Deployment") => new()
    {
        Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
        Spec = new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = kind, Name = "web" },
            MinReplicas = min,
            MaxReplicas = max,
            Metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Resource,
                    Resource = new ResourceMetricSource
                    {
                        Name = "cpu",
                        Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = targetUtilization },
                    },
                },
            ],
            Behavior = behavior,
        },
    };

    /// <summary>Constant CPU levels (milli-cores) back to back, each for the given seconds.</summary>
    public static LoadProfile Steps(params (double Seconds, double CpuMilli)[] levels) => new()
    {
        Segments = levels
            .Select(l => (LoadSegment)new ConstantSegment(new LoadLevel(l.CpuMilli, 0)) { Duration = TimeSpan.FromSeconds(l.Seconds) })
            .ToList(),
    };

    public static SimulationResult Run(HorizontalPodAutoscaler hpa, WorkloadSpec workload, LoadProfile load, SimulationOptions? options = null) =>
        SimulationRunner.Run("test", hpa, workload, load, options ?? new SimulationOptions(), new CoreController(hpa));

    public static TimelinePoint At(this SimulationResult run, double seconds) => run.Timeline.Single(p => p.Seconds == seconds);
}
