using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Inputs;
using ActorScaler.WhatIf.Load;
using ActorScaler.WhatIf.Workload;

namespace ActorScaler.WhatIf.Engine;

/// <summary>
/// The discrete-event simulation. Virtual time runs in milliseconds from 0; events (pod
/// transitions, scrapes, syncs) are processed in time order, and between events the pods'
/// counters advance in steps of at most one second with the demand at each step's midpoint.
/// At equal times pod transitions come first, then the scrape, then the sync, so a sync sees
/// the scrape of the same instant, as an HPA reading a freshly stored batch would.
/// </summary>
public sealed class SimulationRunner
{
    /// <summary>A scale event that reverses the previous one within this window counts as a flap.</summary>
    public static readonly TimeSpan FlapWindow = TimeSpan.FromMinutes(5);

    /// <summary>Virtual wall-clock time of t = 0 (any fixed instant: runs must not depend on the real clock).</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Initial pods have been Ready this long when the run starts: past the CPU initialization period.</summary>
    private static readonly TimeSpan InitialPodAge = TimeSpan.FromHours(1);

    /// <summary>The "file" named in errors about flags.</summary>
    public const string CommandLine = "command line";

    private const long AccountingStepMs = 1000;
    private const int PodTransitionOrder = 0;
    private const int ScrapeOrder = 1;
    private const int SyncOrder = 2;
    // Unmet demand below this (milli-cores) is rounding, not a shortage.
    private const double UnmetEpsilonMilli = 0.001;

    private readonly HorizontalPodAutoscaler _hpa;
    private readonly WorkloadSpec _workload;
    private readonly LoadProfile _load;
    private readonly SimulationOptions _options;
    private readonly IHpaController _controller;
    private readonly IReadOnlyList<MetricProbe> _probes;
    private readonly MetricProbe.WorkloadShape[] _probeShapes;
    private readonly MetricsPipeline _pipeline;
    private readonly Random _random;
    private readonly PriorityQueue<Action, (long Time, int Order, long Seq)> _events = new();
    private readonly List<PodModel> _pods = [];
    private readonly List<ContainerResources> _containers;
    private readonly IReadOnlyList<string> _containerNames;
    private readonly IReadOnlyList<ContainerInfo> _podContainers;
    private readonly IReadOnlyList<ContainerInfo> _podSidecars;
    private readonly double[] _cpuShares;
    private readonly double[] _memoryShares;
    private readonly long? _podCpuLimitMilli;
    private readonly double _podCpuRequestCores;
    private readonly long _startupMs;
    private double[] _weights = [];
    private readonly string _podNamePrefix;
    private readonly List<TimelinePoint> _timeline = [];
    private readonly List<ScaleEvent> _scaleEvents = [];
    private readonly List<string> _controllerEvents = [];
    private readonly long _durationMs;
    private long _seq;
    private long _clockMs;
    private long _nextOrdinal;
    private int _specReplicas;
    private GroundTruth _truth;

    // Whole-run statistics (t >= 0 only; the warm-up before 0 is not counted).
    private double _podMs;
    private double _requestedCoreMs;
    private double _unmetMs;
    private double _unmetCoreMs;
    private double _aboveTargetMs;
    private int _maxPods;

    // Since the previous timeline row.
    private double _intervalMs;
    private double _intervalDemand;
    private double _intervalRps;
    private double _intervalServed;
    private double _intervalUnmet;
    private readonly double[] _intervalActual;
    private readonly double[] _intervalActualMs;

