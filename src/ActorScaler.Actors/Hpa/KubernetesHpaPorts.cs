using System.Collections.Concurrent;
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

/// <summary>
/// The production inputs: the member's informer caches, so a pass makes no API call. The two per-pass
/// lookups that would otherwise walk the namespace (or the cluster) are indexed, so a pass costs
/// O(its own pods): pods by label (a workload selector's equality term picks its pods directly), and the
/// namespace's HPA selectors for AmbiguousSelector (rebuilt when the namespace's HPAs or workloads change).
/// </summary>
public sealed class CachedHpaInputs : IHpaInputs, IDisposable
{
    // Distinct selector texts are few (one per workload); the bound only guards against churn.
    private const int MaxCachedSelectors = 100_000;

    private readonly ControllerCaches _controller;
    private readonly ClusterCaches _cluster;
    private readonly ConcurrentDictionary<string, NamespaceSelectors> _hpaSelectors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Selector?> _parsedSelectors = new(StringComparer.Ordinal);
    private int _parsedCount;
    private readonly PodLabelIndex _podsByLabel = new();
    private readonly IDisposable _podSubscription;

    private sealed record NamespaceSelectors(long HpaVersion, long TargetVersion, Selector? ControllerSelector, SelectorIndex<HpaSelectorRegistration> Index);

    public CachedHpaInputs(ControllerCaches controller, ClusterCaches cluster)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(cluster);
        _controller = controller;
        _cluster = cluster;
        // Subscribe first, then index what is there: a change in between is applied twice, harmlessly.
        _podSubscription = cluster.Pods.Subscribe(OnPodChange);
        _podsByLabel.Rebuild(cluster.Pods.Entries);
    }

    public void Dispose() => _podSubscription.Dispose();

    public bool IsSynced => _controller.IsSynced && _cluster.Pods.IsSynced;

    public bool TryGetHpa(string key, out HpaEntry entry) => _controller.Hpas.TryGet(key, out entry);

    public IReadOnlyList<HpaEntry> AllHpas() => _controller.Hpas.Snapshot();

    public bool TryGetScale(string ns, CrossVersionObjectReference target, out ScaleTarget scale, out string error) =>
        _controller.TryGetScale(ns, target, out scale, out error);

    private void OnPodChange(CacheChange<PodEntry> change)
    {
        switch (change.Kind)
        {
            case CacheChangeKind.Upsert when change.Item is { } entry:
                _podsByLabel.Upsert(change.Key, entry.Pod);
                break;
            case CacheChangeKind.Delete:
                _podsByLabel.Remove(change.Key);
                break;
            default:
                _podsByLabel.Rebuild(_cluster.Pods.Entries);
                break;
        }
    }

    public IReadOnlyList<PodInfo> PodsMatching(string ns, string selectorText, Selector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var pods = new List<PodInfo>();
        if (_podsByLabel.Candidates(ns, selector) is { } candidates)
        {
            foreach (var pod in candidates)
                if (selector.Matches(pod.Labels))
                    pods.Add(pod);
            return pods;
        }
        // No equality term to look up (e.g. "app notin (x)"): the lister's way, the namespace's pods.
        foreach (var entry in _cluster.Pods.InNamespace(ns))
            if (selector.Matches(entry.Pod.Labels))
                pods.Add(entry.Pod);
        return pods;
    }

    public IReadOnlyList<HpaSelectorRegistration> OverlappingHpas(string ns, string hpaKey, IReadOnlyList<PodInfo> pods, Selector? controllerSelector)
    {
        ArgumentNullException.ThrowIfNull(pods);
        if (pods.Count == 0)
            return [];
        var index = SelectorsOf(ns, controllerSelector);
        if (index.Count <= 1)
            return [];
        List<HpaSelectorRegistration>? result = null;
        foreach (var pod in pods)
        {
            index.ForEachMatch(pod.Labels, other =>
            {
                if (string.Equals(other.Key, hpaKey, StringComparison.Ordinal))
                    return;
                result ??= [];
                if (!result.Contains(other))
                    result.Add(other);
            });
        }
        return result ?? (IReadOnlyList<HpaSelectorRegistration>)[];
    }

    private SelectorIndex<HpaSelectorRegistration> SelectorsOf(string ns, Selector? controllerSelector)
    {
        var controller = _controller;
        var hpaVersion = controller.Hpas.NamespaceVersion(ns);
        var targetVersion = controller.Deployments.NamespaceVersion(ns) + controller.StatefulSets.NamespaceVersion(ns) + controller.ReplicaSets.NamespaceVersion(ns);
        if (_hpaSelectors.TryGetValue(ns, out var cached) && cached.HpaVersion == hpaVersion && cached.TargetVersion == targetVersion
            && ReferenceEquals(cached.ControllerSelector, controllerSelector))
            return cached.Index;
        var entries = new List<(Selector, HpaSelectorRegistration)>();
        foreach (var entry in controller.Hpas.InNamespace(ns))
        {
            if (entry.Hpa is not { } hpa || !HpaSelection.IsSelected(entry, controllerSelector)
                || !controller.TryGetScale(ns, hpa.Spec.ScaleTargetRef, out var scale, out _) || scale.Scale.Selector.Length == 0
                || Parse(scale.Scale.Selector) is not { } selector)
                continue;
            entries.Add((selector, new HpaSelectorRegistration(ns, hpa.Metadata.Name, selector)));
        }
        var index = new SelectorIndex<HpaSelectorRegistration>(entries);
        _hpaSelectors[ns] = new NamespaceSelectors(hpaVersion, targetVersion, controllerSelector, index);
        return index;
    }

    private Selector? Parse(string text)
    {
        if (_parsedSelectors.TryGetValue(text, out var parsed))
            return parsed;
        parsed = Selector.TryParse(text, out var selector, out _) ? selector : null;
        // (ConcurrentDictionary.Count takes every lock: count the additions instead.)
        if (Interlocked.Increment(ref _parsedCount) > MaxCachedSelectors)
        {
            _parsedSelectors.Clear();
            Interlocked.Exchange(ref _parsedCount, 0);
        }
        _parsedSelectors[text] = parsed;
        return parsed;
    }

    public IDisposable SubscribeHpas(Action<CacheChange<HpaEntry>> onChange) => _controller.Hpas.Subscribe(onChange);
}

