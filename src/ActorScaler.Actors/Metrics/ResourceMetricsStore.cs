using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Api;
using ActorScaler.Metrics.Storage;
using Akka.Actor;

namespace ActorScaler.Actors.Metrics;

/// <summary>
/// The member's copy of the latest resource usage of every pod and node in the whole cluster: what
/// metrics-server's storage holds, but fed by pushes instead of a barrier tick. Every member gets every
/// scraper's <see cref="NodeScrapeReport"/> (DistributedPubSub, see <see cref="MetricsStoreFeeder"/>), so
/// any member serves the whole Metrics API, and an HPA entity that moves to another member finds its
/// pods' metrics there at once. Registered as a DI singleton by the host's MetricsFeature.
/// <para>
/// <b>Thread safety.</b> Every read method may be called from any thread (actors, HTTP handlers) at
/// any time without locking; writes (<see cref="Apply"/>, <see cref="RemoveExpired"/>) are serialized
/// internally. A read sees each pod's latest applied <see cref="PodUsage"/> as a whole immutable value.
/// </para>
/// <para>
/// <b>What "has metrics" means.</b> A pod is present when a scrape of its node yielded a usable rate
/// for it (two samples, or one sample of a young container measured from its start time). A failed
/// scrape changes nothing here (the last good values stay), and values expire <see cref="TimeToLive"/>
/// after the node's last good scrape arrived, so a node that stays down shows as missing metrics,
/// never as zero usage. A pod that disappears from its node's next good scrape is removed at once.
/// </para>
/// <para>
/// <b>Units.</b> <see cref="PodUsage"/> and <see cref="NodeUsage"/> carry CPU in nanocores, memory in
/// working-set bytes, and times in Unix nanoseconds of the kubelet's sample (not of the scrape): use
/// <c>TimestampNs</c> and <c>WindowNs</c> exactly as the HPA uses PodMetrics' timestamp and window.
/// </para>
/// </summary>
public sealed class ResourceMetricsStore : IMetricsApiSource
{
    private readonly ClusterCaches _caches;
    private readonly TimeProvider _time;
    private readonly long _ttlTicks;
    private readonly Lock _writeLock = new();
    private readonly ConcurrentDictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, PodEntry>> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, NodeScrapeStatus> _statuses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SubscriptionSet> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _reportsPerNode = new(StringComparer.Ordinal);
    private long _appliedBatches;

    /// <param name="caches">The member's informer caches: pod labels (for selectors) come from here.</param>
    /// <param name="time">The clock that ages values (a fake one in tests).</param>
    /// <param name="timeToLive">How long a node's values stay after its last good scrape arrived. Choose
    /// it so one failed scrape (that may hang until the request timeout) does not blank a node:
    /// <see cref="DefaultTimeToLive"/>.</param>
    public ResourceMetricsStore(ClusterCaches caches, TimeProvider time, TimeSpan timeToLive)
    {
        ArgumentNullException.ThrowIfNull(caches);
        ArgumentNullException.ThrowIfNull(time);
        if (timeToLive <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "timeToLive must be positive");
        _caches = caches;
        _time = time;
        TimeToLive = timeToLive;
        _ttlTicks = timeToLive.Ticks;
    }

    /// <summary>Two resolutions plus one request timeout: exactly one scrape may fail (even one that
    /// hangs until its timeout) before the next good one must arrive.</summary>
    public static TimeSpan DefaultTimeToLive(TimeSpan metricResolution, TimeSpan kubeletRequestTimeout) =>
        2 * metricResolution + kubeletRequestTimeout;

    public TimeSpan TimeToLive { get; }

    /// <summary>Reports (successful or not) received for a node since start. Every scrape of the node,
    /// whichever member made it, arrives here once, so this counts the kubelet requests the whole
    /// cluster made to that node (benchmarks, tests: one per resolution whatever the member count).</summary>
    public long ReportsFor(string node) => _reportsPerNode.TryGetValue(node, out var n) ? n : 0;

    /// <summary>Number of batches applied since start (monotonic): cheap change detection.</summary>
    public long AppliedBatches => Interlocked.Read(ref _appliedBatches);

    // ---------------------------------------------------------------- reads

    /// <summary>The latest usage of one pod; false when the pod has no current metrics (never scraped,
    /// gone from its node, its node's values expired, or no usable rate yet).</summary>
    public bool TryGetPod(string ns, string name, out PodUsage usage) => TryGetPod(ns, name, out usage, out _);

