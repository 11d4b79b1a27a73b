using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Storage;

/// <summary>
/// The simulator's etcd plus watch cache: every object of every resource, one monotonic
/// resourceVersion counter shared by all of them, and watches that can resume from a recent
/// resourceVersion. Thread-safe; writes are serialized under one lock (as etcd serializes
/// revisions), reads copy references under the same lock and never parse JSON unless asked.
///
/// Create and update apply the API server's generic registry rules (uid, creationTimestamp,
/// generateName, generation bumped on spec change, resourceVersion precondition, no-op updates
/// leave the resourceVersion alone). Kind-specific defaulting and validation live above this.
/// </summary>
public sealed class ClusterStore
{
    /// <summary>Events kept per resource for watches that resume from a resourceVersion.</summary>
    public const int DefaultWatchHistory = 10_000;

    /// <summary>Events a watcher may have queued before it is dropped.</summary>
    public const int DefaultWatchBuffer = 10_000;

    private const int MaxUpdateAttempts = 32;
    // names.SimpleNameGenerator: 5 characters from an alphabet without vowels or look-alikes.
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int GenerateNameSuffixLength = 5;

    private readonly object _lock = new();
    private readonly Dictionary<GroupResource, ResourceTable> _tables = [];
    private readonly TimeProvider _time;
    private readonly int _historyCapacity;
    private readonly int _watchBuffer;
    private long _resourceVersion;

