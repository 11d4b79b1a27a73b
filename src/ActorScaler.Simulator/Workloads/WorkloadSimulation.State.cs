using System.Text.Json.Nodes;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Metrics;
using ActorScaler.Simulator.Storage;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Simulator.Workloads;

// The controllers' caches: what they last saw of each object, fed by store changes and by the
// results of their own writes (so a reconcile never acts on a state older than its own last write).
public sealed partial class WorkloadSimulation
{
    private readonly Dictionary<(string, string), DeploymentInfo> _deployments = [];
    private readonly Dictionary<(string, string), ReplicaSetInfo> _replicaSets = [];
    private readonly Dictionary<(string, string), StatefulSetInfo> _statefulSets = [];
    private readonly Dictionary<(string, string), PodInfo> _pods = [];
    // Newest resourceVersion at which an object was deleted: older news of it is stale.
    private readonly Dictionary<(GroupResource, string, string), long> _tombstones = [];
    private readonly Dictionary<string, HashSet<(string, string)>> _podsByOwnerUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(string, string)>> _replicaSetsByOwnerUid = new(StringComparer.Ordinal);
    private readonly HashSet<(string, string)> _dirtyDeployments = [];
    private readonly HashSet<(string, string)> _dirtyReplicaSets = [];
    private readonly HashSet<(string, string)> _dirtyStatefulSets = [];
    private readonly Dictionary<string, string> _loadErrorsReported = new(StringComparer.Ordinal);
    private bool _fileSdDirty;

    private void ApplyRelist(GroupResource resource, IReadOnlyList<StoredObject> items, long listRv)
    {
        foreach (var item in items) Observe(resource, WatchEventType.Added, item);
        // Anything cached at or before the list's resourceVersion but absent from it was deleted meanwhile.
        var present = items.Select(i => (i.Namespace, i.Name)).ToHashSet();
        IEnumerable<CachedObject> cached = resource == GroupResource.Pods ? _pods.Values
            : resource == GroupResource.ReplicaSets ? _replicaSets.Values
            : resource == GroupResource.Deployments ? _deployments.Values
            : _statefulSets.Values;
        foreach (var gone in cached.Where(c => c.ResourceVersion <= listRv && !present.Contains(c.Key)).ToList())
        {
            Forget(resource, gone.Namespace, gone.Name, listRv);
        }
    }

    /// <summary>Applies a store change (or the result of an own write) to the caches.</summary>
    private void Observe(GroupResource resource, WatchEventType type, StoredObject stored, JsonObject? parsed = null)
    {
        var key = (resource, stored.Namespace, stored.Name);
        if (_tombstones.TryGetValue(key, out var deletedAt) && stored.ResourceVersion <= deletedAt) return;
        if (type == WatchEventType.Deleted)
        {
            Forget(resource, stored.Namespace, stored.Name, stored.ResourceVersion);
            return;
        }
        _tombstones.Remove(key);
        if (resource == GroupResource.Pods)
        {
            if (_pods.TryGetValue((stored.Namespace, stored.Name), out var old) && old.ResourceVersion >= stored.ResourceVersion) return;
            var info = PodInfo.From(stored, parsed ?? stored.ToJsonObject());
            PutPod(old, info);
        }
        else if (resource == GroupResource.ReplicaSets)
        {
            if (_replicaSets.TryGetValue((stored.Namespace, stored.Name), out var old) && old.ResourceVersion >= stored.ResourceVersion) return;
            var info = ReplicaSetInfo.From(stored, parsed ?? stored.ToJsonObject());
            if (old?.Owner is { } oldOwner) Index(_replicaSetsByOwnerUid, oldOwner.Uid).Remove(info.Key);
            if (info.Owner is { } owner) Index(_replicaSetsByOwnerUid, owner.Uid).Add(info.Key);
            _replicaSets[info.Key] = info;
            _dirtyReplicaSets.Add(info.Key);
            MarkOwnerDirty(info.Owner, info.Namespace);
            if (info.Owner is null) UpdateLoad("ReplicaSet", info.Namespace, info.Name, info.Uid, info.Annotations);
        }
        else if (resource == GroupResource.Deployments)
        {
            if (_deployments.TryGetValue((stored.Namespace, stored.Name), out var old) && old.ResourceVersion >= stored.ResourceVersion) return;
            var info = DeploymentInfo.From(stored, parsed ?? stored.ToJsonObject());
            _deployments[info.Key] = info;
            _dirtyDeployments.Add(info.Key);
            UpdateLoad("Deployment", info.Namespace, info.Name, info.Uid, info.Annotations);
        }
        else if (resource == GroupResource.StatefulSets)
        {
            if (_statefulSets.TryGetValue((stored.Namespace, stored.Name), out var old) && old.ResourceVersion >= stored.ResourceVersion) return;
            var info = StatefulSetInfo.From(stored, parsed ?? stored.ToJsonObject());
            _statefulSets[info.Key] = info;
            _dirtyStatefulSets.Add(info.Key);
            UpdateLoad("StatefulSet", info.Namespace, info.Name, info.Uid, info.Annotations);
        }
    }