    /// <summary>As <see cref="TryGetPod(string, string, out PodUsage)"/>, and when this member received
    /// the scrape that carried the value: how long the pod's node has gone unscraped, whatever the age of
    /// the kubelet's own timestamp (cAdvisor refreshes its stats on its own 10-15 s schedule).</summary>
    public bool TryGetPod(string ns, string name, out PodUsage usage, out DateTimeOffset receivedAt)
    {
        if (_pods.TryGetValue(ns, out var byName) && byName.TryGetValue(name, out var entry) && IsLive(entry.Node))
        {
            usage = entry.Usage;
            receivedAt = new DateTimeOffset(entry.Node.ExpiresAtTicks - _ttlTicks, TimeSpan.Zero);
            return true;
        }
        usage = null!;
        receivedAt = default;
        return false;
    }

    /// <summary>Every pod of one namespace that has current metrics, in no particular order (a
    /// point-in-time snapshot; safe to enumerate while batches arrive).</summary>
    public IReadOnlyList<PodUsage> PodsInNamespace(string ns)
    {
        if (!_pods.TryGetValue(ns, out var byName))
            return [];
        var now = Now;
        var result = new List<PodUsage>(byName.Count);
        foreach (var entry in byName.Values)
            if (entry.Node.ExpiresAtTicks > now)
                result.Add(entry.Usage);
        return result;
    }

    /// <summary>Pods of <paramref name="ns"/> with current metrics whose labels (from the member's pod
    /// cache) match <paramref name="selector"/>. A pod missing from the pod cache matches only an
    /// empty selector. This is the lookup the HPA's resource metrics need: PodMetrics by selector.</summary>
    public IReadOnlyList<PodUsage> PodsMatching(string ns, Selector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var result = new List<PodUsage>();
        foreach (var usage in PodsInNamespace(ns))
            if (Matches(ns, usage.Name, selector))
                result.Add(usage);
        return result;
    }

    /// <summary>Every pod in every namespace with current metrics (a snapshot).</summary>
    public IReadOnlyList<PodUsage> AllPods()
    {
        var result = new List<PodUsage>();
        foreach (var ns in _pods.Keys)
            result.AddRange(PodsInNamespace(ns));
        return result;
    }

    /// <summary>Namespaces that currently hold at least one pod entry (live or not yet swept).</summary>
    public IReadOnlyList<string> Namespaces() => _pods.Where(p => !p.Value.IsEmpty).Select(p => p.Key).ToList();

    /// <summary>The latest usage of a node; false until two samples of it exist or after its values expired.</summary>
    public bool TryGetNode(string name, out NodeUsage usage)
    {
        if (_nodes.TryGetValue(name, out var entry) && entry.Usage is { } u && IsLive(entry))
        {
            usage = u;
            return true;
        }
        usage = null!;
        return false;
    }

    /// <summary>Every node with current usage (a snapshot).</summary>
    public IReadOnlyList<NodeUsage> Nodes()
    {
        var now = Now;
        var result = new List<NodeUsage>(_nodes.Count);
        foreach (var entry in _nodes.Values)
            if (entry.Usage is { } u && entry.ExpiresAtTicks > now)
                result.Add(u);
        return result;
    }

    /// <summary>The latest scrape condition of a node, failed or not (kept even after its values expired,
    /// so "why has this node no metrics" has an answer).</summary>
    public bool TryGetNodeStatus(string node, out NodeScrapeStatus status) => _statuses.TryGetValue(node, out status!);

    /// <summary>The latest scrape condition of every node that was scraped.</summary>
    public IReadOnlyList<NodeScrapeStatus> NodeStatuses() => _statuses.Values.ToList();

    /// <summary>The Node object's labels from the member's node cache; null when unknown.</summary>
    public IReadOnlyDictionary<string, string>? NodeLabels(string name) =>
        _caches.Nodes.TryGet(name, out var node) ? node.Labels : null;

    /// <summary>The Pod object's labels from the member's pod cache; null when unknown.</summary>
    public IReadOnlyDictionary<string, string>? PodLabels(string ns, string name) =>
        _caches.Pods.TryGet($"{ns}/{name}", out var pod) ? pod.Pod.Labels : null;

    // ---------------------------------------------------------------- subscriptions