    private SimulationRunner(HorizontalPodAutoscaler hpa, WorkloadSpec workload, LoadProfile load, SimulationOptions options, IHpaController controller)
    {
        _hpa = hpa;
        _workload = workload;
        _load = load;
        _options = options;
        _controller = controller;
        _probes = MetricProbe.For(hpa);
        _probeShapes = _probes.Select(p => p.Shape(workload)).ToArray();
        _podCpuRequestCores = workload.AllContainers.Sum(c => c.CpuRequest?.ToDouble() ?? 0);
        _pipeline = new MetricsPipeline(options.Resolution);
        _random = new Random(options.Seed);
        _containers = workload.AllContainers.ToList();
        _containerNames = _containers.Select(c => c.Name).ToList();
        _podContainers = workload.Containers.Select(c => ToContainerInfo(c, null)).ToList();
        _podSidecars = workload.SidecarContainers.Select(c => ToContainerInfo(c, ContainerRestartPolicy.Always)).ToList();
        _cpuShares = PodModel.Shares(_containers, cpu: true);
        _memoryShares = PodModel.Shares(_containers, cpu: false);
        _podCpuLimitMilli = workload.PodCpuLimitMilli;
        _startupMs = (long)load.Startup.Duration.TotalMilliseconds;
        _podNamePrefix = workload.Kind == "StatefulSet" ? $"{workload.Name}-" : $"{workload.Name}-{RandomSuffix(10)}-";
        _durationMs = (long)(options.Duration ?? load.Length).TotalMilliseconds;
        _intervalActual = new double[_probes.Count];
        _intervalActualMs = new double[_probes.Count];
    }

    /// <summary>Runs one HPA against the load and returns its timeline and summary.</summary>
    public static SimulationResult Run(
        string label,
        HorizontalPodAutoscaler hpa,
        WorkloadSpec workload,
        LoadProfile load,
        SimulationOptions options,
        IHpaController controller)
    {
        ValidateOptions(options);
        var runner = new SimulationRunner(hpa, workload, load, options, controller);
        runner.Execute();
        return runner.Result(label);
    }

    private static void ValidateOptions(SimulationOptions o)
    {
        static void AtLeastOneSecond(TimeSpan value, string flag)
        {
            if (value < TimeSpan.FromSeconds(1))
                throw new SimulationInputException(CommandLine, flag, $"must be at least 1s, got {DurationText.Format(value)}");
        }
        AtLeastOneSecond(o.SyncPeriod, "--sync-period");
        AtLeastOneSecond(o.Resolution, "--resolution");
        if (o.Duration is { } d && d <= TimeSpan.Zero)
            throw new SimulationInputException(CommandLine, "--duration", "must be longer than 0s");
        if (o.SchedulingDelay < TimeSpan.Zero)
            throw new SimulationInputException(CommandLine, "--scheduling-delay", "must not be negative");
        if (o.ReadinessDelay < TimeSpan.Zero)
            throw new SimulationInputException(CommandLine, "--readiness-delay", "must not be negative");
        if (o.StartupJitter < TimeSpan.Zero)
            throw new SimulationInputException(CommandLine, "--startup-jitter", "must not be negative");
    }

    private void Execute()
    {
        if (_durationMs <= 0)
            throw new SimulationInputException(CommandLine, "--duration", "the load profile has no length and no --duration was given");
        var resolutionMs = (long)_options.Resolution.TotalMilliseconds;
        var syncMs = (long)_options.SyncPeriod.TotalMilliseconds;

        // Warm-up: the pipeline starts one resolution before t = 0, so the first sync already
        // has a window for the initial pods, as for an HPA created on a running cluster.
        _clockMs = -resolutionMs;
        _specReplicas = _workload.Replicas;
        var initialStart = -(long)InitialPodAge.TotalMilliseconds;
        for (var i = 0; i < _workload.Replicas; i++)
            AddPod(initialStart, initialStart, initialStart);

        for (var t = -resolutionMs; t <= _durationMs; t += resolutionMs)
        {
            var at = t;
            Schedule(at, ScrapeOrder, () => _pipeline.Scrape(_pods, at));
        }
        for (var t = 0L; t <= _durationMs; t += syncMs)
        {
            var at = t;
            Schedule(at, SyncOrder, () => Sync(at));
        }

        while (_events.TryDequeue(out var action, out var key))
        {
            AdvanceTo(key.Time);
            action();
        }
        AdvanceTo(_durationMs);
    }