    private void Forget(GroupResource resource, string ns, string name, long deletedRv)
    {
        _tombstones[(resource, ns, name)] = deletedRv;
        var key = (ns, name);
        if (resource == GroupResource.Pods)
        {
            if (_pods.Remove(key, out var pod))
            {
                if (pod.Owner is { } owner) Index(_podsByOwnerUid, owner.Uid).Remove(key);
                PodGone(pod);
                MarkOwnerDirty(pod.Owner, ns);
            }
        }
        else if (resource == GroupResource.ReplicaSets)
        {
            if (_replicaSets.Remove(key, out var rs))
            {
                if (rs.Owner is { } owner) Index(_replicaSetsByOwnerUid, owner.Uid).Remove(key);
                MarkOwnerDirty(rs.Owner, ns);
                // Garbage collection: the ReplicaSet's pods go with it (background cascading deletion).
                CollectOrphans(rs.Uid);
                Usage.SetWorkloadLoad(WorkloadKey("ReplicaSet", ns, name), WorkloadLoad.Idle);
            }
        }
        else if (resource == GroupResource.Deployments)
        {
            if (_deployments.Remove(key, out var d))
            {
                foreach (var rsKey in Index(_replicaSetsByOwnerUid, d.Uid).ToList()) DeleteQuietly(GroupResource.ReplicaSets, rsKey.Item1, rsKey.Item2);
                Usage.SetWorkloadLoad(WorkloadKey("Deployment", ns, name), WorkloadLoad.Idle);
            }
        }
        else if (resource == GroupResource.StatefulSets)
        {
            if (_statefulSets.Remove(key, out var s))
            {
                CollectOrphans(s.Uid);
                Usage.SetWorkloadLoad(WorkloadKey("StatefulSet", ns, name), WorkloadLoad.Idle);
            }
        }
    }

    private void CollectOrphans(string ownerUid)
    {
        foreach (var podKey in Index(_podsByOwnerUid, ownerUid).ToList())
        {
            if (_pods.TryGetValue(podKey, out var pod)) BeginTermination(pod);
        }
    }

    private void PutPod(PodInfo? old, PodInfo info)
    {
        if (old?.Owner is { } oldOwner && oldOwner.Uid != info.Owner?.Uid) Index(_podsByOwnerUid, oldOwner.Uid).Remove(info.Key);
        if (info.Owner is { } owner) Index(_podsByOwnerUid, owner.Uid).Add(info.Key);
        _pods[info.Key] = info;
        MarkOwnerDirty(info.Owner, info.Namespace);
        PodChanged(old, info);
    }