    public ClusterStore(TimeProvider? time = null, int watchHistory = DefaultWatchHistory, int watchBuffer = DefaultWatchBuffer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(watchHistory, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(watchBuffer, 1);
        _time = time ?? TimeProvider.System;
        _historyCapacity = watchHistory;
        _watchBuffer = watchBuffer;
    }

    public TimeProvider Time => _time;

    /// <summary>The latest resourceVersion handed out (what a list reports).</summary>
    public long ResourceVersion
    {
        get { lock (_lock) return _resourceVersion; }
    }

    /// <summary>Raised after each committed write, outside the lock (audit, aggregation caches).</summary>
    public event Action<WatchEventType, StoredObject>? Changed;

    // ---------------------------------------------------------------- reads

    public StoredObject? Get(GroupResource gr, string? @namespace, string name)
    {
        lock (_lock)
        {
            return _tables.TryGetValue(gr, out var t) ? t.Find(@namespace ?? "", name) : null;
        }
    }

    /// <summary>Get as a mutable JSON copy, or null when absent.</summary>
    public JsonObject? GetObject(GroupResource gr, string? @namespace, string name) => Get(gr, @namespace, name)?.ToJsonObject();

    public StoredObject GetRequired(GroupResource gr, string? @namespace, string name) =>
        Get(gr, @namespace, name) ?? throw StatusException.NotFound(gr, name);

    public int Count(GroupResource gr)
    {
        lock (_lock)
        {
            return _tables.TryGetValue(gr, out var t) ? t.Count : 0;
        }
    }

    /// <summary>
    /// Objects in (namespace, name) order, filtered, optionally paged with continue tokens. Every page
    /// of one paged list shows the store as it was at the first page's resourceVersion, as
    /// kube-apiserver serves chunks from one etcd revision: an informer lists in pages and then watches
    /// from that one resourceVersion, so a page served from a later state would lose every change made
    /// to the earlier pages' objects in between (found at 1,000 pods: a member's cache kept pods
    /// not-Ready forever). The first page keeps the scope's objects (references, they are immutable);
    /// a continue token names that snapshot, and a token whose snapshot is gone (older than
    /// <see cref="ListSnapshotLifetime"/>, pushed out by newer paged lists, or a restarted simulator)
    /// is 410 Expired with the API server's message, upon which clients list again from the start.
    /// </summary>
    public ListResult List(GroupResource gr, ListOptions? options = null)
    {
        options ??= new ListOptions();
        SelectableFields.Check(gr, options.FieldSelector);
        var token = DecodeContinue(options.Continue);
        lock (_lock)
        {
            ListSnapshot? snapshot = token is { } t ? FindSnapshot(gr, options.Namespace, t) : null;
            var rv = snapshot?.ResourceVersion ?? _resourceVersion;
            IEnumerable<StoredObject> scope = snapshot is not null
                ? snapshot.Items.Skip(token!.Value.Offset)
                : _tables.TryGetValue(gr, out var table) ? table.Enumerate(options.Namespace, null, null) : [];
            var position = snapshot is null ? 0 : token!.Value.Offset;
            var items = new List<StoredObject>();
            var next = -1; // scope position after the last item served, once the page is full
            long remaining = 0;
            foreach (var obj in scope)
            {
                position++;
                if (!Matches(obj, options.Namespace, options.LabelSelector, options.FieldSelector)) continue;
                if (options.Limit > 0 && items.Count == options.Limit)
                {
                    remaining++;
                    continue;
                }
                items.Add(obj);
                if (options.Limit > 0 && items.Count == options.Limit)
                    next = position;
            }
            if (remaining == 0)
                return new ListResult(items, rv, null, null);
            var id = snapshot?.Id ?? KeepSnapshot(gr, options.Namespace, rv,
                _tables[gr].Enumerate(options.Namespace, null, null).ToList());
            var last = items[^1];
            return new ListResult(items, rv, EncodeContinue(rv, last.Namespace, last.Name, id, next), remaining);
        }
    }

    /// <summary>How long a paged list's continue token stays usable: kube-apiserver's tokens die with
    /// etcd's compaction, every 5 minutes by default.</summary>
    public static readonly TimeSpan ListSnapshotLifetime = TimeSpan.FromMinutes(5);

    /// <summary>Paged lists kept at once; the oldest is dropped beyond this (its client gets 410 and
    /// lists again), so abandoned lists cannot hold memory.</summary>
    private const int MaxListSnapshots = 64;

    private readonly Dictionary<long, ListSnapshot> _listSnapshots = [];
    private long _lastSnapshotId;

    private sealed record ListSnapshot(long Id, GroupResource Resource, string Namespace, long ResourceVersion, IReadOnlyList<StoredObject> Items, DateTimeOffset TakenAt);

    // Both under _lock.
    private long KeepSnapshot(GroupResource gr, string? ns, long rv, IReadOnlyList<StoredObject> items)
    {
        var now = _time.GetUtcNow();
        foreach (var stale in _listSnapshots.Values.Where(s => now - s.TakenAt > ListSnapshotLifetime).Select(s => s.Id).ToList())
            _listSnapshots.Remove(stale);
        if (_listSnapshots.Count >= MaxListSnapshots)
            _listSnapshots.Remove(_listSnapshots.Keys.Min());
        var id = ++_lastSnapshotId;
        _listSnapshots[id] = new ListSnapshot(id, gr, ns ?? "", rv, items, now);
        return id;
    }

    private ListSnapshot FindSnapshot(GroupResource gr, string? ns, ContinueToken token)
    {
        if (!_listSnapshots.TryGetValue(token.Snapshot, out var snapshot) || _time.GetUtcNow() - snapshot.TakenAt > ListSnapshotLifetime)
        {
            _listSnapshots.Remove(token.Snapshot);
            // storage.NewResourceExpired / ErrContinueTokenExpired wording.
            throw new StatusException(410, StatusReasons.Expired,
                "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
        }
        if (snapshot.Resource != gr || !string.Equals(snapshot.Namespace, ns ?? "", StringComparison.Ordinal)
            || snapshot.ResourceVersion != token.ResourceVersion || token.Offset > snapshot.Items.Count)
            throw StatusException.BadRequest("continue key is not valid: it belongs to another list");
        return snapshot;
    }

    // ---------------------------------------------------------------- writes

    /// <summary>
    /// Creates an object. metadata.namespace must already be set ("" or absent for cluster-scoped);
    /// name or generateName is required. Throws AlreadyExists (409) or Invalid (422).
    /// </summary>
    public StoredObject Create(GroupResource gr, JsonObject obj, bool dryRun = false)
    {
        // The caller keeps its object: system fields are set on a copy.
        obj = (JsonObject)obj.DeepClone();
        var meta = Metadata(obj);
        var ns = (string?)meta["namespace"] ?? "";
        var name = (string?)meta["name"] ?? "";
        var generateName = (string?)meta["generateName"] ?? "";
        if (name.Length == 0 && generateName.Length == 0)
        {
            throw StatusException.Invalid(gr.Group, KindOf(obj, gr), "",
                [new StatusCause("FieldValueRequired", "Required value: name or generateName is required", "metadata.name")]);
        }
        if (ns.Length == 0) meta.Remove("namespace");
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = FormatTime(_time.GetUtcNow());
        if (obj.ContainsKey("spec")) meta["generation"] = 1;
        else meta.Remove("generation");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");

        StoredObject stored;
        lock (_lock)
        {
            var table = Table(gr);
            if (name.Length == 0)
            {
                do name = generateName + RandomSuffix();
                while (table.Find(ns, name) is not null);
                meta["name"] = name;
            }
            else if (table.Find(ns, name) is not null)
            {
                throw StatusException.AlreadyExists(gr, name);
            }
            if (dryRun)
            {
                meta.Remove("resourceVersion");
                return Freeze(gr, obj, ns, name, 0);
            }
            stored = Freeze(gr, obj, ns, name, ++_resourceVersion);
            table.Put(stored);
            Publish(table, WatchEventType.Added, stored, null);
        }
        Changed?.Invoke(WatchEventType.Added, stored);
        return stored;
    }

    /// <summary>
    /// Replaces an object (PUT). A non-empty metadata.resourceVersion is a precondition (409 Conflict
    /// when stale); an empty one updates unconditionally. uid and creationTimestamp are kept,
    /// generation is bumped when spec changed, and an update that changes nothing writes nothing.
    /// </summary>
    public StoredObject Update(GroupResource gr, JsonObject obj, bool dryRun = false)
    {
        var meta = Metadata(obj);
        var ns = (string?)meta["namespace"] ?? "";
        var name = (string?)meta["name"] ?? "";
        if (name.Length == 0)
        {
            throw StatusException.Invalid(gr.Group, KindOf(obj, gr), "",
                [new StatusCause("FieldValueRequired", "Required value: name is required", "metadata.name")]);
        }
        var precondition = ParseResourceVersion((string?)meta["resourceVersion"], "metadata.resourceVersion");
        var expectedUid = (string?)meta["uid"];

        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = Get(gr, ns, name) ?? throw StatusException.NotFound(gr, name);
            if (precondition is { } rv && rv != current.ResourceVersion) throw StatusException.StaleResourceVersion(gr, name);
            if (!string.IsNullOrEmpty(expectedUid) && expectedUid != current.Uid)
            {
                throw StatusException.Conflict(gr, name,
                    $"Precondition failed: UID in precondition: {expectedUid}, UID in object meta: {current.Uid}");
            }
            var candidate = (JsonObject)obj.DeepClone();
            var currentObject = current.ToJsonObject();
            CarryOverSystemMetadata(currentObject, candidate, ns);
            Metadata(candidate)["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            // An update that changes nothing is not a write: no new resourceVersion, no watch event.
            if (JsonNode.DeepEquals(candidate, currentObject)) return current;
            if (dryRun) return Freeze(gr, candidate, ns, name, current.ResourceVersion);
            if (TryReplace(gr, ns, name, current, candidate) is { } stored)
                return stored;
        }
        throw StatusException.StaleResourceVersion(gr, name);
    }

    /// <summary>
    /// Read-modify-write with retry (the registry's GuaranteedUpdate): <paramref name="mutate"/> gets a
    /// fresh copy of the current object and returns false to leave it unchanged. It may run more than
    /// once if another writer gets in between. Throws NotFound when the object does not exist.
    /// </summary>
    public StoredObject Update(GroupResource gr, string? @namespace, string name, Func<JsonObject, bool> mutate)
    {
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = GetRequired(gr, @namespace, name);
            var obj = current.ToJsonObject();
            if (!mutate(obj)) return current;
            Metadata(obj)["resourceVersion"] = current.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            try
            {
                return Update(gr, obj);
            }
            catch (StatusException e) when (e.Reason == StatusReasons.Conflict)
            {
                // Lost the race to another writer: read again and re-apply the mutation.
            }
        }
        throw StatusException.StaleResourceVersion(gr, name);
    }

    /// <summary>
    /// The first step of a graceful delete, what DELETE with a grace period does to a pod: one write
    /// that sets metadata.deletionTimestamp (now + the grace period) and deletionGracePeriodSeconds and
    /// applies <paramref name="mutate"/> (e.g. the kubelet turning the pod not Ready). Clients see a
    /// MODIFIED pod with a deletionTimestamp, which controllers (the HPA among them) skip, until the
    /// object is removed with <see cref="Delete"/>. An object already marked keeps its mark.
    /// </summary>
    public StoredObject MarkForDeletion(GroupResource gr, string? @namespace, string name, TimeSpan gracePeriod, Func<JsonObject, bool>? mutate = null)
    {
        var ns = @namespace ?? "";
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = GetRequired(gr, ns, name);
            var obj = current.ToJsonObject();
            var meta = Metadata(obj);
            if (meta["deletionTimestamp"] is not null)
                return mutate is null ? current : Update(gr, ns, name, mutate);
            meta["deletionTimestamp"] = FormatTime(_time.GetUtcNow() + gracePeriod);
            meta["deletionGracePeriodSeconds"] = (long)gracePeriod.TotalSeconds;
            mutate?.Invoke(obj);
            if (TryReplace(gr, ns, name, current, obj) is { } stored)
                return stored;
        }
        throw StatusException.StaleResourceVersion(gr, name);
    }

