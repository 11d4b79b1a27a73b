using ActorScaler.Core.Quantities;

namespace ActorScaler.WhatIf.Workload;

/// <summary>Requests and limits of one container of the pod template (after API defaulting).</summary>
public sealed record ContainerResources
{
    public string Name { get; init; } = "";
    public Quantity? CpuRequest { get; init; }
    public Quantity? MemoryRequest { get; init; }
    public Quantity? CpuLimit { get; init; }
    public Quantity? MemoryLimit { get; init; }
    /// <summary>Field path in the manifest, e.g. spec.template.spec.containers[0], for error messages.</summary>
    public string FieldPath { get; init; } = "";
    /// <summary>Line of its resources.requests (else resources, else the container) in the manifest.</summary>
    public long Line { get; init; }
}

/// <summary>
/// The scale target the simulator stands in for: a Deployment or StatefulSet reduced to what
/// the HPA and the pods depend on.
/// </summary>
public sealed record WorkloadSpec
{
    public string Kind { get; init; } = "";
    public string ApiVersion { get; init; } = "";
    public string Name { get; init; } = "";
    public string Namespace { get; init; } = "";
    /// <summary>spec.replicas: the count the simulation starts from (API default 1).</summary>
    public int Replicas { get; init; }
    /// <summary>spec.selector.matchLabels; the simulated pods carry them.</summary>
    public IReadOnlyDictionary<string, string> SelectorLabels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<ContainerResources> Containers { get; init; } = [];
    /// <summary>Init containers with restartPolicy Always (sidecars): upstream counts their requests.</summary>
    public IReadOnlyList<ContainerResources> SidecarContainers { get; init; } = [];
    /// <summary>
    /// StatefulSet with podManagementPolicy OrderedReady (its default): pods are created one at a
    /// time, each only after the previous one is Running and Ready, which slows every scale-up.
    /// </summary>
    public bool OrderedReady { get; init; }
    /// <summary>The file the workload came from, for error messages.</summary>
    public string SourceFile { get; init; } = "";

    /// <summary>Sum of the CPU limits in milli-cores when every running container has one; otherwise null (no cap).</summary>
    public long? PodCpuLimitMilli =>
        AllContainers.All(c => c.CpuLimit is not null) ? AllContainers.Sum(c => c.CpuLimit!.Value.MilliValue()) : null;

    public IEnumerable<ContainerResources> AllContainers => Containers.Concat(SidecarContainers);
}
