using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ActorScaler.Core.Quantities;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Storage;
using Microsoft.Extensions.Logging;
using static ActorScaler.Simulator.Workloads.KubernetesConventions;

namespace ActorScaler.Simulator.Workloads;

// The scheduler and the simulated kubelets' side of the pod lifecycle: bind to the node with the
// most free CPU request, start containers after a delay, turn Ready after the workload's readiness
// delay, and finish a graceful deletion after the grace period.
public sealed partial class WorkloadSimulation
{
    private const string LoopbackIp = "127.0.0.1";

    private readonly PriorityQueue<Due, long> _due = new();
    private readonly Dictionary<(string, string), long> _terminating = [];
    private readonly HashSet<(string, string)> _unscheduled = [];
    private readonly HashSet<string> _endpointsWanted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeCapacity> _capacity = new(StringComparer.Ordinal);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private enum Step
    {
        StartContainers,
        BecomeReady,
        FinishTermination,
    }

    private sealed record Due(Step Step, string Namespace, string Name, string Uid);

    private sealed class NodeCapacity(long cpuMillicores, int maxPods)
    {
        public long CpuMillicores { get; } = cpuMillicores;
        public int MaxPods { get; } = maxPods;
        public long RequestedMillicores { get; set; }
        public int Pods { get; set; }
    }

    // ------------------------------------------------------------------ nodes