    private void Schedule(long timeMs, int order, Action action) => _events.Enqueue(action, (timeMs, order, _seq++));

    private void AddPod(long createdMs, long runningAtMs, long readyAtMs)
    {
        var ordinal = _nextOrdinal++;
        var name = _workload.Kind == "StatefulSet" ? $"{_podNamePrefix}{ordinal}" : $"{_podNamePrefix}{RandomSuffix(5)}";
        var pod = new PodModel(name, ordinal, createdMs, runningAtMs, readyAtMs, _containers.Count);
        for (var c = 0; c < _containers.Count; c++)
            pod.WorkingSetBytes[c] = (long)(_load.Memory.BaseBytes * _memoryShares[c]);
        _pods.Add(pod);
        _maxPods = Math.Max(_maxPods, _pods.Count);
        if (runningAtMs > _clockMs)
            Schedule(runningAtMs, PodTransitionOrder, () => ReconcileWorkload(runningAtMs));
        if (readyAtMs > _clockMs)
            Schedule(readyAtMs, PodTransitionOrder, () => ReconcileWorkload(readyAtMs));
    }

    /// <summary>
    /// The workload controller: brings the pod count to scale.spec.replicas. A Deployment's
    /// ReplicaSet creates all missing pods at once; an OrderedReady StatefulSet one at a time,
    /// each after the previous is Running and Ready. Scale-down removes the newest pods first.
    /// </summary>
    private void ReconcileWorkload(long nowMs)
    {
        while (_pods.Count > _specReplicas)
        {
            var newest = _pods.MaxBy(p => p.Ordinal)!;
            _pods.Remove(newest);
        }
        while (_pods.Count < _specReplicas)
        {
            if (_workload.OrderedReady && _pods.Any(p => !p.IsReady(nowMs)))
                return;
            var jitterMs = _options.StartupJitter > TimeSpan.Zero
                ? (long)(_random.NextDouble() * _options.StartupJitter.TotalMilliseconds)
                : 0;
            var runningAt = nowMs + (long)_options.SchedulingDelay.TotalMilliseconds + jitterMs;
            AddPod(nowMs, runningAt, runningAt + (long)_options.ReadinessDelay.TotalMilliseconds);
        }
    }

    private void AdvanceTo(long targetMs)
    {
        while (_clockMs < targetMs)
        {
            var next = Math.Min(targetMs, ((_clockMs / AccountingStepMs) + 1) * AccountingStepMs);
            if (next <= _clockMs)
                next = _clockMs + AccountingStepMs;
            next = Math.Min(next, targetMs);
            Account(_clockMs, next);
            _clockMs = next;
        }
    }