    private void MarkOwnerDirty((string Kind, string Name, string Uid)? owner, string ns)
    {
        if (owner is not { } o) return;
        if (o.Kind == "ReplicaSet")
        {
            _dirtyReplicaSets.Add((ns, o.Name));
            if (_replicaSets.TryGetValue((ns, o.Name), out var rs) && rs.Owner is { Kind: "Deployment" } d) _dirtyDeployments.Add((ns, d.Name));
        }
        else if (o.Kind == "Deployment")
        {
            _dirtyDeployments.Add((ns, o.Name));
        }
        else if (o.Kind == "StatefulSet")
        {
            _dirtyStatefulSets.Add((ns, o.Name));
        }
    }

    private static HashSet<(string, string)> Index(Dictionary<string, HashSet<(string, string)>> index, string uid)
    {
        if (!index.TryGetValue(uid, out var set))
        {
            set = [];
            index[uid] = set;
        }
        return set;
    }

    private static string WorkloadKey(string kind, string ns, string name) => $"{kind}/{ns}/{name}";

    /// <summary>The workload whose load annotations drive a pod: its Deployment, StatefulSet, bare ReplicaSet, or itself.</summary>
    private string WorkloadKeyOf(PodInfo pod)
    {
        if (pod.Owner is not { } owner) return WorkloadKey("Pod", pod.Namespace, pod.Name);
        if (owner.Kind == "ReplicaSet" && _replicaSets.TryGetValue((pod.Namespace, owner.Name), out var rs) && rs.Owner is { Kind: "Deployment" } d)
        {
            return WorkloadKey("Deployment", pod.Namespace, d.Name);
        }
        return WorkloadKey(owner.Kind, pod.Namespace, owner.Name);
    }

    private void UpdateLoad(string kind, string ns, string name, string uid, IReadOnlyDictionary<string, string> annotations)
    {
        var key = WorkloadKey(kind, ns, name);
        var load = LoadAnnotations.Parse(annotations, out var errors);
        var before = Usage.LoadOf(key);
        Usage.SetWorkloadLoad(key, load);
        if (before.MilliRequestsPerSecond is null && load.MilliRequestsPerSecond is not null) _endpointsWanted.Add(key);
        ReportLoadErrors(kind, ns, name, uid, errors);
    }