    private void RegisterNodes()
    {
        var cpu = Quantity.Parse(_options.NodeCpu);
        var memory = Quantity.Parse(_options.NodeMemory);
        var now = Time(_time.GetUtcNow());
        for (var i = 0; i < NodeNames.Count; i++)
        {
            var name = NodeNames[i];
            _capacity[name] = new NodeCapacity(cpu.MilliValue(), _options.NodeMaxPods);
            var resources = new JsonObject
            {
                ["cpu"] = cpu.ToString(),
                ["memory"] = memory.ToString(),
                ["pods"] = _options.NodeMaxPods.ToString(CultureInfo.InvariantCulture),
                ["ephemeral-storage"] = "100Gi",
            };
            var node = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["labels"] = new JsonObject
                    {
                        ["kubernetes.io/arch"] = "amd64",
                        ["kubernetes.io/os"] = "linux",
                        [HostnameLabel] = name,
                        ["node.kubernetes.io/instance-type"] = "simulated",
                    },
                },
                ["spec"] = new JsonObject(),
                ["status"] = new JsonObject
                {
                    ["capacity"] = resources.DeepClone(),
                    ["allocatable"] = resources,
                    ["conditions"] = new JsonArray(
                        NodeCondition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now),
                        NodeCondition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
                        NodeCondition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now),
                        NodeCondition("Ready", "True", "KubeletReady", "kubelet is posting ready status", now)),
                    ["addresses"] = new JsonArray(
                        new JsonObject { ["type"] = "InternalIP", ["address"] = LoopbackIp },
                        new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                    ["daemonEndpoints"] = new JsonObject
                    {
                        ["kubeletEndpoint"] = new JsonObject { ["Port"] = Kubelets.Ports[i] },
                    },
                    ["nodeInfo"] = new JsonObject
                    {
                        ["machineID"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                        ["systemUUID"] = Guid.NewGuid().ToString(),
                        ["bootID"] = Guid.NewGuid().ToString(),
                        ["kernelVersion"] = "6.1.0-simulated",
                        ["osImage"] = "ActorScaler simulated node",
                        ["containerRuntimeVersion"] = "containerd://1.7.22",
                        ["kubeletVersion"] = _options.KubeletVersion,
                        ["kubeProxyVersion"] = _options.KubeletVersion,
                        ["operatingSystem"] = "linux",
                        ["architecture"] = "amd64",
                    },
                },
            };
            _store.Upsert(GroupResource.Nodes, node);
        }
    }

    private static JsonObject NodeCondition(string type, string status, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastHeartbeatTime"] = now,
        ["lastTransitionTime"] = now,
        ["reason"] = reason,
        ["message"] = message,
    };

    // ------------------------------------------------------------------ pod events

    private void PodChanged(PodInfo? old, PodInfo pod)
    {
        // Requests count against a node from binding until the pod is gone, as in the scheduler's cache.
        if (old?.NodeName is { } oldNode && _capacity.TryGetValue(oldNode, out var before) && !old.IsFinished)
        {
            before.RequestedMillicores -= old.CpuRequestMillicores;
            before.Pods--;
        }
        if (pod.NodeName is { } newNode && _capacity.TryGetValue(newNode, out var after) && !pod.IsFinished)
        {
            after.RequestedMillicores += pod.CpuRequestMillicores;
            after.Pods++;
        }

        if (pod.Terminating)
        {
            // Deleted through the API with a grace period: the kubelet stops it and removes it when done.
            BeginTermination(pod);
            return;
        }
        if (pod.NodeName is null)
        {
            _unscheduled.Add(pod.Key);
            return;
        }
        _unscheduled.Remove(pod.Key);
        if (!Usage.HasNode(pod.NodeName)) return; // a node someone else's kubelet runs
        if (pod.Phase == "Pending" && (old is null || old.NodeName is null || old.Uid != pod.Uid))
        {
            Schedule(Step.StartContainers, pod, _options.ContainerStartDelay);
        }
        else if (pod.IsRunning && !Usage.IsRunning(pod.Namespace, pod.Name))
        {
            // Running before this simulation started (a restart): account it from its recorded start.
            StartUsage(pod, pod.StartTime ?? _time.GetUtcNow());
            Usage.SetPodReady(pod.Namespace, pod.Name, pod.Ready);
            if (!pod.Ready) Schedule(Step.BecomeReady, pod, ReadyAfterOf(pod));
        }
    }

    private void PodGone(PodInfo pod)
    {
        if (pod.NodeName is { } node && _capacity.TryGetValue(node, out var c) && !pod.IsFinished)
        {
            c.RequestedMillicores -= pod.CpuRequestMillicores;
            c.Pods--;
        }
        _unscheduled.Remove(pod.Key);
        _terminating.Remove(pod.Key);
        Usage.StopPod(pod.Namespace, pod.Name);
        PodEndpoints.Release(pod.Namespace, pod.Name);
    }

    private void Schedule(Step step, PodInfo pod, TimeSpan after) =>
        _due.Enqueue(new Due(step, pod.Namespace, pod.Name, pod.Uid), NowMs + (long)after.TotalMilliseconds);

    private TimeSpan ReadyAfterOf(PodInfo pod)
    {
        var key = WorkloadKeyOf(pod);
        var load = key.StartsWith("Pod/", StringComparison.Ordinal)
            ? LoadAnnotations.Parse(pod.Annotations, out _)
            : Usage.LoadOf(key);
        return load.ReadyAfter ?? _options.DefaultReadyAfter;
    }

    // ------------------------------------------------------------------ scheduling

    private PodInfo CreatePod(JsonObject pod)
    {
        var node = PickNode(RequestedCpu(pod));
        var now = Time(_time.GetUtcNow());
        var status = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(pod) };
        if (node is not null)
        {
            pod["spec"]!["nodeName"] = node;
            status["conditions"] = new JsonArray(PodCondition("PodScheduled", "True", now));
        }
        else
        {
            status["conditions"] = new JsonArray(Unschedulable(now));
        }
        pod["status"] = status;
        var stored = Write(GroupResource.Pods, _store.Create(GroupResource.Pods, pod), pod);
        return _pods[(stored.Namespace, stored.Name)];
    }

    private JsonObject Unschedulable(string now)
    {
        var condition = PodCondition("PodScheduled", "False", now);
        condition["reason"] = "Unschedulable";
        condition["message"] = $"0/{NodeNames.Count} nodes are available: {NodeNames.Count} Insufficient cpu.";
        return condition;
    }

    /// <summary>The simulated node with the most unrequested CPU that fits the request (NodeResourcesFit, LeastAllocated).</summary>
    private string? PickNode(long cpuRequestMillicores)
    {
        string? best = null;
        long bestFree = -1;
        foreach (var name in NodeNames)
        {
            var c = _capacity[name];
            var free = c.CpuMillicores - c.RequestedMillicores;
            if (c.Pods >= c.MaxPods || free < cpuRequestMillicores) continue;
            if (free > bestFree)
            {
                best = name;
                bestFree = free;
            }
        }
        return best;
    }

    private void ScheduleWaitingPods()
    {
        foreach (var key in _unscheduled.ToList())
        {
            if (!_pods.TryGetValue(key, out var pod) || pod.NodeName is not null || pod.Terminating)
            {
                _unscheduled.Remove(key);
                continue;
            }
            var node = PickNode(pod.CpuRequestMillicores);
            if (node is null) continue;
            var now = Time(_time.GetUtcNow());
            UpdateAndObserve(GroupResource.Pods, pod.Namespace, pod.Name, obj =>
            {
                if (Str(obj["spec"]?["nodeName"]) is { Length: > 0 }) return false;
                obj["spec"]!["nodeName"] = node;
                var status = obj["status"] as JsonObject ?? new JsonObject();
                obj["status"] = status;
                status["phase"] ??= "Pending";
                status["conditions"] = new JsonArray(PodCondition("PodScheduled", "True", now));
                return true;
            });
        }
    }

    private static long RequestedCpu(JsonObject pod)
    {
        long total = 0;
        if (pod["spec"]?["containers"] is JsonArray containers)
        {
            foreach (var c in containers)
            {
                var request = Milli(c?["resources"]?["requests"], "cpu");
                total += request > 0 ? request : Milli(c?["resources"]?["limits"], "cpu");
            }
        }
        return total;
    }

    /// <summary>v1.PodQOSClass from the containers' requests and limits.</summary>
    private static string QosClass(JsonObject pod)
    {
        var any = false;
        var guaranteed = true;
        foreach (var c in (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var requests = c["resources"]?["requests"] as JsonObject;
            var limits = c["resources"]?["limits"] as JsonObject;
            if (requests?.Count > 0 || limits?.Count > 0) any = true;
            foreach (var resource in new[] { "cpu", "memory" })
            {
                var limit = limits?[resource]?.ToString();
                var request = requests?[resource]?.ToString() ?? limit;
                if (limit is null || request is null || Milli(requests ?? limits, resource) != Milli(limits, resource)) guaranteed = false;
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private static JsonObject PodCondition(string type, string status, string now) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = now,
    };

    // ------------------------------------------------------------------ kubelet: lifecycle

    private async Task ProcessDueAsync(CancellationToken cancellationToken)
    {
        RetryFailedReconciles();
        if (_unscheduled.Count > 0) ScheduleWaitingPods();
        var now = NowMs;
        while (_due.TryPeek(out var due, out var at) && at <= now)
        {
            _due.Dequeue();
            if (!_pods.TryGetValue((due.Namespace, due.Name), out var pod) || pod.Uid != due.Uid) continue;
            try
            {
                switch (due.Step)
                {
                    case Step.StartContainers when pod.Phase == "Pending" && !pod.Terminating && !_terminating.ContainsKey(pod.Key):
                        await StartContainersAsync(pod, cancellationToken).ConfigureAwait(false);
                        break;
                    case Step.BecomeReady when pod.IsRunning && !pod.Ready && !pod.Terminating && !_terminating.ContainsKey(pod.Key):
                        BecomeReady(pod);
                        break;
                    case Step.FinishTermination:
                        DeleteQuietly(GroupResource.Pods, pod.Namespace, pod.Name);
                        break;
                }
            }
            catch (StatusException e)
            {
                if (_logger.IsEnabled(LogLevel.Debug)) _logger.LogDebug("pod {Namespace}/{Name} {Step}: {Message}", pod.Namespace, pod.Name, due.Step, e.Message);
                if (e.Reason != StatusReasons.NotFound) _due.Enqueue(due, now + (long)_options.ReconcileInterval.TotalMilliseconds);
            }
        }
    }

    private async Task StartContainersAsync(PodInfo pod, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var workload = WorkloadKeyOf(pod);
        int? port = null;
        if (WantsEndpoint(pod, workload)) port = await PodEndpoints.AssignAsync(pod.Namespace, pod.Name, cancellationToken).ConfigureAwait(false);
        UpdateAndObserve(GroupResource.Pods, pod.Namespace, pod.Name, obj =>
        {
            if (Str(obj["status"]?["phase"]) != "Pending") return false;
            if (port is { } p) AddEndpointAnnotations(obj, p);
            obj["status"] = RunningStatus(obj, started, started, ready: false);
            return true;
        });
        if (!_pods.TryGetValue(pod.Key, out var info) || info.Uid != pod.Uid || !info.IsRunning) return;
        StartUsage(info, started);
        Schedule(Step.BecomeReady, info, ReadyAfterOf(info));
    }

    private void StartUsage(PodInfo pod, DateTimeOffset startedAt)
    {
        var workload = WorkloadKeyOf(pod);
        if (workload.StartsWith("Pod/", StringComparison.Ordinal))
        {
            Usage.SetWorkloadLoad(workload, LoadAnnotations.Parse(pod.Annotations, out _));
        }
        Usage.StartPod(new RunningPod(pod.Namespace, pod.Name, pod.Uid, pod.NodeName!, workload, pod.Containers, startedAt));
    }

    private void BecomeReady(PodInfo pod)
    {
        var now = _time.GetUtcNow();
        UpdateAndObserve(GroupResource.Pods, pod.Namespace, pod.Name, obj =>
        {
            if (Str(obj["status"]?["phase"]) != "Running" || obj["metadata"]?["deletionTimestamp"] is not null) return false;
            var startedAt = ParseTime(obj["status"]?["startTime"]) ?? now;
            obj["status"] = RunningStatus(obj, startedAt, now, ready: true);
            return true;
        });
        Usage.SetPodReady(pod.Namespace, pod.Name, true);
    }

    /// <summary>The status a kubelet reports for a pod whose containers run (Ready or not yet).</summary>
    private static JsonObject RunningStatus(JsonObject pod, DateTimeOffset startTime, DateTimeOffset transition, bool ready)
    {
        var start = Time(startTime);
        var at = Time(transition);
        var names = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().Select(c => (Name: Str(c["name"]) ?? "", Image: Str(c["image"]) ?? "")).ToList();
        var previous = pod["status"] as JsonObject;
        var readyStatus = ready ? "True" : "False";
        JsonObject Cond(string type, string status, string time)
        {
            var c = PodCondition(type, status, time);
            if (!ready && type is "Ready" or "ContainersReady")
            {
                c["reason"] = "ContainersNotReady";
                c["message"] = $"containers with unready status: [{string.Join(" ", names.Select(n => n.Name))}]";
            }
            return c;
        }
        var scheduled = (previous?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => Str(c["type"]) == "PodScheduled");
        var statuses = new JsonArray();
        foreach (var (name, image) in names)
        {
            statuses.Add(new JsonObject
            {
                ["name"] = name,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = start } },
                ["lastState"] = new JsonObject(),
                ["ready"] = ready,
                ["restartCount"] = 0,
                ["image"] = image,
                ["imageID"] = image.Length == 0 ? "" : $"{image}@sha256:{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(image)))}",
                ["containerID"] = "containerd://" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
                ["started"] = true,
            });
        }
        if (previous?["containerStatuses"] is JsonArray existing)
        {
            // Keep the container IDs a client may already have seen.
            for (var i = 0; i < Math.Min(existing.Count, statuses.Count); i++)
            {
                if (existing[i]?["containerID"] is JsonValue id) statuses[i]!["containerID"] = id.DeepClone();
            }
        }
        return new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(
                Cond("PodReadyToStartContainers", "True", start),
                Cond("Initialized", "True", start),
                Cond("Ready", readyStatus, at),
                Cond("ContainersReady", readyStatus, at),
                scheduled?.DeepClone() ?? PodCondition("PodScheduled", "True", start)),
            ["hostIP"] = LoopbackIp,
            ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = LoopbackIp }),
            ["podIP"] = LoopbackIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = LoopbackIp }),
            ["startTime"] = start,
            ["containerStatuses"] = statuses,
            ["qosClass"] = Str(previous?["qosClass"]) ?? QosClass(pod),
        };
    }

    /// <summary>
    /// Starts a graceful deletion: the pod stops serving and using CPU at once, turns not Ready, and
    /// is removed after the grace period. Idempotent.
    /// </summary>
    private void BeginTermination(PodInfo pod)
    {
        if (_terminating.ContainsKey(pod.Key)) return;
        _terminating[pod.Key] = NowMs;
        _unscheduled.Remove(pod.Key);
        Usage.StopPod(pod.Namespace, pod.Name);
        PodEndpoints.Release(pod.Namespace, pod.Name);
        MarkOwnerDirty(pod.Owner, pod.Namespace);
        // As the API server and kubelet do: the pod is marked with a deletionTimestamp at once (which is
        // how controllers, the HPA among them, tell a terminating pod) and turns not Ready.
        var now = Time(_time.GetUtcNow());
        try
        {
            var stored = _store.MarkForDeletion(GroupResource.Pods, pod.Namespace, pod.Name, _options.TerminationGracePeriod, obj =>
            {
                foreach (var c in (obj["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (Str(c["type"]) is "Ready" or "ContainersReady" && Str(c["status"]) == "True")
                    {
                        c["status"] = "False";
                        c["lastTransitionTime"] = now;
                    }
                }
                foreach (var s in (obj["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>()) s["ready"] = false;
                return true;
            });
            Write(GroupResource.Pods, stored);
        }
        catch (StatusException e) when (e.Reason == StatusReasons.NotFound)
        {
            return;
        }
        _due.Enqueue(new Due(Step.FinishTermination, pod.Namespace, pod.Name, pod.Uid), NowMs + (long)_options.TerminationGracePeriod.TotalMilliseconds);
    }

    // ------------------------------------------------------------------ per-pod /metrics endpoints

    private bool WantsEndpoint(PodInfo pod, string workload)
    {
        var load = workload.StartsWith("Pod/", StringComparison.Ordinal) ? LoadAnnotations.Parse(pod.Annotations, out _) : Usage.LoadOf(workload);
        return load.MilliRequestsPerSecond is not null;
    }

    private static void AddEndpointAnnotations(JsonObject pod, int port)
    {
        var meta = (JsonObject)pod["metadata"]!;
        var annotations = meta["annotations"] as JsonObject ?? new JsonObject();
        meta["annotations"] = annotations;
        annotations[PrometheusScrapeAnnotation] = "true";
        annotations[PrometheusPortAnnotation] = port.ToString(CultureInfo.InvariantCulture);
        annotations[PrometheusPathAnnotation] = "/metrics";
    }

    /// <summary>Gives running pods of workloads that just got an rps annotation their endpoint.</summary>
    private async Task AssignWantedEndpointsAsync(CancellationToken cancellationToken)
    {
        if (_endpointsWanted.Count == 0) return;
        var wanted = _endpointsWanted.ToHashSet(StringComparer.Ordinal);
        _endpointsWanted.Clear();
        foreach (var pod in _pods.Values.Where(p => p.IsRunning && p.MetricsPort is null && !_terminating.ContainsKey(p.Key)).ToList())
        {
            if (!wanted.Contains(WorkloadKeyOf(pod)) || !Usage.IsRunning(pod.Namespace, pod.Name)) continue;
            var port = await PodEndpoints.AssignAsync(pod.Namespace, pod.Name, cancellationToken).ConfigureAwait(false);
            try
            {
                UpdateAndObserve(GroupResource.Pods, pod.Namespace, pod.Name, obj =>
                {
                    AddEndpointAnnotations(obj, port);
                    return true;
                });
                }
            catch (StatusException e) when (e.Reason == StatusReasons.NotFound)
            {
                PodEndpoints.Release(pod.Namespace, pod.Name);
            }
        }
    }
}
