using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Api;
using ActorScaler.Simulator.Storage;
using static ActorScaler.Simulator.Workloads.KubernetesConventions;

namespace ActorScaler.Simulator.Workloads;

// The Deployment, ReplicaSet and StatefulSet controllers (pkg/controller/{deployment,replicaset,
// statefulset}), reduced to what an autoscaler observes: replica counts, pod names, scale-down
// order, rollouts and the status fields.
public sealed partial class WorkloadSimulation
{
    private readonly HashSet<(string, string)> _retryDeployments = [];
    private readonly HashSet<(string, string)> _retryReplicaSets = [];
    private readonly HashSet<(string, string)> _retryStatefulSets = [];

    private void RetryFailedReconciles()
    {
        _dirtyDeployments.UnionWith(_retryDeployments);
        _dirtyReplicaSets.UnionWith(_retryReplicaSets);
        _dirtyStatefulSets.UnionWith(_retryStatefulSets);
        _retryDeployments.Clear();
        _retryReplicaSets.Clear();
        _retryStatefulSets.Clear();
    }

    private IEnumerable<PodInfo> PodsOwnedBy(string uid) =>
        _podsByOwnerUid.TryGetValue(uid, out var keys) ? keys.Select(k => _pods.TryGetValue(k, out var p) ? p : null).OfType<PodInfo>() : [];

    /// <summary>Pods that count towards a controller's replicas: not terminating, not finished.</summary>
    private IEnumerable<PodInfo> ActivePodsOwnedBy(string uid) =>
        PodsOwnedBy(uid).Where(p => !p.Terminating && !p.IsFinished && !_terminating.ContainsKey(p.Key));

    // ------------------------------------------------------------------ Deployment