    // A bad annotation is the user's mistake, not the simulator's: say so where kubectl shows it
    // (an Event on the workload, as a controller would) instead of failing or ignoring it silently.
    private void ReportLoadErrors(string kind, string ns, string name, string uid, IReadOnlyList<LoadAnnotationError> errors)
    {
        var key = WorkloadKey(kind, ns, name);
        var text = string.Join("; ", errors.Select(e => e.ToString()));
        _loadErrorsReported.TryGetValue(key, out var previous);
        if (text == (previous ?? "")) return;
        if (text.Length == 0)
        {
            _loadErrorsReported.Remove(key);
            return;
        }
        _loadErrorsReported[key] = text;
        _logger.LogWarning("{Kind} {Namespace}/{Name}: {Errors}", kind, ns, name, text);
        var now = KubernetesConventions.Time(_time.GetUtcNow());
        var apiVersion = kind is "Pod" ? "v1" : "apps/v1";
        try
        {
            _store.Create(GroupResource.Events, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["generateName"] = name + ".", ["namespace"] = ns },
                ["involvedObject"] = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind, ["namespace"] = ns, ["name"] = name, ["uid"] = uid },
                ["reason"] = "InvalidLoadAnnotation",
                ["message"] = text,
                ["type"] = "Warning",
                ["source"] = new JsonObject { ["component"] = "actorscaler-simulator" },
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
            });
        }
        catch (StatusException e)
        {
            _logger.LogWarning("could not record the event: {Message}", e.Message);
        }
    }

    private async Task ReconcileAsync(bool timeDriven, CancellationToken cancellationToken)
    {
        if (timeDriven) await ProcessDueAsync(cancellationToken).ConfigureAwait(false);
        // Controllers trigger each other (a Deployment creates a ReplicaSet, which creates pods, whose
        // counts go back into both statuses), so run until nothing is dirty; bounded against ping-pong.
        for (var round = 0; round < 8; round++)
        {
            if (_dirtyDeployments.Count == 0 && _dirtyReplicaSets.Count == 0 && _dirtyStatefulSets.Count == 0 && _endpointsWanted.Count == 0) break;
            var deployments = _dirtyDeployments.ToList();
            _dirtyDeployments.Clear();
            foreach (var key in deployments)
            {
                if (_deployments.TryGetValue(key, out var d)) Guard(() => ReconcileDeployment(d), "Deployment", key);
            }
            var replicaSets = _dirtyReplicaSets.ToList();
            _dirtyReplicaSets.Clear();
            foreach (var key in replicaSets)
            {
                if (_replicaSets.TryGetValue(key, out var rs)) Guard(() => ReconcileReplicaSet(rs), "ReplicaSet", key);
            }
            var statefulSets = _dirtyStatefulSets.ToList();
            _dirtyStatefulSets.Clear();
            foreach (var key in statefulSets)
            {
                if (_statefulSets.TryGetValue(key, out var s)) Guard(() => ReconcileStatefulSet(s), "StatefulSet", key);
            }
            await AssignWantedEndpointsAsync(cancellationToken).ConfigureAwait(false);
        }
        if (Volatile.Read(ref _fileSdDirty) && _options.PrometheusSdFile is { } path)
        {
            Volatile.Write(ref _fileSdDirty, false);
            try
            {
                PrometheusFileSd.Write(path, PodEndpoints.Targets());
            }
            catch (IOException e)
            {
                _logger.LogWarning("could not write the file-SD list {Path}: {Message}", path, e.Message);
                Volatile.Write(ref _fileSdDirty, true);
            }
        }
    }

    private void Guard(Action reconcile, string kind, (string, string) key)
    {
        try
        {
            reconcile();
        }
        catch (StatusException e)
        {
            // Typically a conflict with a client's concurrent write: the change that caused it marks
            // the object dirty again, and the next tick retries.
            if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("{Kind} {Namespace}/{Name}: {Message}", kind, key.Item1, key.Item2, e.Message);
            if (kind == "Deployment") _retryDeployments.Add(key);
            else if (kind == "ReplicaSet") _retryReplicaSets.Add(key);
            else _retryStatefulSets.Add(key);
        }
    }

    /// <summary>
    /// Applies the result of an own write to the caches at once. <paramref name="written"/> is the object
    /// as written (the store keeps the same content, adding only what <paramref name="stored"/> carries),
    /// which saves parsing the stored bytes again: at 50,000 pods that parse is a large share of the cost.
    /// </summary>
    private StoredObject Write(GroupResource resource, StoredObject stored, JsonObject? written = null)
    {
        Observe(resource, WatchEventType.Modified, stored, written);
        return stored;
    }

    /// <summary>GuaranteedUpdate through the store, keeping the object as last mutated for <see cref="Write"/>.</summary>
    private StoredObject UpdateAndObserve(GroupResource resource, string ns, string name, Func<JsonObject, bool> mutate)
    {
        JsonObject? last = null;
        var stored = _store.Update(resource, ns, name, obj =>
        {
            if (!mutate(obj)) return false;
            last = obj;
            return true;
        });
        // A no-op update returns the current version, which the caches already hold.
        return Write(resource, stored, last is not null && stored.ResourceVersion > 0 ? last : null);
    }

    private void DeleteQuietly(GroupResource resource, string ns, string name)
    {
        try
        {
            var deleted = _store.Delete(resource, ns, name);
            Observe(resource, WatchEventType.Deleted, deleted);
        }
        catch (StatusException e) when (e.Reason == StatusReasons.NotFound)
        {
            // Already gone.
        }
    }
}
