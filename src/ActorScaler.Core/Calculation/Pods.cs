namespace ActorScaler.Core.Calculation;

// The slice of a Pod the replica calculator reads (core/v1 Pod): identity, labels, phase, the Ready
// condition, start/deletion times and resource requests. Requests are milli-units (MilliValue()).

/// <summary>core/v1 PodPhase.</summary>
public enum PodPhase
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

/// <summary>core/v1 ConditionStatus.</summary>
public enum ConditionStatus
{
    True,
    False,
    Unknown,
}

/// <summary>The pod's Ready condition. Go's metav1.Time is a value, so a condition always has a transition time.</summary>
public sealed record PodReadyCondition(ConditionStatus Status, DateTimeOffset LastTransitionTime);

public static class ContainerRestartPolicy
{
    /// <summary>An init container with restartPolicy Always is a sidecar and its requests count like a container's.</summary>
    public const string Always = "Always";
}

public sealed record ContainerInfo
{
    public string Name { get; init; } = "";
    /// <summary>spec.resources.requests in milli-units, keyed by resource name.</summary>
    public IReadOnlyDictionary<string, long> RequestsMilli { get; init; } = EmptyRequests;
    /// <summary>Only meaningful for init containers ("Always" marks a sidecar).</summary>
    public string? RestartPolicy { get; init; }

    internal static readonly IReadOnlyDictionary<string, long> EmptyRequests = new Dictionary<string, long>();
}

public sealed record PodInfo
{
    public string Name { get; init; } = "";
    public string Namespace { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyLabels;
    public PodPhase Phase { get; init; } = PodPhase.Running;
    /// <summary>null = the pod has no Ready condition.</summary>
    public PodReadyCondition? Ready { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? DeletionTimestamp { get; init; }
    public IReadOnlyList<ContainerInfo> Containers { get; init; } = [];
    public IReadOnlyList<ContainerInfo> InitContainers { get; init; } = [];
    /// <summary>Pod-level spec.resources.requests (PodLevelResources feature); null when not set.</summary>
    public IReadOnlyDictionary<string, long>? PodRequestsMilli { get; init; }

    public bool IsDeleting => DeletionTimestamp is not null;

    /// <summary>podutil.IsPodReady: the Ready condition exists and is True.</summary>
    public bool IsReady => Ready is { Status: ConditionStatus.True };

    internal static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();
}
