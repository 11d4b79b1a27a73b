namespace ActorScaler.Core.Calculation;

/// <summary>calculatePodRequests(), replica_calculator.go: the per-pod request that utilization divides by.</summary>
public static class PodRequests
{
    /// <summary>Requests for every pod, keyed by pod name, or the error that fails the whole metric.</summary>
    public static (IReadOnlyDictionary<string, long>? RequestsMilli, string? Error) Calculate(
        IReadOnlyList<PodInfo> pods, string container, string resource, bool podLevelResourcesEnabled)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var array = pods.ToArray();
        var values = new long[array.Length];
        var error = Calculate(array, container, resource, podLevelResourcesEnabled, values);
        if (error is not null)
        {
            return (null, error);
        }
        var map = new Dictionary<string, long>(array.Length, StringComparer.Ordinal);
        for (var i = 0; i < array.Length; i++)
        {
            map[array[i].Name] = values[i];
        }
        return (map, null);
    }

    /// <summary>Writes pod i's request to requests[i]; returns the first error, as upstream stops at it.</summary>
    internal static string? Calculate(ReadOnlySpan<PodInfo> pods, string container, string resource, bool podLevelResourcesEnabled, Span<long> requests)
    {
        for (var p = 0; p < pods.Length; p++)
        {
            var pod = pods[p];
            // Pod-level requests (PodLevelResources) bound the whole pod, so they replace the container sum;
            // a named container still reads its own request.
            if (podLevelResourcesEnabled && container.Length == 0 && pod.PodRequestsMilli is { Count: > 0 } podRequests)
            {
                if (!podRequests.TryGetValue(resource, out var podRequest))
                {
                    return $"missing pod-level request for {resource} in Pod {pod.Name}";
                }
                requests[p] = podRequest;
                continue;
            }
            long sum = 0;
            var found = false;
            var error = Accumulate(pod, pod.Containers, sidecarsOnly: false, container, resource, ref sum, ref found)
                ?? Accumulate(pod, pod.InitContainers, sidecarsOnly: true, container, resource, ref sum, ref found);
            if (error is not null)
            {
                return error;
            }
            if (container.Length != 0 && !found)
            {
                return $"container {container} not found in Pod {pod.Name}";
            }
            requests[p] = sum;
        }
        return null;
    }

    private static string? Accumulate(PodInfo pod, IReadOnlyList<ContainerInfo> containers, bool sidecarsOnly, string container, string resource, ref long sum, ref bool found)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            // Only restartable init containers (sidecars) run alongside the app and so count.
            if (sidecarsOnly && !string.Equals(c.RestartPolicy, ContainerRestartPolicy.Always, StringComparison.Ordinal))
            {
                continue;
            }
            if (container.Length != 0 && !string.Equals(container, c.Name, StringComparison.Ordinal))
            {
                continue;
            }
            found = true;
            if (!c.RequestsMilli.TryGetValue(resource, out var request))
            {
                return $"missing request for {resource} in container {c.Name} of Pod {pod.Name}";
            }
            sum += request;
        }
        return null;
    }
}
