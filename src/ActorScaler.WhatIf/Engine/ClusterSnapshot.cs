using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;

namespace ActorScaler.WhatIf.Engine;

// What the HPA controller can observe of the simulated cluster at one sync: the /scale
// subresource, the pods its selector lists, and what the metrics APIs serve, in the core's own
// input shapes (pods and samples in milli-units), so nothing is translated twice.

public sealed record ClusterSnapshot
{
    public DateTimeOffset Now { get; init; }
    /// <summary>scale.spec.replicas of the target.</summary>
    public int SpecReplicas { get; init; }
    /// <summary>scale.status.replicas: pods that exist.</summary>
    public int StatusReplicas { get; init; }
    /// <summary>scale.status.selector, e.g. "app=kubernetes-bootcamp".</summary>
    public string Selector { get; init; } = "";
    public IReadOnlyList<PodInfo> Pods { get; init; } = [];
    /// <summary>metrics.k8s.io PodMetrics for the selected pods (only those metrics-server can serve).</summary>
    public IReadOnlyList<ResourceMetricSample> ResourceMetrics { get; init; } = [];
    /// <summary>custom.metrics.k8s.io per-pod values: each Ready pod's share of the requests per second.</summary>
    public IReadOnlyList<PodMetricSample> PodRequestRates { get; init; } = [];
    /// <summary>Total requests per second, served as an Object or External metric.</summary>
    public long TotalRequestRateMilli { get; init; }
}

/// <summary>What one sync did: the status the controller wrote and the scale it set, if any.</summary>
public sealed record ControllerStep
{
    /// <summary>The new scale.spec.replicas when the controller rescaled; null when it left the scale alone.</summary>
    public int? Rescaled { get; init; }
    public HorizontalPodAutoscalerStatus Status { get; init; } = new();
    /// <summary>Warning/Normal events of this sync as "Reason: message" lines (kubectl describe style).</summary>
    public IReadOnlyList<string> Events { get; init; } = [];
}

/// <summary>
/// The HPA controller as the simulation drives it: one reconcile pass per call, holding its own
/// decision state between calls. Implemented over the production core by <see cref="CoreController"/>.
/// </summary>
public interface IHpaController
{
    ControllerStep Sync(ClusterSnapshot snapshot);
}
