using ActorScaler.Core.Calculation;
using ActorScaler.Core.Quantities;
using k8s.Models;

namespace ActorScaler.Kubernetes.Projections;

/// <summary>
/// The slim pod the controller keeps per pod (labels, phase, Ready and its transition time, start
/// time, requests, deletion, node): a few hundred bytes instead of the full object, which is what makes
/// 50,000 pods per member cheap. Requests are milli-units, as the replica calculator reads them.
/// </summary>
public static class PodProjection
{
    public static PodInfo ToPodInfo(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var status = pod.Status;
        PodReadyCondition? ready = null;
        if (status?.Conditions is { } conditions)
        {
            foreach (var condition in conditions)
            {
                if (condition.Type != "Ready")
                    continue;
                var transition = condition.LastTransitionTime is { } t
                    ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))
                    : DateTimeOffset.MinValue;
                ready = new PodReadyCondition(ParseStatus(condition.Status), transition);
                break;
            }
        }
        return new PodInfo
        {
            Name = pod.Metadata?.Name ?? "",
            Namespace = pod.Metadata?.NamespaceProperty ?? "",
            Labels = pod.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : PodInfoDefaults.NoLabels,
            Phase = ParsePhase(status?.Phase),
            Ready = ready,
            StartTime = status?.StartTime is { } start ? new DateTimeOffset(DateTime.SpecifyKind(start, DateTimeKind.Utc)) : null,
            DeletionTimestamp = pod.Metadata?.DeletionTimestamp is { } deleted ? new DateTimeOffset(DateTime.SpecifyKind(deleted, DateTimeKind.Utc)) : null,
            Containers = Containers(pod.Spec?.Containers, isInit: false),
            InitContainers = Containers(pod.Spec?.InitContainers, isInit: true),
            PodRequestsMilli = pod.Spec?.Resources?.Requests is { Count: > 0 } podRequests ? Requests(podRequests) : null,
        };
    }

    public static string? NodeName(V1Pod pod) => pod.Spec?.NodeName;

    private static ContainerInfo[] Containers(IList<V1Container>? containers, bool isInit)
    {
        if (containers is null || containers.Count == 0)
            return [];
        var result = new ContainerInfo[containers.Count];
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            result[i] = new ContainerInfo
            {
                Name = c.Name,
                RequestsMilli = c.Resources?.Requests is { Count: > 0 } requests ? Requests(requests) : PodInfoDefaults.NoRequests,
                RestartPolicy = isInit ? c.RestartPolicy : null,
            };
        }
        return result;
    }

    private static Dictionary<string, long> Requests(IDictionary<string, ResourceQuantity> requests)
    {
        var result = new Dictionary<string, long>(requests.Count, StringComparer.Ordinal);
        foreach (var (name, quantity) in requests)
        {
            // Our exact Quantity, not ResourceQuantity's decimal path: MilliValue() must round up as
            // apimachinery does (e.g. 1n of cpu is 1m).
            if (quantity?.ToString() is { } text && Quantity.TryParse(text, out var parsed, out _))
                result[name] = parsed.MilliValue();
        }
        return result;
    }

    private static PodPhase ParsePhase(string? phase) => phase switch
    {
        "Pending" => PodPhase.Pending,
        "Running" => PodPhase.Running,
        "Succeeded" => PodPhase.Succeeded,
        "Failed" => PodPhase.Failed,
        _ => PodPhase.Unknown,
    };

    private static ConditionStatus ParseStatus(string? status) => status switch
    {
        "True" => ConditionStatus.True,
        "False" => ConditionStatus.False,
        _ => ConditionStatus.Unknown,
    };

    private static class PodInfoDefaults
    {
        public static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
        public static readonly IReadOnlyDictionary<string, long> NoRequests = new Dictionary<string, long>();
    }
}
