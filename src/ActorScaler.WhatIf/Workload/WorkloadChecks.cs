using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
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
    /// one). When one is missing, one reconcile pass of the production core over a pod made from
    /// the template supplies the condition upstream would set (e.g. "... failed to get cpu
    /// utilization: missing request for cpu in container x of Pod y"); the error names the
    /// workload field to fix.
    /// </summary>
    public static void CheckRequests(string hpaFile, HorizontalPodAutoscaler hpa, WorkloadSpec workload)
    {
        var containers = workload.Containers.Select(c => SimulationRunner.ToContainerInfo(c, null)).ToList();
        var sidecars = workload.SidecarContainers.Select(c => SimulationRunner.ToContainerInfo(c, ContainerRestartPolicy.Always)).ToList();
        var podName = $"{workload.Name}-template";
        var template = new PodInfo
        {
            Name = podName,
            Namespace = workload.Namespace,
            Labels = workload.SelectorLabels,
            Containers = containers,
            InitContainers = sidecars,
        };
        for (var i = 0; i < hpa.Spec.Metrics.Count; i++)
        {
            var metric = hpa.Spec.Metrics[i];
            var (resource, container, target) = metric.Type switch
            {
                MetricSourceType.Resource when metric.Resource is { } r => (r.Name, "", r.Target),
                MetricSourceType.ContainerResource when metric.ContainerResource is { } c => (c.Name, c.Container, c.Target),
                _ => ("", "", new MetricTarget()),
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
            throw new SimulationInputException(workload.SourceFile, where, $"{error}; the HPA would report {ConditionUpstreamWouldSet(hpa, workload, template)}");
        }
    }

    /// <summary>One production pass over the template pod, with a metric for every container; the first unhealthy condition.</summary>
    private static string ConditionUpstreamWouldSet(HorizontalPodAutoscaler hpa, WorkloadSpec workload, PodInfo template)
    {
        var now = SimulationRunner.Epoch;
        var pod = template with
        {
            Phase = PodPhase.Running,
            StartTime = now.AddHours(-1),
            Ready = new PodReadyCondition(ConditionStatus.True, now.AddHours(-1)),
        };
        var usage = workload.AllContainers
            .Select(c => new ContainerUsage(c.Name, new Dictionary<string, long> { [ResourceNames.Cpu] = 1, [ResourceNames.Memory] = 1000 }))
            .ToList();
        var input = new ReconcileInput
        {
            Hpa = hpa,
            Scale = new ScaleSubresource(1, 1, string.Join(",", workload.SelectorLabels.Select(kv => $"{kv.Key}={kv.Value}"))),
            Pods = [pod],
            Metrics = new MetricsSnapshot
            {
                ResourceMetrics = new PodResourceMetrics([new ResourceMetricSample(pod.Name, now, TimeSpan.FromSeconds(15), usage)]),
            },
            Now = now,
        };
        var decision = AutoscalerReconciler.Decide(input);
        var result = AutoscalerReconciler.Complete(decision, decision.ScaleWriteReplicas is null ? null : ScaleWriteResult.Succeeded);
        var condition = result.Status.Conditions.FirstOrDefault(c => c.Type == HpaConditionType.ScalingActive && c.Status != ConditionStatusText.True);
        return condition is null ? "no condition (the metric would be skipped)" : $"{condition.Type}={condition.Status} {condition.Reason}: {condition.Message}";
    }
}
