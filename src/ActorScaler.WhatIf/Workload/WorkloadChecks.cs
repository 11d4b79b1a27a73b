using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Engine;
using ActorScaler.WhatIf.Inputs;

namespace ActorScaler.WhatIf.Workload;

/// <summary>
/// Checks an HPA against the workload before any simulated time passes, for the failures a real
/// controller would only show as a condition on the HPA after the first sync.
/// </summary>
public static class WorkloadChecks
{
    /// <summary>The HPA must point at the workload given with --workload (else upstream: FailedGetScale).</summary>
    public static void CheckTarget(string hpaFile, HorizontalPodAutoscaler hpa, WorkloadSpec workload)
    {
        var target = hpa.Spec.ScaleTargetRef;
        if (target.Kind != workload.Kind || target.Name != workload.Name)
        {
            throw new SimulationInputException(hpaFile, "spec.scaleTargetRef",
                $"targets {target.Kind}/{target.Name} but the workload in {workload.SourceFile} is {workload.Kind}/{workload.Name}; " +
                $"the HPA would report AbleToScale=False FailedGetScale");
        }
    }

    /// <summary>
    /// Every Utilization metric needs a request for its resource in every container (or the named
    /// one). The message is the core's own (e.g. "missing request for cpu in container x of Pod y"),
    /// with the condition upstream sets, and the workload field to fix.
    /// </summary>
    public static void CheckRequests(string hpaFile, HorizontalPodAutoscaler hpa, WorkloadSpec workload)
    {
        var template = new PodInfo
        {
            Name = $"{workload.Name}-<pod>",
            Namespace = workload.Namespace,
            Containers = workload.Containers.Select(c => SimulationRunner.ToContainerInfo(c, null)).ToList(),
            InitContainers = workload.SidecarContainers.Select(c => SimulationRunner.ToContainerInfo(c, ContainerRestartPolicy.Always)).ToList(),
        };
        for (var i = 0; i < hpa.Spec.Metrics.Count; i++)
        {
            var metric = hpa.Spec.Metrics[i];
            var (resource, container, target, reason, what) = metric.Type switch
            {
                MetricSourceType.Resource when metric.Resource is { } r =>
                    (r.Name, "", r.Target, "FailedGetResourceMetric", $"{r.Name} utilization"),
                MetricSourceType.ContainerResource when metric.ContainerResource is { } c =>
                    (c.Name, c.Container, c.Target, "FailedGetContainerResourceMetric", $"{c.Name} utilization"),
                _ => ("", "", new MetricTarget(), "", ""),
            };
            if (resource.Length == 0 || target.Type != MetricTargetType.Utilization)
                continue;
            var (_, error) = PodRequests.Calculate([template], container, resource, podLevelResourcesEnabled: false);
            if (error is null)
                continue;
            var missing = workload.AllContainers.FirstOrDefault(c =>
                (container.Length == 0 || c.Name == container) && (resource == ResourceNames.Cpu ? c.CpuRequest : c.MemoryRequest) is null);
            var where = missing is null
                ? $"spec.template.spec.containers (for spec.metrics[{i}] in {hpaFile})"
                : $"line {missing.Line}, {missing.FieldPath}.resources.requests.{resource}";
            throw new SimulationInputException(workload.SourceFile, where,
                $"{error}; the HPA would report ScalingActive=False {reason}: " +
                $"the HPA was unable to compute the replica count: failed to get {what}: {error}");
        }
    }
}
