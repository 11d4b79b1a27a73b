using System.Collections.Concurrent;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Informers;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// The member's pods filed by (namespace, label key, label value), kept in step with the pod informer
/// cache: a workload's selector (<c>app=web</c>) finds its pods in one lookup instead of walking the
/// namespace, which at 50,000 pods and 10,000 HPAs reconciled about once a second was most of a
/// member's CPU. Writes come from the informers (serialized here); reads are lock-free and may run on
/// any thread while writes happen.
/// </summary>
public sealed class PodLabelIndex
{
    private readonly ConcurrentDictionary<(string Namespace, string Key, string Value), ConcurrentDictionary<string, PodInfo>> _buckets = new();
    // What each pod was filed under, so an update or delete can unfile it.
    private readonly Dictionary<string, PodInfo> _filed = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();

    /// <summary>Files or refiles one pod (cache key "namespace/name").</summary>
    public void Upsert(string key, PodInfo pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        lock (_writeLock)
        {
            if (_filed.TryGetValue(key, out var previous))
                Unfile(key, previous, keep: pod);
            _filed[key] = pod;
            foreach (var (label, value) in pod.Labels)
                _buckets.GetOrAdd((pod.Namespace, label, value), static _ => new ConcurrentDictionary<string, PodInfo>(StringComparer.Ordinal))[key] = pod;
        }
    }

    public void Remove(string key)
    {
        lock (_writeLock)
        {
            if (_filed.Remove(key, out var previous))
                Unfile(key, previous, keep: null);
        }
    }

    /// <summary>After a relist: files exactly the cache's pods.</summary>
    public void Rebuild(IEnumerable<KeyValuePair<string, PodEntry>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_writeLock)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, entry) in entries)
            {
                present.Add(key);
                Upsert(key, entry.Pod);
            }
            foreach (var key in _filed.Keys.Where(k => !present.Contains(k)).ToList())
                Remove(key);
        }
    }

    /// <summary>
    /// The pods of <paramref name="ns"/> that can match <paramref name="selector"/>, found through its
    /// first equality or set-membership term (a superset: test each with the selector); null when it
    /// has no such term and only a walk of the namespace can answer.
    /// </summary>
    public IEnumerable<PodInfo>? Candidates(string ns, Selector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return selector.EqualityRequirement() is { } requirement ? CandidatesFor(ns, requirement) : null;
    }

    private IEnumerable<PodInfo> CandidatesFor(string ns, LabelRequirement requirement)
    {
        // A pod has one value per key, so the buckets of distinct values never share a pod.
        foreach (var value in requirement.Values.Distinct(StringComparer.Ordinal))
        {
            if (!_buckets.TryGetValue((ns, requirement.Key, value), out var bucket))
                continue;
            foreach (var (_, pod) in bucket)
                yield return pod;
        }
    }

    private void Unfile(string key, PodInfo previous, PodInfo? keep)
    {
        foreach (var (label, value) in previous.Labels)
        {
            // The new version is filed under the same pair right after: leave the bucket in place.
            if (keep is not null && string.Equals(keep.Namespace, previous.Namespace, StringComparison.Ordinal)
                && keep.Labels.TryGetValue(label, out var kept) && string.Equals(kept, value, StringComparison.Ordinal))
                continue;
            var bucketKey = (previous.Namespace, label, value);
            if (_buckets.TryGetValue(bucketKey, out var bucket))
            {
                bucket.TryRemove(key, out _);
                if (bucket.IsEmpty)
                    _buckets.TryRemove(KeyValuePair.Create(bucketKey, bucket));
            }
        }
    }
}
