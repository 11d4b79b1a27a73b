using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Projections;
using k8s;
using k8s.Models;

namespace ActorScaler.Kubernetes.Informers;

/// <summary>An HPA as the controller caches it: the canonical model, or why it could not be read.</summary>
public sealed record HpaEntry(string Key, HorizontalPodAutoscaler? Hpa, string? Error, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// The controller's informer caches on every member: HPAs (autoscaling/v2) and the scale targets
/// (deployments, statefulsets, replicasets). With these the steady state costs no reads at all: the
/// scale subresource, the selector and the resourceVersion for the write precondition all come from
/// the watch.
/// </summary>
public sealed class ControllerCaches
{
    public ObjectCache<V2HorizontalPodAutoscaler, HpaEntry> Hpas { get; } = new(Key, ToEntry);

    public ObjectCache<V1Deployment, ScaleTarget> Deployments { get; } = new(Key, ScaleTargetProjection.FromDeployment);

    public ObjectCache<V1StatefulSet, ScaleTarget> StatefulSets { get; } = new(Key, ScaleTargetProjection.FromStatefulSet);

    public ObjectCache<V1ReplicaSet, ScaleTarget> ReplicaSets { get; } = new(Key, ScaleTargetProjection.FromReplicaSet);

    public bool IsSynced => Hpas.IsSynced && Deployments.IsSynced && StatefulSets.IsSynced && ReplicaSets.IsSynced;

    public Task Synced => Task.WhenAll(Hpas.Synced, Deployments.Synced, StatefulSets.Synced, ReplicaSets.Synced);

    /// <summary>
    /// The target's scale from the cache. Fails like upstream's scale GET: an unknown kind with the REST
    /// mapper's message, a missing object with the API server's NotFound message.
    /// </summary>
    public bool TryGetScale(string ns, CrossVersionObjectReference target, out ScaleTarget scale, out string error)
    {
        ArgumentNullException.ThrowIfNull(target);
        scale = null!;
        string resource;
        try
        {
            resource = ScaleClient.Resolve(target);
        }
        catch (ScaleTargetException ex)
        {
            error = ex.Message;
            return false;
        }
        var key = $"{ns}/{target.Name}";
        var found = resource switch
        {
            "deployments" => Deployments.TryGet(key, out scale),
            "statefulsets" => StatefulSets.TryGet(key, out scale),
            _ => ReplicaSets.TryGet(key, out scale),
        };
        error = found ? "" : $"{resource}.apps \"{target.Name}\" not found";
        return found;
    }

    /// <summary>Runs the four informers until cancelled (one per namespace when namespaces are given).</summary>
    public Task RunAsync(IKubernetes client, IReadOnlyList<string> namespaces, Action<string>? log, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        if (namespaces.Count == 0)
        {
            tasks.Add(new Informer<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList>(InformerSources.HorizontalPodAutoscalers(client), Hpas, log).RunAsync(cancellationToken));
            tasks.Add(new Informer<V1Deployment, V1DeploymentList>(InformerSources.Deployments(client), Deployments, log).RunAsync(cancellationToken));
            tasks.Add(new Informer<V1StatefulSet, V1StatefulSetList>(InformerSources.StatefulSets(client), StatefulSets, log).RunAsync(cancellationToken));
            tasks.Add(new Informer<V1ReplicaSet, V1ReplicaSetList>(InformerSources.ReplicaSets(client), ReplicaSets, log).RunAsync(cancellationToken));
        }
        else
        {
            foreach (var ns in namespaces)
            {
                var prefix = ns + "/";
                tasks.Add(new Informer<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList>(InformerSources.HorizontalPodAutoscalers(client, ns), Hpas.Scope(prefix), log).RunAsync(cancellationToken));
                tasks.Add(new Informer<V1Deployment, V1DeploymentList>(InformerSources.Deployments(client, ns), Deployments.Scope(prefix), log).RunAsync(cancellationToken));
                tasks.Add(new Informer<V1StatefulSet, V1StatefulSetList>(InformerSources.StatefulSets(client, ns), StatefulSets.Scope(prefix), log).RunAsync(cancellationToken));
                tasks.Add(new Informer<V1ReplicaSet, V1ReplicaSetList>(InformerSources.ReplicaSets(client, ns), ReplicaSets.Scope(prefix), log).RunAsync(cancellationToken));
            }
        }
        return Task.WhenAll(tasks);
    }

    private static string Key<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta> => $"{obj.Metadata.NamespaceProperty}/{obj.Metadata.Name}";

    private static HpaEntry ToEntry(V2HorizontalPodAutoscaler hpa)
    {
        var hpaModel = HpaProjection.ToCore(hpa, out var error);
        IReadOnlyDictionary<string, string> labels = hpa.Metadata?.Labels is { } l
            ? new Dictionary<string, string>(l, StringComparer.Ordinal)
            : new Dictionary<string, string>();
        return new HpaEntry(Key(hpa), hpaModel, error, labels);
    }
}