    /// <summary>
    /// One accounting step: spread the demand over the Ready pods, cap each at its CPU limit,
    /// advance the counters and working sets, and record what was left unmet.
    /// </summary>
    private void Account(long fromMs, long toMs)
    {
        var dtMs = toMs - fromMs;
        var midSeconds = Math.Max(0, (fromMs + toMs) / 2000.0);
        var demand = _load.DemandAt(midSeconds);
        var ready = 0;
        foreach (var pod in _pods)
        {
            if (pod.IsReady(fromMs))
                ready++;
        }

        var weights = ready > 0 ? Weights(ready) : [];
        var served = 0.0;
        var readyWorkingSet = 0.0;
        var i = 0;
        foreach (var pod in _pods)
        {
            double podServed = 0;
            double podRps = 0;
            // A starting container's own burst comes first; the demand gets what the limit leaves.
            var burst = pod.IsRunning(fromMs) && fromMs - pod.RunningAtMs < _startupMs ? _load.Startup.CpuMilli : 0;
            if (_podCpuLimitMilli is { } cap)
                burst = Math.Min(burst, cap);
            if (pod.IsReady(fromMs))
            {
                var share = demand.CpuMilli / ready * weights[i];
                podServed = _podCpuLimitMilli is { } limit ? Math.Min(share, limit - burst) : share;
                podRps = demand.Rps / ready * weights[i];
                i++;
            }
            pod.ServedCpuMilli = podServed;
            pod.ServedRps = podRps;
            served += podServed;
            if (pod.IsRunning(fromMs))
            {
                var workingSet = _load.Memory.WorkingSetBytes(podServed);
                for (var c = 0; c < _containers.Count; c++)
                {
                    // 1 milli-core for 1 ms is 1000 core-nanoseconds.
                    pod.CpuCoreNanoSeconds[c] += (long)Math.Round((podServed + burst) * _cpuShares[c] * dtMs * 1000);
                    pod.WorkingSetBytes[c] = (long)(workingSet * _memoryShares[c]);
                }
                if (pod.IsReady(fromMs))
                    readyWorkingSet += workingSet;
            }
        }
        var unmet = Math.Max(0, demand.CpuMilli - served);
        _truth = new GroundTruth(ready, served, readyWorkingSet, demand.Rps);
        if (fromMs < 0)
            return;

        _podMs += _pods.Count * dtMs;
        _requestedCoreMs += _pods.Count * _podCpuRequestCores * dtMs;
        if (unmet > UnmetEpsilonMilli)
        {
            _unmetMs += dtMs;
            _unmetCoreMs += unmet / 1000.0 * dtMs;
        }
        var above = false;
        for (var m = 0; m < _probes.Count; m++)
        {
            if (_probes[m].Actual(_truth, _probeShapes[m]) is { } actual)
            {
                _intervalActual[m] += actual * dtMs;
                _intervalActualMs[m] += dtMs;
                above |= actual > _probes[m].Target;
            }
        }
        if (above)
            _aboveTargetMs += dtMs;
        _intervalMs += dtMs;
        _intervalDemand += demand.CpuMilli * dtMs;
        _intervalRps += demand.Rps * dtMs;
        _intervalServed += served * dtMs;
        _intervalUnmet += unmet * dtMs;
    }

    /// <summary>Per-pod load-balancer imbalance: weights around 1 that sum to the pod count (one reused buffer).</summary>
    private double[] Weights(int count)
    {
        if (_weights.Length < count)
            _weights = new double[Math.Max(count, 2 * _weights.Length)];
        var weights = _weights;
        if (_load.Noise <= 0)
        {
            Array.Fill(weights, 1.0, 0, count);
            return weights;
        }
        var sum = 0.0;
        for (var k = 0; k < count; k++)
        {
            weights[k] = 1 + (_load.Noise * ((2 * _random.NextDouble()) - 1));
            sum += weights[k];
        }
        for (var k = 0; k < count; k++)
            weights[k] *= count / sum;
        return weights;
    }

    private void Sync(long nowMs)
    {
        var now = Epoch.AddMilliseconds(nowMs);
        var snapshot = Snapshot(nowMs, now);
        var step = _controller.Sync(snapshot);
        foreach (var e in step.Events)
            _controllerEvents.Add($"t={nowMs / 1000.0:0.#}s {e}");
        if (step.Rescaled is { } replicas && replicas != _specReplicas)
        {
            _scaleEvents.Add(new ScaleEvent(nowMs / 1000.0, _specReplicas, replicas, RescaleReason(step)));
            _specReplicas = replicas;
            ReconcileWorkload(nowMs);
        }
        Record(nowMs, step.Status);
    }

    private static string RescaleReason(ControllerStep step) =>
        step.Events.FirstOrDefault(e => e.StartsWith("SuccessfulRescale", StringComparison.Ordinal)) is { } e
            ? e[(e.IndexOf("reason: ", StringComparison.Ordinal) is var i and >= 0 ? i + 8 : 0)..]
            : "";

