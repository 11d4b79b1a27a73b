using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Workload;

namespace ActorScaler.WhatIf.Engine;

public enum MetricUnit
{
    /// <summary>Utilization, percent of request.</summary>
    Percent,
    /// <summary>CPU in cores.</summary>
    Cores,
    Bytes,
    /// <summary>Requests per second (the simulated custom/external metric).</summary>
    PerSecond,
}

/// <summary>The simulated pods' true state over one accounting step, before any metric pipeline.</summary>
public readonly record struct GroundTruth(int ReadyPods, double ServedCpuMilli, double ReadyWorkingSetBytes, double Rps);

/// <summary>
/// One spec metric as the simulator presents it: a label, its target in display units, how to
/// read the HPA's status for it, and how to measure the same quantity from ground truth.
/// </summary>
public sealed record MetricProbe
{
    public string Label { get; init; } = "";
    public string SourceType { get; init; } = "";
    public string TargetType { get; init; } = "";
    public double Target { get; init; }
    public MetricUnit Unit { get; init; }
    /// <summary>"cpu" or "memory" for Resource/ContainerResource metrics.</summary>
    public string? Resource { get; init; }
    public string? Container { get; init; }

    public static IReadOnlyList<MetricProbe> For(HorizontalPodAutoscaler hpa) => hpa.Spec.Metrics.Select(From).ToList();

    public static MetricProbe From(MetricSpec metric)
    {
        switch (metric.Type)
        {
            case MetricSourceType.Resource when metric.Resource is { } r:
                return ForResource(r.Name, null, r.Target, $"{r.Name}");
            case MetricSourceType.ContainerResource when metric.ContainerResource is { } c:
                return ForResource(c.Name, c.Container, c.Target, $"{c.Name} ({c.Container})");
            case MetricSourceType.Pods when metric.Pods is { } p:
                return ForRate(metric.Type, p.Metric.Name, p.Target);
            case MetricSourceType.Object when metric.Object is { } o:
                return ForRate(metric.Type, o.Metric.Name, o.Target);
            case MetricSourceType.External when metric.External is { } e:
                return ForRate(metric.Type, e.Metric.Name, e.Target);
            default:
                return new MetricProbe { Label = metric.Type, SourceType = metric.Type };
        }
    }

    private static MetricProbe ForResource(string resource, string? container, MetricTarget target, string name)
    {
        var utilization = target.Type == MetricTargetType.Utilization;
        return new MetricProbe
        {
            Label = utilization ? $"{name} utilization" : $"{name} average",
            SourceType = container is null ? MetricSourceType.Resource : MetricSourceType.ContainerResource,
            TargetType = target.Type,
            Target = utilization ? target.AverageUtilization ?? 0 : target.AverageValue?.ToDouble() ?? 0,
            Unit = utilization ? MetricUnit.Percent : resource == "cpu" ? MetricUnit.Cores : MetricUnit.Bytes,
            Resource = resource,
            Container = container,
            Name = resource,
        };
    }

    private static MetricProbe ForRate(string sourceType, string name, MetricTarget target) => new()
    {
        Label = sourceType == MetricSourceType.Pods ? $"{name} per pod" : name,
        SourceType = sourceType,
        TargetType = target.Type,
        Target = (target.Type == MetricTargetType.Value ? target.Value : target.AverageValue)?.ToDouble() ?? 0,
        Unit = MetricUnit.PerSecond,
        Name = name,
    };

    /// <summary>The metric's name as its status entry carries it (resource name, or the custom metric's name).</summary>
    public string Name { get; init; } = "";

    /// <summary>Whether a status.currentMetrics entry is this metric's (same source type and name).</summary>
    public bool Matches(MetricStatus status) => status.Type == SourceType && (status.Type switch
    {
        MetricSourceType.Resource => status.Resource?.Name,
        MetricSourceType.ContainerResource => status.ContainerResource?.Name,
        MetricSourceType.Pods => status.Pods?.Metric.Name,
        MetricSourceType.Object => status.Object?.Metric.Name,
        MetricSourceType.External => status.External?.Metric.Name,
        _ => null,
    }) == Name;

    /// <summary>The value the HPA reported for this metric in status.currentMetrics, in display units.</summary>
    public double? Observed(MetricStatus? status)
    {
        var current = status?.Type switch
        {
            MetricSourceType.Resource => status.Resource?.Current,
            MetricSourceType.ContainerResource => status.ContainerResource?.Current,
            MetricSourceType.Pods => status.Pods?.Current,
            MetricSourceType.Object => status.Object?.Current,
            MetricSourceType.External => status.External?.Current,
            _ => null,
        };
        if (current is null)
            return null;
        return TargetType switch
        {
            MetricTargetType.Utilization => current.AverageUtilization,
            MetricTargetType.Value => current.Value?.ToDouble(),
            _ => current.AverageValue?.ToDouble(),
        };
    }

    /// <summary>The same quantity measured from the pods' true usage (what a perfect pipeline would report).</summary>
    public double? Actual(GroundTruth truth, WorkloadSpec workload) => Actual(truth, Shape(workload));

    /// <summary>What <see cref="Actual(GroundTruth, WorkloadSpec)"/> needs of the workload, computed once per run.</summary>
    internal readonly record struct WorkloadShape(double ContainerFraction, double? RequestPerPod);

    internal WorkloadShape Shape(WorkloadSpec workload)
    {
        if (Resource is null)
            return new WorkloadShape(1, null);
        var isCpu = Resource == "cpu";
        return new WorkloadShape(ContainerFraction(workload, isCpu), RequestPerPod(workload, isCpu));
    }

    internal double? Actual(GroundTruth truth, WorkloadShape shape)
    {
        if (Resource is not null)
        {
            if (truth.ReadyPods == 0)
                return null;
            var used = (Resource == "cpu" ? truth.ServedCpuMilli / 1000.0 : truth.ReadyWorkingSetBytes) * shape.ContainerFraction;
            if (TargetType == MetricTargetType.Utilization)
                return shape.RequestPerPod is > 0 ? 100.0 * used / (shape.RequestPerPod.Value * truth.ReadyPods) : null;
            return used / truth.ReadyPods;
        }
        if (Unit != MetricUnit.PerSecond)
            return null;
        return SourceType == MetricSourceType.Pods || TargetType == MetricTargetType.AverageValue
            ? truth.ReadyPods == 0 ? null : truth.Rps / truth.ReadyPods
            : truth.Rps;
    }

    /// <summary>The container's part of the pod's usage: the simulator splits usage by request, evenly without requests.</summary>
    private double ContainerFraction(WorkloadSpec workload, bool cpu)
    {
        if (Container is null)
            return 1;
        var all = workload.AllContainers.ToList();
        var index = all.FindIndex(c => c.Name == Container);
        return index < 0 ? 0 : PodModel.Shares(all, cpu)[index];
    }

    /// <summary>Request of one pod (or the named container) in display units; null when any is missing.</summary>
    private double? RequestPerPod(WorkloadSpec workload, bool cpu)
    {
        var containers = Container is null ? workload.AllContainers : workload.AllContainers.Where(c => c.Name == Container);
        double sum = 0;
        foreach (var c in containers)
        {
            var q = cpu ? c.CpuRequest : c.MemoryRequest;
            if (q is null)
                return null;
            sum += q.Value.ToDouble();
        }
        return sum;
    }
}
