using System.Collections.Concurrent;

namespace ActorScaler.Kubernetes.Informers;

public enum CacheChangeKind
{
    Upsert,
    Delete,
    /// <summary>A relist replaced the cache; consumers re-read what they care about.</summary>
    Replaced,
}

public readonly record struct CacheChange<T>(CacheChangeKind Kind, string Key, T? Item);

/// <summary>
/// A member's local, thread-safe copy of one resource (client-go's indexer/lister): informers write
/// it, actors read it without API calls, and subscribers hear about changes. Items are stored as a
/// projection (<typeparamref name="T"/>) so large objects are not kept whole.
/// </summary>
public sealed class ObjectCache<TSource, T> : IInformerHandler<TSource>
    where T : class
{
    private readonly ConcurrentDictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, T>> _byNamespace = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _namespaceVersions = new(StringComparer.Ordinal);
    private long _changes;
    private long _lastReplace;
    private readonly Func<TSource, string> _key;
    private readonly Func<TSource, T?> _project;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImmutableSubscribers _subscribers = ImmutableSubscribers.Empty;

    /// <param name="key">namespace/name (or name for cluster-scoped objects).</param>
    /// <param name="project">The projection to keep; null means "not interesting", which removes the key.</param>
    public ObjectCache(Func<TSource, string> key, Func<TSource, T?> project)
    {
        _key = key;
        _project = project;
    }

    public Task Synced => _synced.Task;
    public bool IsSynced => _synced.Task.IsCompleted;
    public int Count => _items.Count;
    public string ResourceVersion { get; private set; } = "";

    public bool TryGet(string key, out T item) => _items.TryGetValue(key, out item!);

    /// <summary>A point-in-time copy of every item.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        // Enumerating the dictionary takes no lock (.Values would take every bucket lock).
        var result = new List<T>(_items.Count);
        foreach (var (_, item) in _items)
            result.Add(item);
        return result;
    }

    public IEnumerable<KeyValuePair<string, T>> Entries => _items;

    /// <summary>The items of one namespace (keys "namespace/name"), enumerated without locks or copying:
    /// what a lister's <c>Pods(ns)</c> gives, so a reader never walks the whole cluster.</summary>
    public IEnumerable<T> InNamespace(string ns)
    {
        if (!_byNamespace.TryGetValue(ns, out var bucket))
            yield break;
        foreach (var (_, item) in bucket)
            yield return item;
    }

    /// <summary>
    /// A number that grows whenever an item of <paramref name="ns"/> changes (or a relist replaces the
    /// cache): read it before reading the namespace, and a result derived from that read stays valid
    /// while the number is unchanged. It lets readers cache per-namespace results (e.g. the pods a
    /// selector matches) so a steady state costs nothing per read.
    /// </summary>
    public long NamespaceVersion(string ns) =>
        Math.Max(Volatile.Read(ref _lastReplace), _namespaceVersions.TryGetValue(ns, out var version) ? version : 0);

    /// <summary>Registers a change callback; it runs on the informer's thread, so keep it to a Tell.</summary>
    public IDisposable Subscribe(Action<CacheChange<T>> onChange)
    {
        ImmutableInterlocked(s => s.Add(onChange));
        return new Unsubscriber(() => ImmutableInterlocked(s => s.Remove(onChange)));
    }

    private readonly HashSet<string> _pendingScopes = new(StringComparer.Ordinal);
    private readonly Lock _scopeLock = new();

    /// <summary>
    /// A handler for an informer that sees only part of the keys (e.g. one namespace of a
    /// namespaced list): its relists replace only keys that start with <paramref name="keyPrefix"/>.
    /// The cache counts as synced once every scope handed out has listed once.
    /// </summary>
    public IInformerHandler<TSource> Scope(string keyPrefix)
    {
        lock (_scopeLock)
            _pendingScopes.Add(keyPrefix);
        return new ScopedHandler(this, keyPrefix);
    }

    private sealed class ScopedHandler(ObjectCache<TSource, T> cache, string prefix) : IInformerHandler<TSource>
    {
        public void OnReplace(IReadOnlyList<TSource> items, string resourceVersion) => cache.Replace(items, resourceVersion, prefix);
        public void OnUpsert(TSource item) => ((IInformerHandler<TSource>)cache).OnUpsert(item);
        public void OnDelete(TSource item) => ((IInformerHandler<TSource>)cache).OnDelete(item);
    }

    void IInformerHandler<TSource>.OnReplace(IReadOnlyList<TSource> items, string resourceVersion) => Replace(items, resourceVersion, "");

    private void Replace(IReadOnlyList<TSource> items, string resourceVersion, string prefix)
    {
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in items)
        {
            var key = _key(source);
            var projected = _project(source);
            if (projected is null)
                continue;
            fresh.Add(key);
            Store(key, projected);
        }
        foreach (var (key, _) in _items)
            if (key.StartsWith(prefix, StringComparison.Ordinal) && !fresh.Contains(key))
                Remove(key, out _);
        ResourceVersion = resourceVersion;
        Volatile.Write(ref _lastReplace, Interlocked.Increment(ref _changes));
        bool allSynced;
        lock (_scopeLock)
        {
            _pendingScopes.Remove(prefix);
            allSynced = _pendingScopes.Count == 0;
        }
        if (allSynced)
            _synced.TrySetResult();
        Publish(new CacheChange<T>(CacheChangeKind.Replaced, "", null));
    }

    void IInformerHandler<TSource>.OnUpsert(TSource item)
    {
        var key = _key(item);
        var projected = _project(item);
        if (projected is null)
        {
            if (Remove(key, out var removed))
                Publish(new CacheChange<T>(CacheChangeKind.Delete, key, removed));
            return;
        }
        Store(key, projected);
        Publish(new CacheChange<T>(CacheChangeKind.Upsert, key, projected));
    }

    void IInformerHandler<TSource>.OnDelete(TSource item)
    {
        var key = _key(item);
        if (Remove(key, out var removed))
            Publish(new CacheChange<T>(CacheChangeKind.Delete, key, removed));
    }

    private void Store(string key, T item)
    {
        _items[key] = item;
        if (NamespaceOf(key) is { } ns)
        {
            _byNamespace.GetOrAdd(ns, static _ => new ConcurrentDictionary<string, T>(StringComparer.Ordinal))[key] = item;
            Touch(ns);
        }
    }

    private bool Remove(string key, out T removed)
    {
        if (!_items.TryRemove(key, out removed!))
            return false;
        if (NamespaceOf(key) is { } ns)
        {
            if (_byNamespace.TryGetValue(ns, out var bucket))
                bucket.TryRemove(key, out _);
            Touch(ns);
        }
        return true;
    }

    // The version is written after the item (and only ever grows, even when two informers of one cache
    // race), so a reader whose read missed this item saw an older version and re-reads next time.
    private void Touch(string ns)
    {
        var version = Interlocked.Increment(ref _changes);
        _namespaceVersions.AddOrUpdate(ns, static (_, v) => v, static (_, old, v) => Math.Max(old, v), version);
    }

    private static string? NamespaceOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? null : key[..slash];
    }

    private void Publish(CacheChange<T> change)
    {
        foreach (var subscriber in _subscribers.Items)
            subscriber(change);
    }

    private void ImmutableInterlocked(Func<ImmutableSubscribers, ImmutableSubscribers> update)
    {
        while (true)
        {
            var current = _subscribers;
            if (Interlocked.CompareExchange(ref _subscribers, update(current), current) == current)
                return;
        }
    }

    private sealed class ImmutableSubscribers(Action<CacheChange<T>>[] items)
    {
        public static readonly ImmutableSubscribers Empty = new([]);
        public Action<CacheChange<T>>[] Items { get; } = items;
        public ImmutableSubscribers Add(Action<CacheChange<T>> s) => new([.. Items, s]);
        public ImmutableSubscribers Remove(Action<CacheChange<T>> s) => new(Items.Where(x => x != s).ToArray());
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;
        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