    /// <summary>
    /// Push notifications for an HPA (or anything else) interested in pods of <paramref name="ns"/>
    /// matching <paramref name="selector"/>. After each applied batch (one scrape of one node) or
    /// expiry sweep, if at least one pod whose usage changed (new sample, removed, expired) is in
    /// <paramref name="ns"/> and its labels, read from the member's pod cache, match
    /// <paramref name="selector"/>, then <paramref name="message"/> is told to
    /// <paramref name="subscriber"/> exactly once for that batch, never once per pod. The message
    /// carries no data: on receipt, read the current values with <see cref="PodsMatching"/> or
    /// <see cref="TryGetPod"/>. A kubelet answering the same cached samples again is not a change.
    /// Subscriptions are per member and in memory: an entity that moves subscribes again on its new
    /// member. Dispose the result to unsubscribe (idempotent); a terminated subscriber is not removed
    /// automatically, so dispose in PostStop.
    /// </summary>
    public IDisposable Subscribe(string ns, Selector selector, IActorRef subscriber, object message)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentNullException.ThrowIfNull(message);
        var subscription = new Subscription(this, ns, selector, subscriber, message);
        _subscriptions.AddOrUpdate(ns, static (_, s) => new SubscriptionSet([s]), static (_, set, s) => new SubscriptionSet(set.Items.Add(s)), subscription);
        return subscription;
    }

    /// <summary>Number of live subscriptions (tests, telemetry).</summary>
    public int SubscriptionCount => _subscriptions.Values.Sum(s => s.Items.Length);

    private void Unsubscribe(Subscription subscription)
    {
        while (_subscriptions.TryGetValue(subscription.Namespace, out var set))
        {
            var updated = set.Items.Remove(subscription);
            if (updated.Length == set.Items.Length)
                return;
            if (updated.IsEmpty
                ? _subscriptions.TryRemove(KeyValuePair.Create(subscription.Namespace, set))
                : _subscriptions.TryUpdate(subscription.Namespace, new SubscriptionSet(updated), set))
                return;
        }
    }

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// Applies one scraper report: records the node's status; with a batch, replaces everything known
    /// from that node (pods absent from the batch are removed, the node's values live another
    /// <see cref="TimeToLive"/>) and notifies the matching subscribers. Without a batch (a failed scrape)
    /// the node's values are left as they are, to expire on their own.
    /// </summary>
    public void Apply(NodeScrapeReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        List<(string Namespace, string Name)>? changed = null;
        lock (_writeLock)
        {
            _statuses[report.Status.Node] = report.Status;
            _reportsPerNode.AddOrUpdate(report.Status.Node, 1, static (_, n) => n + 1);
            if (report.Batch is not { } batch)
                return;
            Interlocked.Increment(ref _appliedBatches);
            var entry = _nodes.GetOrAdd(batch.Node, static n => new NodeEntry(n));
            var wasLive = entry.ExpiresAtTicks > Now;
            entry.Usage = batch.NodeUsage;
            entry.ExpiresAtTicks = Now + _ttlTicks;

            var present = new HashSet<(string, string)>(batch.Pods.Length);
            foreach (var pod in batch.Pods)
            {
                var key = (pod.Namespace, pod.Name);
                present.Add(key);
                var byName = _pods.GetOrAdd(pod.Namespace, static _ => new ConcurrentDictionary<string, PodEntry>(StringComparer.Ordinal));
                byName.TryGetValue(pod.Name, out var previous);
                byName[pod.Name] = new PodEntry(pod, entry);
                if (previous is not null && !ReferenceEquals(previous.Node, entry))
                    previous.Node.Pods.Remove(key); // the name now runs elsewhere (a StatefulSet pod rescheduled)
                var isChange = previous is null || !wasLive || !ReferenceEquals(previous.Node, entry)
                    || previous.Usage.TimestampNs != pod.TimestampNs || previous.Usage.WindowNs != pod.WindowNs;
                if (isChange)
                    (changed ??= []).Add(key);
            }
            foreach (var key in entry.Pods)
            {
                if (present.Contains(key))
                    continue;
                if (RemovePodOf(entry, key))
                    (changed ??= []).Add(key);
            }
            entry.Pods = present;
            if (changed is not null)
                Notify(changed);
        }
    }

    /// <summary>Drops the values of nodes whose last good scrape is older than <see cref="TimeToLive"/>
    /// (reads already ignore them; this frees the memory and tells subscribers), and the status of
    /// nodes that no longer exist. Returns the number of nodes whose values were dropped.</summary>
    public int RemoveExpired()
    {
        var removed = 0;
        lock (_writeLock)
        {
            var now = Now;
            List<(string, string)>? changed = null;
            foreach (var entry in _nodes.Values)
            {
                if (entry.ExpiresAtTicks > now)
                    continue;
                foreach (var key in entry.Pods)
                    if (RemovePodOf(entry, key))
                        (changed ??= []).Add(key);
                _nodes.TryRemove(KeyValuePair.Create(entry.Name, entry));
                removed++;
            }
            if (_caches.Nodes.IsSynced)
                foreach (var node in _statuses.Keys)
                    if (!_caches.Nodes.TryGet(node, out _) && !_nodes.ContainsKey(node))
                        _statuses.TryRemove(node, out _);
            if (changed is not null)
                Notify(changed);
        }
        return removed;
    }

    private bool RemovePodOf(NodeEntry entry, (string Namespace, string Name) key)
    {
        if (!_pods.TryGetValue(key.Namespace, out var byName) || !byName.TryGetValue(key.Name, out var current) || !ReferenceEquals(current.Node, entry))
            return false;
        byName.TryRemove(KeyValuePair.Create(key.Name, current));
        return true;
    }

    private void Notify(List<(string Namespace, string Name)> changed)
    {
        if (_subscriptions.IsEmpty)
            return;
        // Every member applies every node's batch, so this runs for each scrape in the cluster: each
        // changed pod's labels are read once and only the subscriptions filed under one of its labels
        // are tested (SelectorIndex), instead of every subscription of the namespace against every pod.
        HashSet<Subscription>? notified = null;
        foreach (var (ns, name) in changed)
        {
            if (!_subscriptions.TryGetValue(ns, out var set))
                continue;
            if (!_caches.Pods.TryGet($"{ns}/{name}", out var pod))
            {
                // Not (yet) in the pod cache: only an empty selector matches it (see PodsMatching).
                foreach (var subscription in set.Items)
                    if (subscription.Selector.IsEmpty && (notified ??= []).Add(subscription))
                        subscription.Subscriber.Tell(subscription.Message, ActorRefs.NoSender);
                continue;
            }
            set.Index.ForEachMatch(pod.Pod.Labels, subscription =>
            {
                if ((notified ??= []).Add(subscription))
                    subscription.Subscriber.Tell(subscription.Message, ActorRefs.NoSender);
            });
        }
    }

    private bool Matches(string ns, string name, Selector selector)
    {
        if (selector.IsEmpty)
            return true;
        return _caches.Pods.TryGet($"{ns}/{name}", out var pod) && selector.Matches(pod.Pod.Labels);
    }

    private long Now => _time.GetUtcNow().UtcTicks;

    private bool IsLive(NodeEntry entry) => entry.ExpiresAtTicks > Now;

    private sealed class NodeEntry(string name)
    {
        public string Name { get; } = name;
        public NodeUsage? Usage { get; set; }
        private long _expiresAtTicks;
        public long ExpiresAtTicks
        {
            get => Volatile.Read(ref _expiresAtTicks);
            set => Volatile.Write(ref _expiresAtTicks, value);
        }
        /// <summary>Pods last reported by this node; touched only under the write lock.</summary>
        public HashSet<(string Namespace, string Name)> Pods { get; set; } = [];
    }

    private sealed record PodEntry(PodUsage Usage, NodeEntry Node);

    /// <summary>One namespace's subscriptions (immutable; replaced on every change) and their selector
    /// index, built on first use by <see cref="Notify"/> (which runs under the write lock).</summary>
    private sealed class SubscriptionSet(ImmutableArray<Subscription> items)
    {
        private SelectorIndex<Subscription>? _index;
        public ImmutableArray<Subscription> Items { get; } = items;
        public SelectorIndex<Subscription> Index => _index ??= new SelectorIndex<Subscription>(Items.Select(s => (s.Selector, s)));
    }

    private sealed class Subscription(ResourceMetricsStore store, string ns, Selector selector, IActorRef subscriber, object message) : IDisposable
    {
        private int _disposed;
        public string Namespace { get; } = ns;
        public Selector Selector { get; } = selector;
        public IActorRef Subscriber { get; } = subscriber;
        public object Message { get; } = message;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                store.Unsubscribe(this);
        }
    }
}
