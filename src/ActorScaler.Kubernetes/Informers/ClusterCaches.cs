using ActorScaler.Core.Calculation;
using ActorScaler.Kubernetes.Projections;
using k8s;
using k8s.Models;

namespace ActorScaler.Kubernetes.Informers;

/// <summary>A pod as the member keeps it: the calculator's projection plus the node it runs on.</summary>
public sealed record PodEntry(PodInfo Pod, string? NodeName);

/// <summary>
/// The member's informer caches (nodes and slim pods) shared by every feature: the metrics pipeline
/// reads nodes and pod labels, the controller reads pods by selector. Each member holds its own, so
/// an entity that moves to another member finds its inputs already there, with no resync.
/// </summary>
public sealed class ClusterCaches
{
    public ObjectCache<V1Node, NodeInfo> Nodes { get; } = new(n => n.Metadata.Name, NodeProjection.ToNodeInfo);

    public ObjectCache<V1Pod, PodEntry> Pods { get; } = new(
        p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}",
        p => new PodEntry(PodProjection.ToPodInfo(p), PodProjection.NodeName(p)));

    /// <summary>Runs the node and pod informers until cancelled.</summary>
    public Task RunAsync(IKubernetes client, IReadOnlyList<string> namespaces, Action<string>? log, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>
        {
            new Informer<V1Node, V1NodeList>(InformerSources.Nodes(client), Nodes, log).RunAsync(cancellationToken),
        };
        if (namespaces.Count == 0)
            tasks.Add(new Informer<V1Pod, V1PodList>(InformerSources.Pods(client), Pods, log).RunAsync(cancellationToken));
        else
            foreach (var ns in namespaces)
                tasks.Add(new Informer<V1Pod, V1PodList>(InformerSources.Pods(client, ns), Pods.Scope(ns + "/"), log).RunAsync(cancellationToken));
        return Task.WhenAll(tasks);
    }
}
