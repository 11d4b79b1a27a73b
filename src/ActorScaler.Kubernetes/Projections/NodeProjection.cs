using k8s.Models;

namespace ActorScaler.Kubernetes.Projections;

/// <summary>What a scraper needs of a Node: where its kubelet listens and what it is called.</summary>
public sealed record NodeInfo(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<(string Type, string Address)> Addresses,
    int KubeletPort,
    string? ResourceMetricsPath,
    bool Ready);

public static class NodeProjection
{
    /// <summary>metrics-server's per-node override of the scrape path.</summary>
    public const string ResourceMetricsPathAnnotation = "metrics.k8s.io/resource-metrics-path";
    public const string DefaultResourceMetricsPath = "/metrics/resource";
    /// <summary>The kubelet's default secure port when the node does not publish one.</summary>
    public const int DefaultKubeletPort = 10250;

    public static NodeInfo ToNodeInfo(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var addresses = node.Status?.Addresses?.Select(a => (a.Type, a.Address)).ToArray() ?? [];
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port is > 0 and var p ? p : DefaultKubeletPort;
        string? path = null;
        node.Metadata?.Annotations?.TryGetValue(ResourceMetricsPathAnnotation, out path);
        var ready = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false;
        return new NodeInfo(
            node.Metadata?.Name ?? "",
            node.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : new Dictionary<string, string>(),
            addresses,
            port,
            string.IsNullOrEmpty(path) ? null : path,
            ready);
    }

    /// <summary>The first address whose type comes first in the preference list (metrics-server's
    /// --kubelet-preferred-address-types), or null with the reason.</summary>
    public static string? PreferredAddress(NodeInfo node, IReadOnlyList<string> preferredTypes)
    {
        foreach (var type in preferredTypes)
            foreach (var (t, address) in node.Addresses)
                if (string.Equals(t, type, StringComparison.Ordinal) && !string.IsNullOrEmpty(address))
                    return address;
        return null;
    }
}
