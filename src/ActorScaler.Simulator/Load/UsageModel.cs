using ActorScaler.Simulator.Metrics;

namespace ActorScaler.Simulator.Load;

/// <summary>A container's resources as its pod spec declares them (0 = not set).</summary>
public sealed record ContainerResources(string Name, long CpuRequestMillicores, long CpuLimitMillicores, long MemoryRequestBytes);

/// <summary>A pod whose containers have started on a simulated node.</summary>
public sealed record RunningPod(
    string Namespace,
    string Name,
    string Uid,
    string NodeName,
    string WorkloadKey,
    IReadOnlyList<ContainerResources> Containers,
    DateTimeOffset StartTime);

/// <summary>Tunables of the usage model (defaults are those of a small real workload).</summary>
public sealed record UsageModelOptions
{
    /// <summary>
    /// How often the kubelet's stats are refreshed (cAdvisor housekeeping). Real kubelets refresh every
    /// 10-15 s; the default of 1 s keeps "a load change shows within a second" true for scrapers.
    /// </summary>
    public TimeSpan StatsInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>CPU of a running container that has no demand (an idle process).</summary>
    public long IdleCpuMillicores { get; init; } = 1;

    /// <summary>Working set of a container when the workload does not set memory-per-pod.</summary>
    public long BaselineMemoryBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>Pod sandbox (pause container) CPU: why pod_cpu_usage is slightly above the sum of its containers.</summary>
    public long PodOverheadCpuMicrocores { get; init; } = 100;

    /// <summary>Pod sandbox working set.</summary>
    public long PodOverheadMemoryBytes { get; init; } = 512L * 1024;

    /// <summary>Node CPU outside pods (kubelet, container runtime, system daemons).</summary>
    public long NodeSystemCpuMillicores { get; init; } = 50;

    /// <summary>Node working set outside pods.</summary>
    public long NodeSystemMemoryBytes { get; init; } = 512L * 1024 * 1024;
}

/// <summary>A pod's current usage rates, for inspection and tests.</summary>
public sealed record PodUsageRates(
    string NodeName,
    bool Ready,
    long CpuMicrocores,
    long WorkingSetBytes,
    long MilliRequestsPerSecond,
    IReadOnlyDictionary<string, long> ContainerCpuMicrocores);

