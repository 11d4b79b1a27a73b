using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Workload;

namespace ActorScaler.WhatIf.Engine;

// What the HPA controller can observe of the simulated cluster at one sync: the /scale
// subresource, the pods its selector lists, and what the metrics APIs serve. These are the
// simulator's own shapes; CoreController maps them onto the core's inputs.

/// <summary>Pod phases the simulation produces (pods never fail or succeed here).</summary>
public static class PodPhase
{
    public const string Pending = "Pending";
    public const string Running = "Running";
}

/// <summary>A pod as the pod lister returns it.</summary>
public sealed record PodView
{
    public string Name { get; init; } = "";
    public string Phase { get; init; } = PodPhase.Pending;
    /// <summary>The Ready condition's status; a Pending pod carries Ready=False.</summary>
    public bool Ready { get; init; }
    /// <summary>lastTransitionTime of the Ready condition.</summary>
    public DateTimeOffset ReadyTransitionTime { get; init; }
    /// <summary>status.startTime: null while the pod is Pending.</summary>
    public DateTimeOffset? StartTime { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<ContainerResources> Containers { get; init; } = [];
    public IReadOnlyList<ContainerResources> SidecarContainers { get; init; } = [];
}

/// <summary>Usage of one container, as metrics-server serves it (cpu rounded up to milli, as Quantity.MilliValue does).</summary>
public sealed record ContainerUsage(string Name, long CpuMilli, long MemoryBytes);

/// <summary>One PodMetrics item of metrics.k8s.io: the sample's end time and the window it covers.</summary>
public sealed record PodMetricsView(string PodName, DateTimeOffset Timestamp, TimeSpan Window, IReadOnlyList<ContainerUsage> Containers);

/// <summary>A custom or external metric value in milli-units (quantities are read with MilliValue).</summary>
public sealed record CustomMetricSample(string PodName, long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window);

public sealed record ClusterSnapshot
{
    public DateTimeOffset Now { get; init; }
    /// <summary>scale.spec.replicas of the target.</summary>
    public int SpecReplicas { get; init; }
    /// <summary>scale.status.replicas: pods that exist.</summary>
    public int StatusReplicas { get; init; }
    /// <summary>scale.status.selector, e.g. "app=kubernetes-bootcamp".</summary>
    public string Selector { get; init; } = "";
    public IReadOnlyList<PodView> Pods { get; init; } = [];
    /// <summary>metrics.k8s.io PodMetrics for the selected pods (only those metrics-server can serve).</summary>
    public IReadOnlyList<PodMetricsView> ResourceMetrics { get; init; } = [];
    /// <summary>custom.metrics.k8s.io per-pod values: each Ready pod's share of the requests per second.</summary>
    public IReadOnlyList<CustomMetricSample> PodRequestRates { get; init; } = [];
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
