using k8s;
using k8s.Models;

namespace ActorScaler.Kubernetes.Informers;

/// <summary>The list/watch calls for the resources the controller caches. Watches ask for bookmarks:
/// besides keeping the resourceVersion fresh, an early bookmark unblocks the client's first read.</summary>
public static class InformerSources
{
    private const int PageSize = 500;
    // kube-apiserver closes watches after a random 5-10 minutes; asking for one keeps the behaviour
    // the same against any server.
    private const int WatchTimeoutSeconds = 300;

    public static InformerSource<V1Node, V1NodeList> Nodes(IKubernetes client) => new(
        "nodes",
        (next, ct) => client.CoreV1.ListNodeWithHttpMessagesAsync(continueParameter: next, limit: PageSize, cancellationToken: ct),
        (rv, onError, ct) => client.CoreV1.WatchListNodeAsync(resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static InformerSource<V1Pod, V1PodList> Pods(IKubernetes client, string? ns = null) => ns is null
        ? new("pods",
            (next, ct) => client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct))
        : new("pods",
            (next, ct) => client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static InformerSource<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList> HorizontalPodAutoscalers(IKubernetes client, string? ns = null) => ns is null
        ? new("horizontalpodautoscalers",
            (next, ct) => client.AutoscalingV2.ListHorizontalPodAutoscalerForAllNamespacesWithHttpMessagesAsync(continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AutoscalingV2.WatchListHorizontalPodAutoscalerForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct))
        : new("horizontalpodautoscalers",
            (next, ct) => client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerWithHttpMessagesAsync(ns, continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AutoscalingV2.WatchListNamespacedHorizontalPodAutoscalerAsync(ns, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static InformerSource<V1Deployment, V1DeploymentList> Deployments(IKubernetes client, string? ns = null) => ns is null
        ? new("deployments",
            (next, ct) => client.AppsV1.ListDeploymentForAllNamespacesWithHttpMessagesAsync(continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AppsV1.WatchListDeploymentForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct))
        : new("deployments",
            (next, ct) => client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(ns, continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AppsV1.WatchListNamespacedDeploymentAsync(ns, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static InformerSource<V1StatefulSet, V1StatefulSetList> StatefulSets(IKubernetes client, string? ns = null) => ns is null
        ? new("statefulsets",
            (next, ct) => client.AppsV1.ListStatefulSetForAllNamespacesWithHttpMessagesAsync(continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AppsV1.WatchListStatefulSetForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct))
        : new("statefulsets",
            (next, ct) => client.AppsV1.ListNamespacedStatefulSetWithHttpMessagesAsync(ns, continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AppsV1.WatchListNamespacedStatefulSetAsync(ns, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));

    public static InformerSource<V1ReplicaSet, V1ReplicaSetList> ReplicaSets(IKubernetes client, string? ns = null) => ns is null
        ? new("replicasets",
            (next, ct) => client.AppsV1.ListReplicaSetForAllNamespacesWithHttpMessagesAsync(continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AppsV1.WatchListReplicaSetForAllNamespacesAsync(resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct))
        : new("replicasets",
            (next, ct) => client.AppsV1.ListNamespacedReplicaSetWithHttpMessagesAsync(ns, continueParameter: next, limit: PageSize, cancellationToken: ct),
            (rv, onError, ct) => client.AppsV1.WatchListNamespacedReplicaSetAsync(ns, resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: WatchTimeoutSeconds, onError: onError, cancellationToken: ct));
}