    private ClusterSnapshot Snapshot(long nowMs, DateTimeOffset now)
    {
        var labels = _workload.SelectorLabels;
        var pods = new List<PodInfo>(_pods.Count);
        foreach (var p in _pods)
        {
            var running = p.IsRunning(nowMs);
            var ready = p.IsReady(nowMs);
            pods.Add(new PodInfo
            {
                Name = p.Name,
                Namespace = _workload.Namespace,
                Labels = labels,
                Phase = running ? Core.Calculation.PodPhase.Running : Core.Calculation.PodPhase.Pending,
                // The kubelet sets Ready=False when it takes the pod and flips it once the probe passes.
                Ready = new PodReadyCondition(
                    ready ? ConditionStatus.True : ConditionStatus.False,
                    Epoch.AddMilliseconds(ready ? p.ReadyAtMs : running ? p.RunningAtMs : p.CreatedMs)),
                StartTime = running ? Epoch.AddMilliseconds(p.RunningAtMs) : null,
                Containers = _podContainers,
                InitContainers = _podSidecars,
            });
        }
        var metrics = _pipeline.Serve(_containerNames, Epoch);
        // Custom metrics (rps) come from an adapter that reports the time of the request
        // (prometheus-adapter does), over its default one-minute window.
        var rates = _pods.Where(p => p.IsReady(nowMs))
            .Select(p => new PodMetricSample(p.Name, (long)Math.Round(p.ServedRps * 1000), now, TimeSpan.FromMinutes(1)))
            .ToList();
        return new ClusterSnapshot
        {
            Now = now,
            SpecReplicas = _specReplicas,
            StatusReplicas = _pods.Count,
            Selector = string.Join(",", labels.Select(kv => $"{kv.Key}={kv.Value}")),
            Pods = pods,
            ResourceMetrics = metrics,
            PodRequestRates = rates,
            TotalRequestRateMilli = (long)Math.Round(_truth.Rps * 1000),
        };
    }

    /// <summary>The pod template's containers as the core reads them: requests in milli-units.</summary>
    internal static ContainerInfo ToContainerInfo(ContainerResources c, string? restartPolicy)
    {
        var requests = new Dictionary<string, long>(StringComparer.Ordinal);
        if (c.CpuRequest is { } cpu)
            requests[ResourceNames.Cpu] = cpu.MilliValue();
        if (c.MemoryRequest is { } memory)
            requests[ResourceNames.Memory] = memory.MilliValue();
        return new ContainerInfo { Name = c.Name, RequestsMilli = requests, RestartPolicy = restartPolicy };
    }

    private void Record(long nowMs, HorizontalPodAutoscalerStatus status)
    {
        var observed = new double?[_probes.Count];
        for (var m = 0; m < _probes.Count; m++)
        {
            // Upstream writes one entry per spec metric, in order; after a failed pass the list can be
            // shorter, so fall back to matching by type and name.
            var metricStatus = status.CurrentMetrics.Count == _probes.Count && _probes[m].Matches(status.CurrentMetrics[m])
                ? status.CurrentMetrics[m]
                : status.CurrentMetrics.FirstOrDefault(_probes[m].Matches);
            observed[m] = _probes[m].Observed(metricStatus);
        }
        var actual = new double?[_probes.Count];
        for (var m = 0; m < _probes.Count; m++)
        {
            actual[m] = _intervalActualMs[m] > 0 ? _intervalActual[m] / _intervalActualMs[m] : _probes[m].Actual(_truth, _probeShapes[m]);
        }
        var span = _intervalMs > 0 ? _intervalMs : 1;
        var instant = _load.DemandAt(nowMs / 1000.0);
        var readyPods = _pods.Count(p => p.IsReady(nowMs));
        var runningPods = _pods.Where(p => p.IsRunning(nowMs)).ToList();
        _timeline.Add(new TimelinePoint
        {
            Seconds = nowMs / 1000.0,
            DemandCpuMilli = _intervalMs > 0 ? _intervalDemand / span : instant.CpuMilli,
            DemandRps = _intervalMs > 0 ? _intervalRps / span : instant.Rps,
            ServedCpuMilli = _intervalMs > 0 ? _intervalServed / span : _truth.ServedCpuMilli,
            UnmetCpuMilli = _intervalMs > 0 ? _intervalUnmet / span : Math.Max(0, instant.CpuMilli - _truth.ServedCpuMilli),
            DesiredReplicas = status.DesiredReplicas,
            SpecReplicas = _specReplicas,
            CurrentPods = _pods.Count,
            ReadyPods = readyPods,
            Observed = observed,
            Actual = actual,
            AverageWorkingSetBytes = runningPods.Count == 0 ? 0 : runningPods.Average(p => (double)p.WorkingSetBytes.Sum()),
            Conditions = Unhealthy(status.Conditions),
        });
        _intervalMs = _intervalDemand = _intervalRps = _intervalServed = _intervalUnmet = 0;
        Array.Clear(_intervalActual);
        Array.Clear(_intervalActualMs);
    }

