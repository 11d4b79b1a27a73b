using ActorScaler.Actors.Metrics;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Projections;
using ActorScaler.Metrics.Storage;
using Akka.Actor;
using ScaleWriteResult = ActorScaler.Kubernetes.Clients.ScaleWriteResult;

namespace ActorScaler.Actors.Hpa;

/// <summary>The production inputs: the member's informer caches, so a pass makes no API call.</summary>
public sealed class CachedHpaInputs(ControllerCaches controller, ClusterCaches cluster) : IHpaInputs
{
    public bool IsSynced => controller.IsSynced && cluster.Pods.IsSynced;

    public bool TryGetHpa(string key, out HpaEntry entry) => controller.Hpas.TryGet(key, out entry);

    public IReadOnlyList<HpaEntry> AllHpas() => controller.Hpas.Snapshot();

    public bool TryGetScale(string ns, CrossVersionObjectReference target, out ScaleTarget scale, out string error) =>
        controller.TryGetScale(ns, target, out scale, out error);

    public IReadOnlyList<PodInfo> PodsInNamespace(string ns)
    {
        var prefix = ns + "/";
        var result = new List<PodInfo>();
        foreach (var (key, entry) in cluster.Pods.Entries)
            if (key.StartsWith(prefix, StringComparison.Ordinal))
                result.Add(entry.Pod);
        return result;
    }

    public IDisposable SubscribeHpas(Action<CacheChange<HpaEntry>> onChange) => controller.Hpas.Subscribe(onChange);
}

/// <summary>Resource metrics from the member's <see cref="ResourceMetricsStore"/> (pushed by the scrapers).</summary>
public sealed class StoreMetricsSource(ResourceMetricsStore store) : IPodMetricsSource
{
    public IReadOnlyList<PodUsage> PodsMatching(string ns, Selector selector) => store.PodsMatching(ns, selector);

    public IDisposable Subscribe(string ns, Selector selector, IActorRef subscriber, object message) =>
        store.Subscribe(ns, selector, subscriber, message);
}

/// <summary>The production writes through the member's API client.</summary>
public sealed class KubernetesHpaWriter(ScaleClient scales, HpaStatusClient statuses, EventRecorder events) : IHpaWriter
{
    // Bounded so a hung API server cannot hold an entity's single in-flight write forever.
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    public async Task<ScaleWriteResult> WriteScaleAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion)
    {
        using var timeout = new CancellationTokenSource(WriteTimeout);
        try
        {
            return await scales.UpdateAsync(ns, target, replicas, resourceVersion, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new ScaleWriteResult(ScaleWriteOutcome.Failed, $"timed out after {WriteTimeout.TotalSeconds:0}s", null);
        }
    }

    public async Task<ScaleRead> ReadScaleAsync(string ns, CrossVersionObjectReference target)
    {
        using var timeout = new CancellationTokenSource(WriteTimeout);
        return await scales.GetAsync(ns, target, timeout.Token).ConfigureAwait(false);
    }

    public async Task<HpaWriteResult> WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status)
    {
        using var timeout = new CancellationTokenSource(WriteTimeout);
        try
        {
            return await statuses.UpdateStatusAsync(hpa, status, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new HpaWriteResult(null, $"timed out after {WriteTimeout.TotalSeconds:0}s");
        }
    }

    public async Task<string?> RecordEventAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent)
    {
        using var timeout = new CancellationTokenSource(WriteTimeout);
        try
        {
            return await events.RecordAsync(hpa, hpaEvent, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return $"timed out after {WriteTimeout.TotalSeconds:0}s";
        }
    }

    public async Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision)
    {
        using var timeout = new CancellationTokenSource(WriteTimeout);
        try
        {
            return await statuses.AnnotateShadowDecisionAsync(ns, name, decision, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new HpaWriteResult(null, $"timed out after {WriteTimeout.TotalSeconds:0}s");
        }
    }
}