    /// <summary>Commits <paramref name="candidate"/> as the next version of an object still at
    /// <paramref name="current"/> and tells watchers; null when another writer got in first (retry).</summary>
    private StoredObject? TryReplace(GroupResource gr, string ns, string name, StoredObject current, JsonObject candidate)
    {
        StoredObject stored;
        lock (_lock)
        {
            var table = Table(gr);
            if (!ReferenceEquals(table.Find(ns, name), current)) return null;
            stored = Freeze(gr, candidate, ns, name, ++_resourceVersion);
            table.Put(stored);
            Publish(table, WatchEventType.Modified, stored, current);
        }
        Changed?.Invoke(WatchEventType.Modified, stored);
        return stored;
    }

    /// <summary>Update or create: what a controller wants for objects it owns outright.</summary>
    public StoredObject Upsert(GroupResource gr, JsonObject obj)
    {
        var meta = Metadata(obj);
        meta.Remove("resourceVersion");
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            try
            {
                return Get(gr, (string?)meta["namespace"], (string?)meta["name"] ?? "") is null
                    ? Create(gr, (JsonObject)obj.DeepClone())
                    : Update(gr, (JsonObject)obj.DeepClone());
            }
            catch (StatusException e) when (e.Reason is StatusReasons.AlreadyExists or StatusReasons.NotFound)
            {
                // Created or deleted concurrently: decide again.
            }
        }
        throw StatusException.StaleResourceVersion(gr, (string?)meta["name"] ?? "");
    }

    /// <summary>Deletes immediately (no finalizers or grace period). Returns the object as deleted, at the delete's resourceVersion.</summary>
    public StoredObject Delete(GroupResource gr, string? @namespace, string name, string? preconditionUid = null,
        string? preconditionResourceVersion = null, bool dryRun = false)
    {
        var ns = @namespace ?? "";
        var expectedRv = ParseResourceVersion(preconditionResourceVersion, "preconditions.resourceVersion");
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = GetRequired(gr, ns, name);
            if (!string.IsNullOrEmpty(preconditionUid) && preconditionUid != current.Uid)
            {
                throw StatusException.Conflict(gr, name,
                    $"Precondition failed: UID in precondition: {preconditionUid}, UID in object meta: {current.Uid}");
            }
            if (expectedRv is { } rv && rv != current.ResourceVersion)
            {
                throw StatusException.Conflict(gr, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {current.ResourceVersion}");
            }
            if (dryRun) return current;
            var obj = current.ToJsonObject();
            StoredObject deleted;
            lock (_lock)
            {
                var table = Table(gr);
                if (!ReferenceEquals(table.Find(ns, name), current)) continue;
                deleted = Freeze(gr, obj, ns, name, ++_resourceVersion);
                table.Remove(ns, name);
                Publish(table, WatchEventType.Deleted, deleted, current);
            }
            Changed?.Invoke(WatchEventType.Deleted, deleted);
            return deleted;
        }
        throw StatusException.StaleResourceVersion(gr, name);
    }

    /// <summary>Deletes every match; returns what was deleted.</summary>
    public IReadOnlyList<StoredObject> DeleteCollection(GroupResource gr, ListOptions? options = null, bool dryRun = false)
    {
        var deleted = new List<StoredObject>();
        foreach (var obj in List(gr, (options ?? new ListOptions()) with { Limit = 0, Continue = null }).Items)
        {
            try
            {
                deleted.Add(Delete(gr, obj.Namespace, obj.Name, dryRun: dryRun));
            }
            catch (StatusException e) when (e.Reason == StatusReasons.NotFound)
            {
                // Deleted by someone else meanwhile: nothing left to do for it.
            }
        }
        return deleted;
    }

    // ---------------------------------------------------------------- watch

    /// <summary>
    /// Opens a watch. With a resourceVersion, replays retained events after it (410 Expired if older
    /// than the retained history); without one (or 0), starts with a synthetic ADDED per current match.
    /// </summary>
    public StoreWatch Watch(GroupResource gr, WatchOptions? options = null)
    {
        options ??= new WatchOptions();
        SelectableFields.Check(gr, options.FieldSelector);
        var watch = new StoreWatch(this, gr, options, _watchBuffer);
        lock (_lock)
        {
            var table = Table(gr);
            if (options.ResourceVersion is { } from && from > 0)
            {
                if (from < table.CompactedResourceVersion)
                {
                    throw StatusException.Expired(from, table.CompactedResourceVersion + 1);
                }
                foreach (var change in table.HistoryAfter(from))
                {
                    Deliver(watch, change);
                }
            }
            else
            {
                var initial = 0;
                foreach (var obj in table.Enumerate(options.Namespace, null, null))
                {
                    if (!Matches(obj, options.Namespace, options.LabelSelector, options.FieldSelector)) continue;
                    watch.Enqueue(new WatchEvent(WatchEventType.Added, obj, obj.ResourceVersion));
                    initial++;
                }
                // The initial snapshot may be far larger than the live-event buffer.
                watch.BufferLimit = _watchBuffer + initial;
            }
            table.Watchers.Add(watch);
        }
        return watch;
    }

    /// <summary>Ends every open watch (or those of one resource): the "dropped watches" fault.</summary>
    public int DropWatches(GroupResource? gr = null, string reason = "watch dropped")
    {
        List<StoreWatch> dropped = [];
        lock (_lock)
        {
            foreach (var (key, table) in _tables)
            {
                if (gr is { } only && only != key) continue;
                dropped.AddRange(table.Watchers);
                table.Watchers.Clear();
            }
        }
        foreach (var w in dropped) w.Terminate(reason);
        return dropped.Count;
    }

    public int WatcherCount
    {
        get
        {
            lock (_lock) return _tables.Values.Sum(t => t.Watchers.Count);
        }
    }

    internal void Bookmark(StoreWatch watch)
    {
        lock (_lock)
        {
            if (Table(watch.Resource).Watchers.Contains(watch))
            {
                watch.Enqueue(new WatchEvent(WatchEventType.Bookmark, null, _resourceVersion));
            }
        }
    }

    internal void Unsubscribe(StoreWatch watch)
    {
        lock (_lock)
        {
            if (_tables.TryGetValue(watch.Resource, out var t)) t.Watchers.Remove(watch);
        }
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>RFC 3339 with second precision, as metav1.Time marshals.</summary>
    public static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static long? ParseResourceVersion(string? text, string field)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var rv))
        {
            throw StatusException.BadRequest($"{field}: Invalid value: \"{text}\": must be a non-negative integer resourceVersion");
        }
        return rv;
    }

    private static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta) return meta;
        if (obj["metadata"] is not null) throw StatusException.BadRequest("metadata: must be an object");
        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    private static string KindOf(JsonObject obj, GroupResource gr) => (string?)obj["kind"] ?? gr.Resource;

    private static void CarryOverSystemMetadata(JsonObject current, JsonObject candidate, string ns)
    {
        var oldMeta = (JsonObject)current["metadata"]!;
        var newMeta = Metadata(candidate);
        foreach (var field in new[] { "uid", "creationTimestamp", "deletionTimestamp", "generateName" })
        {
            newMeta.Remove(field);
            if (oldMeta[field] is { } value) newMeta[field] = value.DeepClone();
        }
        if (ns.Length == 0) newMeta.Remove("namespace");
        var generation = (long?)oldMeta["generation"];
        if (generation is { } g)
        {
            var specChanged = !JsonNode.DeepEquals(current["spec"], candidate["spec"]);
            newMeta["generation"] = specChanged ? g + 1 : g;
        }
        else
        {
            newMeta.Remove("generation");
        }
    }

    private StoredObject Freeze(GroupResource gr, JsonObject obj, string ns, string name, long rv)
    {
        var meta = Metadata(obj);
        if (rv > 0) meta["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
        var json = WireJson.Serialize(obj);
        return new StoredObject(gr, ns, name, (string?)meta["uid"] ?? "", rv, json,
            StoredObject.ReadLabels(obj), SelectableFields.Extract(gr, obj));
    }

    private ResourceTable Table(GroupResource gr)
    {
        if (!_tables.TryGetValue(gr, out var t))
        {
            t = new ResourceTable(_historyCapacity);
            _tables[gr] = t;
        }
        return t;
    }

    private static bool Matches(StoredObject obj, string? ns, LabelSelector labels, FieldSelector fields) =>
        (string.IsNullOrEmpty(ns) || obj.Namespace == ns) && labels.Matches(obj.Labels) && obj.MatchesFields(fields);

    // Called under the lock.
    private void Publish(ResourceTable table, WatchEventType type, StoredObject obj, StoredObject? previous)
    {
        var change = new Change(type, obj, previous);
        table.Record(change);
        if (table.Watchers.Count == 0) return;
        List<StoreWatch>? overflowed = null;
        foreach (var watch in table.Watchers)
        {
            if (!Deliver(watch, change)) (overflowed ??= []).Add(watch);
        }
        if (overflowed is not null)
        {
            foreach (var w in overflowed) table.Watchers.Remove(w);
        }
    }

    // Translates a change into what this watcher sees: an object moving into the selector is ADDED
    // for it, one moving out is DELETED (the cacher's semantics). False when the watcher overflowed.
    private static bool Deliver(StoreWatch watch, Change change)
    {
        var o = watch.Options;
        var nowMatches = change.Type != WatchEventType.Deleted && Matches(change.Object, o.Namespace, o.LabelSelector, o.FieldSelector);
        var usedToMatch = change.Previous is not null && Matches(change.Previous, o.Namespace, o.LabelSelector, o.FieldSelector);
        WatchEventType? type = change.Type switch
        {
            WatchEventType.Added => nowMatches ? WatchEventType.Added : null,
            WatchEventType.Deleted => usedToMatch ? WatchEventType.Deleted : null,
            _ => (usedToMatch, nowMatches) switch
            {
                (true, true) => WatchEventType.Modified,
                (false, true) => WatchEventType.Added,
                (true, false) => WatchEventType.Deleted,
                _ => null,
            },
        };
        return type is not { } t || watch.Enqueue(new WatchEvent(t, change.Object, change.Object.ResourceVersion));
    }

    private static string RandomSuffix()
    {
        Span<char> chars = stackalloc char[GenerateNameSuffixLength];
        for (var i = 0; i < chars.Length; i++) chars[i] = GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)];
        return new string(chars);
    }

    private readonly record struct ContinueToken(long ResourceVersion, long Snapshot, int Offset);

    // The fields of kube-apiserver's token ("v", "rv", "start") plus the snapshot and where in it the next page starts.
    private static string EncodeContinue(long rv, string ns, string name, long snapshot, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = ns + "/" + name + "\0", ["snapshot"] = snapshot, ["offset"] = offset })));

    private static ContinueToken? DecodeContinue(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        try
        {
            var obj = JsonNode.Parse(Convert.FromBase64String(token))!.AsObject();
            var rv = (long?)obj["rv"] ?? throw new FormatException("no resource version");
            var snapshot = (long?)obj["snapshot"] ?? throw new FormatException("no snapshot");
            var offset = (int?)obj["offset"] ?? throw new FormatException("no offset");
            if (offset < 0) throw new FormatException("negative offset");
            return new ContinueToken(rv, snapshot, offset);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw StatusException.BadRequest($"continue key is not valid: {e.Message}");
        }
    }

    private sealed record Change(WatchEventType Type, StoredObject Object, StoredObject? Previous);

    /// <summary>One resource's objects (namespace → name → latest version) and its recent changes.</summary>
    private sealed class ResourceTable(int historyCapacity)
    {
        private readonly SortedDictionary<string, SortedDictionary<string, StoredObject>> _byNamespace = new(StringComparer.Ordinal);
        private readonly Change[] _history = new Change[historyCapacity];
        private int _historyStart;
        private int _historyCount;

        public int Count { get; private set; }
        public List<StoreWatch> Watchers { get; } = [];
        /// <summary>Highest resourceVersion whose event has been evicted from the history.</summary>
        public long CompactedResourceVersion { get; private set; }

        public StoredObject? Find(string ns, string name) =>
            _byNamespace.TryGetValue(ns, out var names) && names.TryGetValue(name, out var o) ? o : null;

        public void Put(StoredObject obj)
        {
            if (!_byNamespace.TryGetValue(obj.Namespace, out var names))
            {
                names = new SortedDictionary<string, StoredObject>(StringComparer.Ordinal);
                _byNamespace[obj.Namespace] = names;
            }
            if (!names.ContainsKey(obj.Name)) Count++;
            names[obj.Name] = obj;
        }

        public void Remove(string ns, string name)
        {
            if (_byNamespace.TryGetValue(ns, out var names) && names.Remove(name))
            {
                Count--;
                if (names.Count == 0) _byNamespace.Remove(ns);
            }
        }

        public IEnumerable<StoredObject> Enumerate(string? ns, string? afterNamespace, string? afterName)
        {
            foreach (var (space, names) in _byNamespace)
            {
                if (!string.IsNullOrEmpty(ns) && space != ns) continue;
                var cmp = afterNamespace is null ? 1 : string.CompareOrdinal(space, afterNamespace);
                if (cmp < 0) continue;
                foreach (var (name, obj) in names)
                {
                    if (cmp == 0 && string.CompareOrdinal(name, afterName) <= 0) continue;
                    yield return obj;
                }
            }
        }

        public void Record(Change change)
        {
            if (_historyCount == _history.Length)
            {
                CompactedResourceVersion = _history[_historyStart].Object.ResourceVersion;
                _history[_historyStart] = change;
                _historyStart = (_historyStart + 1) % _history.Length;
            }
            else
            {
                _history[(_historyStart + _historyCount) % _history.Length] = change;
                _historyCount++;
            }
        }

        public IEnumerable<Change> HistoryAfter(long rv)
        {
            for (var i = 0; i < _historyCount; i++)
            {
                var c = _history[(_historyStart + i) % _history.Length];
                if (c.Object.ResourceVersion > rv) yield return c;
            }
        }
    }
}