    /// <summary>Reasons of conditions in their everyday state; anything else is worth a glance in the timeline.</summary>
    private static readonly HashSet<string> RoutineReasons = new(StringComparer.Ordinal)
    {
        HpaConditionReason.SucceededGetScale, HpaConditionReason.SucceededRescale, HpaConditionReason.ValidMetricFound,
        HpaConditionReason.NotScaledToZero, StabilizationWindow.ReadyForNewScaleReason, ReplicaLimits.DesiredWithinRangeReason,
    };

    /// <summary>Conditions worth a glance, e.g. "AbleToScale=ScaleDownStabilized ScalingLimited=TooManyReplicas".</summary>
    private static string Unhealthy(IReadOnlyList<HpaCondition> conditions) =>
        string.Join(" ", conditions.Where(c => !RoutineReasons.Contains(c.Reason)).Select(c => $"{c.Type}={c.Reason}"));

    private string RandomSuffix(int length)
    {
        // The alphabet apimachinery's rand.String uses for generated names (no vowels, no 0/1/3).
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(length, _random, (span, r) =>
        {
            for (var k = 0; k < span.Length; k++)
                span[k] = alphabet[r.Next(alphabet.Length)];
        });
    }

    private SimulationResult Result(string label)
    {
        var flaps = 0;
        for (var k = 1; k < _scaleEvents.Count; k++)
        {
            var (a, b) = (_scaleEvents[k - 1], _scaleEvents[k]);
            if (a.Direction != b.Direction && b.Seconds - a.Seconds <= FlapWindow.TotalSeconds)
                flaps++;
        }
        var utilization = _probes.Select((p, i) => (p, i)).FirstOrDefault(x => x.p.TargetType == MetricTargetType.Utilization);
        double? peak = utilization.p is null
            ? null
            : _timeline.Select(t => t.Observed[utilization.i]).Where(v => v is not null).DefaultIfEmpty(null).Max();
        var summary = new SimulationSummary
        {
            Duration = TimeSpan.FromMilliseconds(_durationMs),
            TimeAboveTarget = TimeSpan.FromMilliseconds(_aboveTargetMs),
            PeakObservedUtilization = peak,
            ScaleUps = _scaleEvents.Count(e => e.Direction > 0),
            ScaleDowns = _scaleEvents.Count(e => e.Direction < 0),
            Flaps = flaps,
            PodHours = _podMs / 3_600_000.0,
            RequestedCoreHours = _requestedCoreMs / 3_600_000.0,
            UnmetDemandTime = TimeSpan.FromMilliseconds(_unmetMs),
            UnmetCoreSeconds = _unmetCoreMs / 1000.0,
            MaxPods = _maxPods,
            FinalReplicas = _specReplicas,
            FirstScaleUpAt = _scaleEvents.FirstOrDefault(e => e.Direction > 0) is { } up ? TimeSpan.FromSeconds(up.Seconds) : null,
        };
        return new SimulationResult
        {
            Label = label,
            Hpa = _hpa,
            Options = _options,
            Metrics = _probes,
            Timeline = _timeline,
            ScaleEvents = _scaleEvents,
            ControllerEvents = _controllerEvents,
            Summary = summary,
            MinReplicas = _hpa.Spec.MinReplicas ?? 1,
            MaxReplicas = _hpa.Spec.MaxReplicas,
        };
    }
}