/// <summary>Resource metrics from the member's <see cref="ResourceMetricsStore"/> (pushed by the scrapers).</summary>
public sealed class StoreMetricsSource(ResourceMetricsStore store) : IPodMetricsSource
{
    public bool TryGetPod(string ns, string name, out PodUsage usage, out DateTimeOffset receivedAt) => store.TryGetPod(ns, name, out usage, out receivedAt);

    public IDisposable Subscribe(string ns, Selector selector, IActorRef subscriber, object message) =>
        store.Subscribe(ns, selector, subscriber, message);
}

/// <summary>The production writes through the member's API client.</summary>
public sealed class KubernetesHpaWriter(ScaleClient scales, HpaStatusClient statuses, EventRecorder events) : IHpaWriter
{
    // Bounded so a hung API server cannot hold an entity's single in-flight write forever.
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    private static CancellationTokenSource Limit(CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(WriteTimeout);
        return cts;
    }

    private static string CancelledReason(CancellationToken caller) =>
        caller.IsCancellationRequested ? "not sent: the reconciler stopped" : $"timed out after {WriteTimeout.TotalSeconds:0}s";

    public async Task<ScaleWriteResult> WriteScaleAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion, CancellationToken cancellationToken)
    {
        using var limit = Limit(cancellationToken);
        try
        {
            return await scales.UpdateAsync(ns, target, replicas, resourceVersion, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new ScaleWriteResult(ScaleWriteOutcome.Failed, CancelledReason(cancellationToken), null);
        }
    }

    public async Task<ScaleRead> ReadScaleAsync(string ns, CrossVersionObjectReference target, CancellationToken cancellationToken)
    {
        using var limit = Limit(cancellationToken);
        return await scales.GetAsync(ns, target, limit.Token).ConfigureAwait(false);
    }

    public async Task<HpaWriteResult> WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken cancellationToken)
    {
        using var limit = Limit(cancellationToken);
        try
        {
            return await statuses.UpdateStatusAsync(hpa, status, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new HpaWriteResult(null, CancelledReason(cancellationToken));
        }
    }

    public async Task<string?> RecordEventAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, CancellationToken cancellationToken)
    {
        using var limit = Limit(cancellationToken);
        try
        {
            return await events.RecordAsync(hpa, hpaEvent, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return CancelledReason(cancellationToken);
        }
    }

    public async Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision, CancellationToken cancellationToken)
    {
        using var limit = Limit(cancellationToken);
        try
        {
            return await statuses.AnnotateShadowDecisionAsync(ns, name, decision, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new HpaWriteResult(null, CancelledReason(cancellationToken));
        }
    }
}