/// <summary>
/// The load model: what every running container uses, derived from its workload's load annotations,
/// integrated over simulated time into the cumulative counters the kubelets report. CPU demand and
/// requests per second are spread evenly over the workload's Ready pods (each pod capped at its CPU
/// limit); pods that run but are not Ready idle. Thread-safe: the controllers write, the kubelet and
/// pod endpoints read concurrently.
/// </summary>
public sealed class UsageModel
{
    private const long MicroPerMilli = 1000;
    private const long NanoPerUnit = 1_000_000_000;
    // Working sets are whole pages, as the kernel accounts them (and the Metrics API shows Ki values).
    private const long PageBytes = 4096;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly UsageModelOptions _options;
    private readonly long _intervalMs;
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string Name), PodState> _pods = [];
    private readonly Dictionary<string, WorkloadState> _workloads = new(StringComparer.Ordinal);

    public UsageModel(TimeProvider time, UsageModelOptions? options = null)
    {
        _time = time;
        _options = options ?? new UsageModelOptions();
        _intervalMs = Math.Max(1, (long)_options.StatsInterval.TotalMilliseconds);
    }

    public UsageModelOptions Options => _options;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Registers a simulated node; its CPU counter starts now at the system overhead.</summary>
    public void AddNode(string name)
    {
        lock (_gate)
        {
            if (_nodes.ContainsKey(name)) return;
            var now = NowMs;
            var node = new NodeState(name, SampleSchedule.For(_intervalMs, "node/" + name), now);
            node.Cpu.SetRate(now, _options.NodeSystemCpuMillicores * MicroPerMilli);
            _nodes[name] = node;
        }
    }

    public bool HasNode(string name)
    {
        lock (_gate) return _nodes.ContainsKey(name);
    }

    /// <summary>Sets a workload's load; its pods' usage changes from the next stats sample on.</summary>
    public void SetWorkloadLoad(string workloadKey, WorkloadLoad load)
    {
        lock (_gate)
        {
            var workload = Workload(workloadKey);
            if (workload.Load == load) return;
            workload.Load = load;
            Recompute(workload);
        }
    }

    public WorkloadLoad LoadOf(string workloadKey)
    {
        lock (_gate) return _workloads.TryGetValue(workloadKey, out var w) ? w.Load : WorkloadLoad.Idle;
    }

    /// <summary>Starts accounting a pod whose containers started (not yet Ready).</summary>
    public void StartPod(RunningPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        lock (_gate)
        {
            if (_pods.ContainsKey((pod.Namespace, pod.Name))) return;
            if (!_nodes.TryGetValue(pod.NodeName, out var node))
            {
                throw new InvalidOperationException($"node \"{pod.NodeName}\" is not simulated");
            }
            var startMs = pod.StartTime.ToUnixTimeMilliseconds();
            var state = new PodState(pod, node, SampleSchedule.For(_intervalMs, $"pod/{pod.Uid}"), startMs,
                pod.Containers.Select(c => new ContainerState(c, SampleSchedule.For(_intervalMs, $"container/{pod.Uid}/{c.Name}"), startMs)).ToArray());
            _pods[(pod.Namespace, pod.Name)] = state;
            node.Pods.Add(state);
            var workload = Workload(pod.WorkloadKey);
            workload.Pods.Add(state);
            state.Workload = workload;
            Recompute(workload);
        }
    }

    /// <summary>Marks a pod Ready or not; the workload's demand is spread again.</summary>
    public void SetPodReady(string @namespace, string name, bool ready)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue((@namespace, name), out var pod) || pod.Ready == ready) return;
            pod.Ready = ready;
            Recompute(pod.Workload!);
        }
    }

    /// <summary>Stops a pod (terminated or deleted). Its past CPU stays in the node's counter.</summary>
    public void StopPod(string @namespace, string name)
    {
        lock (_gate)
        {
            if (!_pods.Remove((@namespace, name), out var pod)) return;
            var now = NowMs;
            foreach (var c in pod.Containers) ApplyContainerRate(pod, c, 0, now);
            pod.Node.OverheadMicrocores -= _options.PodOverheadCpuMicrocores;
            pod.Node.MemoryBytes -= pod.MemoryBytes;
            UpdateNodeRate(pod.Node, now);
            pod.Node.Pods.Remove(pod);
            var workload = pod.Workload!;
            workload.Pods.Remove(pod);
            Recompute(workload);
            if (workload.Pods.Count == 0 && workload.Load == WorkloadLoad.Idle) _workloads.Remove(workload.Key);
        }
    }

    public bool IsRunning(string @namespace, string name)
    {
        lock (_gate) return _pods.ContainsKey((@namespace, name));
    }

    /// <summary>The node's /metrics/resource content as of now (cached samples, each at its own time).</summary>
    public KubeletResourceSnapshot Snapshot(string nodeName)
    {
        lock (_gate)
        {
            var now = NowMs;
            if (!_nodes.TryGetValue(nodeName, out var node))
            {
                return new KubeletResourceSnapshot(new NodeResourceSample(0, 0, now), [], []);
            }
            var containers = new List<ContainerResourceSample>(node.Pods.Count);
            var pods = new List<PodResourceSample>(node.Pods.Count);
            foreach (var pod in node.Pods)
            {
                var ns = pod.Spec.Namespace;
                var name = pod.Spec.Name;
                foreach (var c in pod.Containers)
                {
                    // A container appears once the stats pipeline has sampled it after it started.
                    var at = c.Schedule.LatestAtOrBefore(now);
                    if (at < pod.StartMs) continue;
                    containers.Add(new ContainerResourceSample(ns, name, c.Spec.Name, c.Cpu.NanoUnitsAt(at), c.MemoryBytes, at, pod.Spec.StartTime));
                }
                var podAt = pod.Schedule.LatestAtOrBefore(now);
                if (podAt < pod.StartMs) continue;
                pods.Add(new PodResourceSample(ns, name, pod.Cpu.NanoUnitsAt(podAt), pod.MemoryBytes, podAt));
            }
            var nodeAt = node.Schedule.LatestAtOrBefore(now);
            return new KubeletResourceSnapshot(
                new NodeResourceSample(node.Cpu.NanoUnitsAt(nodeAt), node.MemoryBytes + _options.NodeSystemMemoryBytes, nodeAt),
                pods, containers);
        }
    }

    /// <summary>The pod's http_requests_total now (whole requests), or null when it is not running.</summary>
    public long? RequestsTotal(string @namespace, string name)
    {
        lock (_gate)
        {
            return _pods.TryGetValue((@namespace, name), out var pod) ? pod.Requests.NanoUnitsAt(NowMs) / NanoPerUnit : null;
        }
    }

    /// <summary>The pod's current rates, or null when it is not running.</summary>
    public PodUsageRates? Rates(string @namespace, string name)
    {
        lock (_gate)
        {
            if (!_pods.TryGetValue((@namespace, name), out var pod)) return null;
            return new PodUsageRates(pod.Node.Name, pod.Ready, pod.Containers.Sum(c => c.RateMicrocores), pod.MemoryBytes,
                pod.Requests.RateMicroUnits / MicroPerMilli,
                pod.Containers.ToDictionary(c => c.Spec.Name, c => c.RateMicrocores, StringComparer.Ordinal));
        }
    }

    /// <summary>The node's current CPU rate in microcores (system overhead included).</summary>
    public long NodeCpuMicrocores(string nodeName)
    {
        lock (_gate) return _nodes.TryGetValue(nodeName, out var n) ? n.Cpu.RateMicroUnits : 0;
    }

    private WorkloadState Workload(string key)
    {
        if (!_workloads.TryGetValue(key, out var w))
        {
            w = new WorkloadState(key);
            _workloads[key] = w;
        }
        return w;
    }

    // Spreads the workload's demand over its pods and applies the new rates. Called under the lock.
    private void Recompute(WorkloadState workload)
    {
        var now = NowMs;
        var load = workload.Load;
        var ready = workload.Pods.Count(p => p.Ready);
        long perPodCpu = load.CpuDemandMillicores is { } demand && ready > 0 ? demand * MicroPerMilli / ready : 0;
        long perPodRequests = load.MilliRequestsPerSecond is { } rps && ready > 0 ? rps * MicroPerMilli / ready : 0;
        var touchedNodes = new HashSet<NodeState>();
        foreach (var pod in workload.Pods)
        {
            var cpu = SplitCpu(pod, pod.Ready && load.CpuDemandMillicores is not null ? perPodCpu : (long?)null);
            for (var i = 0; i < pod.Containers.Length; i++) ApplyContainerRate(pod, pod.Containers[i], cpu[i], now);
            pod.Requests.SetRate(now, pod.Ready ? perPodRequests : 0);

            var memory = load.MemoryPerPodBytes ?? (_options.BaselineMemoryBytes * pod.Containers.Length);
            SplitMemory(pod, memory);
            var podMemory = pod.Containers.Sum(c => c.MemoryBytes) + _options.PodOverheadMemoryBytes;
            pod.Node.MemoryBytes += podMemory - pod.MemoryBytes;
            pod.MemoryBytes = podMemory;
            if (!pod.Accounted)
            {
                pod.Accounted = true;
                pod.Node.OverheadMicrocores += _options.PodOverheadCpuMicrocores;
            }
            touchedNodes.Add(pod.Node);
        }
        foreach (var node in touchedNodes) UpdateNodeRate(node, now);
    }

    // Per-container CPU in microcores: a pod's share split by CPU request (evenly without requests),
    // each container capped at its limit; null share = the idle rate.
    private long[] SplitCpu(PodState pod, long? podShare)
    {
        var containers = pod.Containers;
        var result = new long[containers.Length];
        if (podShare is not { } share)
        {
            Array.Fill(result, _options.IdleCpuMillicores * MicroPerMilli);
            return result;
        }
        var totalRequest = containers.Sum(c => c.Spec.CpuRequestMillicores);
        for (var i = 0; i < containers.Length; i++)
        {
            var spec = containers[i].Spec;
            var part = totalRequest > 0 ? share * spec.CpuRequestMillicores / totalRequest : share / containers.Length;
            result[i] = spec.CpuLimitMillicores > 0 ? Math.Min(part, spec.CpuLimitMillicores * MicroPerMilli) : part;
        }
        return result;
    }

    private static void SplitMemory(PodState pod, long podBytes)
    {
        var containers = pod.Containers;
        var totalRequest = containers.Sum(c => c.Spec.MemoryRequestBytes);
        foreach (var c in containers)
        {
            var part = totalRequest > 0 ? podBytes * c.Spec.MemoryRequestBytes / totalRequest : podBytes / containers.Length;
            c.MemoryBytes = part / PageBytes * PageBytes;
        }
    }

    private void ApplyContainerRate(PodState pod, ContainerState container, long rateMicrocores, long now)
    {
        if (container.RateMicrocores == rateMicrocores && container.Cpu.RateMicroUnits == rateMicrocores) return;
        // Each counter changes rate at its own latest sample time, so a value already reported for that
        // time stays valid and the new rate is visible from the next sample (at most one interval later).
        container.Cpu.SetRate(container.Schedule.LatestAtOrBefore(now), rateMicrocores);
        pod.Node.ContainerMicrocores += rateMicrocores - container.RateMicrocores;
        container.RateMicrocores = rateMicrocores;
        pod.Cpu.SetRate(pod.Schedule.LatestAtOrBefore(now), pod.Containers.Sum(c => c.RateMicrocores) + _options.PodOverheadCpuMicrocores);
    }

    private void UpdateNodeRate(NodeState node, long now) =>
        node.Cpu.SetRate(node.Schedule.LatestAtOrBefore(now),
            (_options.NodeSystemCpuMillicores * MicroPerMilli) + node.ContainerMicrocores + node.OverheadMicrocores);

    private sealed class NodeState(string name, SampleSchedule schedule, long startMs)
    {
        public string Name { get; } = name;
        public SampleSchedule Schedule { get; } = schedule;
        public CumulativeCounter Cpu { get; } = new(startMs);
        public HashSet<PodState> Pods { get; } = [];
        public long ContainerMicrocores { get; set; }
        public long OverheadMicrocores { get; set; }
        public long MemoryBytes { get; set; }
    }

    private sealed class WorkloadState(string key)
    {
        public string Key { get; } = key;
        public WorkloadLoad Load { get; set; } = WorkloadLoad.Idle;
        public HashSet<PodState> Pods { get; } = [];
    }

    private sealed class PodState(RunningPod spec, NodeState node, SampleSchedule schedule, long startMs, ContainerState[] containers)
    {
        public RunningPod Spec { get; } = spec;
        public NodeState Node { get; } = node;
        public SampleSchedule Schedule { get; } = schedule;
        public long StartMs { get; } = startMs;
        public ContainerState[] Containers { get; } = containers;
        public CumulativeCounter Cpu { get; } = new(startMs);
        public CumulativeCounter Requests { get; } = new(startMs);
        public WorkloadState? Workload { get; set; }
        public bool Ready { get; set; }
        public bool Accounted { get; set; }
        public long MemoryBytes { get; set; }
    }

    private sealed class ContainerState(ContainerResources spec, SampleSchedule schedule, long startMs)
    {
        public ContainerResources Spec { get; } = spec;
        public SampleSchedule Schedule { get; } = schedule;
        public CumulativeCounter Cpu { get; } = new(startMs);
        public long RateMicrocores { get; set; }
        public long MemoryBytes { get; set; }
    }
}