    private void ReconcileDeployment(DeploymentInfo d)
    {
        var owned = Index(_replicaSetsByOwnerUid, d.Uid).Select(k => _replicaSets.GetValueOrDefault(k)).OfType<ReplicaSetInfo>().ToList();
        var newName = $"{d.Name}-{d.TemplateHash}";
        var newRs = owned.FirstOrDefault(rs => rs.Name == newName);
        if (newRs is null)
        {
            newRs = CreateReplicaSet(d, newName, owned.Count == 0 ? 1 : owned.Max(r => r.Revision) + 1);
            owned.Add(newRs);
        }
        else if (newRs.Replicas != d.Replicas)
        {
            newRs = ScaleReplicaSet(newRs, d.Replicas);
        }

        // Rollout: old ReplicaSets give up pods as the new one's pods become available (a rolling
        // update with unlimited surge: the autoscaler sees the same total/ready/updated counts move).
        var newAvailable = ActivePodsOwnedBy(newRs.Uid).Count(p => p.Ready);
        var allowedOld = Math.Max(0, d.Replicas - newAvailable);
        foreach (var old in owned.Where(r => r.Uid != newRs.Uid).OrderByDescending(r => r.Revision).ToList())
        {
            var target = Math.Min(old.Replicas, allowedOld);
            allowedOld -= target;
            if (old.Replicas != target) ScaleReplicaSet(old, target);
        }

        var all = owned.SelectMany(rs => ActivePodsOwnedBy(rs.Uid)).ToList();
        var updated = ActivePodsOwnedBy(newRs.Uid).Count();
        var ready = all.Count(p => p.Ready);
        var maxUnavailable = ScaledValue(d.MaxUnavailable, d.Replicas);
        var available = ready;
        var status = new JsonObject
        {
            ["observedGeneration"] = d.Generation,
            ["replicas"] = all.Count,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = available,
        };
        var unavailable = Math.Max(0, d.Replicas - available);
        if (unavailable > 0) status["unavailableReplicas"] = unavailable;
        var minimumAvailable = available >= d.Replicas - maxUnavailable;
        var complete = updated == d.Replicas && all.Count == d.Replicas && available == d.Replicas;
        status["conditions"] = new JsonArray(
            Condition(d.Status, "Available", minimumAvailable ? "True" : "False",
                minimumAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                minimumAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability."),
            Condition(d.Status, "Progressing", "True",
                complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                complete ? $"ReplicaSet \"{newRs.Name}\" has successfully progressed." : $"ReplicaSet \"{newRs.Name}\" is progressing."));
        WriteStatus(GroupResource.Deployments, d.Namespace, d.Name, d.Status, status);
    }

    private ReplicaSetInfo CreateReplicaSet(DeploymentInfo d, string name, int revision)
    {
        var hash = d.TemplateHash;
        var template = (JsonObject)d.Template.DeepClone();
        var templateMeta = template["metadata"] as JsonObject ?? new JsonObject();
        template["metadata"] = templateMeta;
        var labels = templateMeta["labels"] as JsonObject ?? new JsonObject();
        templateMeta["labels"] = labels;
        labels[PodTemplateHashLabel] = hash;
        var selector = d.Selector?.DeepClone() as JsonObject ?? new JsonObject();
        var matchLabels = selector["matchLabels"] as JsonObject ?? new JsonObject();
        selector["matchLabels"] = matchLabels;
        matchLabels[PodTemplateHashLabel] = hash;
        var rs = new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = d.Namespace,
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject
                {
                    [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
                    [DesiredReplicasAnnotation] = d.Replicas.ToString(CultureInfo.InvariantCulture),
                    [MaxReplicasAnnotation] = d.Replicas.ToString(CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = new JsonArray(OwnerReference("apps/v1", "Deployment", d.Name, d.Uid)),
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = d.Replicas,
                ["selector"] = selector,
                ["template"] = template,
            },
        };
        Defaulting.Apply(GroupResource.ReplicaSets, rs);
        var stored = Write(GroupResource.ReplicaSets, _store.Create(GroupResource.ReplicaSets, rs));
        return _replicaSets.TryGetValue((stored.Namespace, stored.Name), out var info) ? info : ReplicaSetInfo.From(stored, stored.ToJsonObject());
    }

    private ReplicaSetInfo ScaleReplicaSet(ReplicaSetInfo rs, int replicas)
    {
        var stored = _store.Update(GroupResource.ReplicaSets, rs.Namespace, rs.Name, obj =>
        {
            if (Int(obj["spec"]?["replicas"], 1) == replicas) return false;
            obj["spec"]!["replicas"] = replicas;
            if (obj["metadata"]?["annotations"] is JsonObject annotations && annotations.ContainsKey(DesiredReplicasAnnotation))
            {
                annotations[DesiredReplicasAnnotation] = replicas.ToString(CultureInfo.InvariantCulture);
            }
            return true;
        });
        Write(GroupResource.ReplicaSets, stored);
        return _replicaSets.GetValueOrDefault(rs.Key) ?? rs;
    }

    // ------------------------------------------------------------------ ReplicaSet

    private void ReconcileReplicaSet(ReplicaSetInfo rs)
    {
        var active = ActivePodsOwnedBy(rs.Uid).ToList();
        var diff = rs.Replicas - active.Count;
        if (diff > 0)
        {
            JsonObject? template = null;
            for (var i = 0; i < diff; i++)
            {
                template ??= JsonNode.Parse(rs.TemplateJson) as JsonObject ?? new JsonObject();
                var pod = NewPod(template, rs.Namespace, OwnerReference("apps/v1", "ReplicaSet", rs.Name, rs.Uid));
                pod["metadata"]!["generateName"] = rs.Name + "-";
                active.Add(CreatePod(pod));
            }
        }
        else if (diff < 0)
        {
            foreach (var victim in active.OrderBy(p => p, ScaleDownOrder.Instance).Take(-diff).ToList())
            {
                BeginTermination(victim);
                active.Remove(victim);
            }
        }
        var ready = active.Count(p => p.Ready);
        var status = new JsonObject
        {
            ["replicas"] = active.Count,
            ["fullyLabeledReplicas"] = active.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["observedGeneration"] = rs.Generation,
        };
        WriteStatus(GroupResource.ReplicaSets, rs.Namespace, rs.Name, rs.Status, status);
    }

    /// <summary>
    /// The ReplicaSet controller's deletion preference (controller.ActivePods ordering): unscheduled
    /// before scheduled, Pending before Running, not Ready before Ready, then the newest first.
    /// </summary>
    private sealed class ScaleDownOrder : IComparer<PodInfo>
    {
        public static readonly ScaleDownOrder Instance = new();

        public int Compare(PodInfo? x, PodInfo? y)
        {
            if (x is null || y is null) return x is null ? (y is null ? 0 : 1) : -1;
            var c = (x.NodeName is not null).CompareTo(y.NodeName is not null);
            if (c != 0) return c;
            c = x.IsRunning.CompareTo(y.IsRunning);
            if (c != 0) return c;
            c = x.Ready.CompareTo(y.Ready);
            if (c != 0) return c;
            c = y.Created.CompareTo(x.Created);
            return c != 0 ? c : string.CompareOrdinal(y.Name, x.Name);
        }
    }

    // ------------------------------------------------------------------ StatefulSet

    private void ReconcileStatefulSet(StatefulSetInfo s)
    {
        var pods = ActivePodsOwnedBy(s.Uid).Where(p => p.Ordinal >= 0).OrderBy(p => p.Ordinal).ToList();
        var byOrdinal = pods.ToDictionary(p => p.Ordinal);
        var terminatingCount = PodsOwnedBy(s.Uid).Count(p => p.Terminating || _terminating.ContainsKey(p.Key));
        static bool Healthy(PodInfo p) => p.IsRunning && p.Ready;

        if (s.Parallel)
        {
            for (var i = 0; i < s.Replicas; i++)
            {
                if (!byOrdinal.ContainsKey(i) && !NameTaken(s.Namespace, $"{s.Name}-{i}")) pods.Add(CreateStatefulPod(s, i));
            }
            foreach (var extra in pods.Where(p => p.Ordinal >= s.Replicas).ToList())
            {
                BeginTermination(extra);
                pods.Remove(extra);
            }
        }
        else if (terminatingCount == 0)
        {
            // OrderedReady: one pod at a time, each waiting for its predecessors to be Running and Ready;
            // scale-down removes the highest ordinal first.
            var extra = pods.Where(p => p.Ordinal >= s.Replicas).OrderByDescending(p => p.Ordinal).FirstOrDefault();
            if (extra is not null)
            {
                if (pods.Where(p => p != extra).All(Healthy))
                {
                    BeginTermination(extra);
                    pods.Remove(extra);
                }
            }
            else
            {
                var progressing = false;
                for (var i = 0; i < s.Replicas; i++)
                {
                    if (!byOrdinal.TryGetValue(i, out var pod))
                    {
                        if (!NameTaken(s.Namespace, $"{s.Name}-{i}")) pods.Add(CreateStatefulPod(s, i));
                        progressing = true;
                        break;
                    }
                    if (!Healthy(pod))
                    {
                        progressing = true;
                        break;
                    }
                }
                // RollingUpdate: with every replica healthy, replace the highest-ordinal pod still on an old revision.
                if (!progressing)
                {
                    var outdated = pods.Where(p => p.RevisionHash != s.Revision).OrderByDescending(p => p.Ordinal).FirstOrDefault();
                    if (outdated is not null)
                    {
                        BeginTermination(outdated);
                        pods.Remove(outdated);
                    }
                }
            }
        }

        var ready = pods.Count(p => p.Ready);
        var updated = pods.Count(p => p.RevisionHash == s.Revision);
        var previousCurrent = Str(s.Status?["currentRevision"]);
        var currentRevision = updated == pods.Count && pods.Count == s.Replicas ? s.Revision : previousCurrent ?? s.Revision;
        var status = new JsonObject
        {
            ["observedGeneration"] = s.Generation,
            ["replicas"] = pods.Count,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = pods.Count(p => p.RevisionHash == currentRevision),
            ["updatedReplicas"] = updated,
            ["availableReplicas"] = ready,
            ["currentRevision"] = currentRevision,
            ["updateRevision"] = s.Revision,
            ["collisionCount"] = 0,
        };
        WriteStatus(GroupResource.StatefulSets, s.Namespace, s.Name, s.Status, status);
    }

    private bool NameTaken(string ns, string name) => _pods.ContainsKey((ns, name));

    private PodInfo CreateStatefulPod(StatefulSetInfo s, int ordinal)
    {
        var name = $"{s.Name}-{ordinal}";
        var pod = NewPod(s.Template, s.Namespace, OwnerReference("apps/v1", "StatefulSet", s.Name, s.Uid));
        var meta = (JsonObject)pod["metadata"]!;
        meta["name"] = name;
        var labels = (JsonObject)meta["labels"]!;
        labels[ControllerRevisionHashLabel] = s.Revision;
        labels[StatefulSetPodNameLabel] = name;
        labels[PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture);
        var spec = (JsonObject)pod["spec"]!;
        spec["hostname"] = name;
        if (s.ServiceName is { Length: > 0 } service) spec["subdomain"] = service;
        return CreatePod(pod);
    }

    // ------------------------------------------------------------------ shared

    private static JsonObject NewPod(JsonObject template, string ns, JsonObject ownerReference)
    {
        var templateMeta = template["metadata"] as JsonObject;
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["namespace"] = ns,
                ["labels"] = templateMeta?["labels"]?.DeepClone() ?? new JsonObject(),
                ["ownerReferences"] = new JsonArray(ownerReference),
            },
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
        if (templateMeta?["annotations"] is JsonObject annotations) pod["metadata"]!["annotations"] = annotations.DeepClone();
        Defaulting.Apply(GroupResource.Pods, pod);
        return pod;
    }

    /// <summary>Writes a status when it differs from the last one seen (conditions keep their transition times).</summary>
    private void WriteStatus(GroupResource resource, string ns, string name, JsonNode? current, JsonObject status)
    {
        if (current is not null && JsonNode.DeepEquals(current, status)) return;
        var stored = _store.Update(resource, ns, name, obj =>
        {
            if (JsonNode.DeepEquals(obj["status"], status)) return false;
            obj["status"] = status.DeepClone();
            return true;
        });
        Write(resource, stored);
    }

    /// <summary>A status condition; keeps the previous lastTransitionTime when the status did not change.</summary>
    private JsonObject Condition(JsonNode? currentStatus, string type, string status, string reason, string message)
    {
        var now = Time(_time.GetUtcNow());
        string? transition = null;
        string? update = null;
        if (currentStatus?["conditions"] is JsonArray previous)
        {
            foreach (var c in previous.OfType<JsonObject>())
            {
                if (Str(c["type"]) != type || Str(c["status"]) != status) continue;
                transition = Str(c["lastTransitionTime"]);
                if (Str(c["reason"]) == reason) update = Str(c["lastUpdateTime"]);
            }
        }
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastUpdateTime"] = update ?? now,
            ["lastTransitionTime"] = transition ?? now,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    /// <summary>
    /// intstr.GetScaledValueFromIntOrPercent for maxUnavailable: "25%" of total rounded down (the
    /// deployment controller rounds maxUnavailable down and maxSurge up), or a plain number.
    /// </summary>
    private static int ScaledValue(string value, int total)
    {
        if (value.EndsWith('%') && int.TryParse(value.AsSpan(0, value.Length - 1), out var percent))
        {
            return total * percent / 100;
        }
        return int.TryParse(value, out var n) ? n : 0;
    }
}
