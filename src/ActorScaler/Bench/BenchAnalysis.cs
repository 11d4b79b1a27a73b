namespace ActorScaler.Bench;

/// <summary>Turns the raw <see cref="BenchMeasurements"/> into the <see cref="BenchReport"/> (pure arithmetic).</summary>
public static class BenchAnalysis
{
    /// <summary>The members' User-Agent prefix (RunOptions.UserAgent): "actorscaler/VERSION (member host:port)".</summary>
    public const string MemberUserAgentPrefix = "actorscaler/";

    // The targets on the 2-core machine at 10,000 HPAs over 3 members, 15 s sync period.
    public const double TargetEffectivePeriodP99Seconds = 16;
    public const double TargetDecisionLatencyP99Seconds = 1;
    public const double TargetMemoryPerHpaKiB = 4;
    public const double TargetMemoryPerNodeMiB = 0.25;
    public const double TargetMilliCpuPerNode = 0.1;
    public const double TargetApiRequestsPerHpaPerMinute = 0.2;

    private const double MiB = 1024.0 * 1024;

    public static BenchReport Analyze(BenchMeasurements m, string command)
    {
        ArgumentNullException.ThrowIfNull(m);
        var options = m.Options;
        var role = m.Apps.ToDictionary(a => a.Key, a => a.Role, StringComparer.Ordinal);
        var probes = m.Apps.Where(a => a.Role == BenchRole.Probe).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var scalers = m.Apps.Where(a => a.Role == BenchRole.Scaler).Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var steadySeconds = (m.LoadStepAt - m.SteadyStart).TotalSeconds;
        var windowSeconds = (m.End - m.SteadyStart).TotalSeconds;

        var accepted = m.ScaleWrites.Where(w => w.Code == 200 && w.UserAgent.StartsWith(MemberUserAgentPrefix, StringComparison.Ordinal)).ToList();
        var ups = accepted.Where(w => w.ReplicasAfter > w.ReplicasBefore).ToList();

        // Effective sync period: a probe scales by one pod on every pass, so successive writes are successive passes.
        var gaps = new List<double>();
        foreach (var probe in ups.Where(w => probes.Contains(w.Key) && w.Time >= m.SteadyStart && w.Time <= m.End).GroupBy(w => w.Key))
        {
            var times = probe.Select(w => w.Time).Order().ToList();
            for (var i = 1; i < times.Count; i++)
                gaps.Add((times[i] - times[i - 1]).TotalSeconds);
        }
        var effective = Distribution.Of(gaps);

        // Decision latency: the first up-scale of each scaler after its step, against the kubelet sample
        // that completed the post-step data of its pods' nodes (the newest first-after-step scrape that
        // precedes the write).
        var latencies = new List<double>();
        var loadToWrite = new List<double>();
        var scaled = 0;
        foreach (var key in scalers)
        {
            if (!m.LoadAppliedAt.TryGetValue(key, out var applied))
                continue;
            var first = ups.Where(w => w.Key == key && w.Time >= applied).MinBy(w => w.Time);
            if (first is null)
                continue;
            scaled++;
            loadToWrite.Add((first.Time - applied).TotalSeconds);
            if (!m.ScalerNodes.TryGetValue(key, out var nodes))
                continue;
            DateTimeOffset? sample = null;
            foreach (var node in nodes)
            {
                if (!m.KubeletTimesAfterStep.TryGetValue(node, out var times))
                    continue;
                var firstAfter = times.Where(t => t >= applied).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
                if (firstAfter <= first.Time && (sample is null || firstAfter > sample))
                    sample = firstAfter;
            }
            if (sample is { } s)
                latencies.Add((first.Time - s).TotalSeconds);
        }

        var steadyScaled = accepted.Where(w => w.ReplicasAfter != w.ReplicasBefore && role.TryGetValue(w.Key, out var r) && r == BenchRole.Steady)
            .Select(w => w.Key).Distinct(StringComparer.Ordinal).Count();
        var refused = m.ScaleWrites.Count(w => w.Code != 200);

        // API requests in the steady window by the members, less the probes' own writes (they write by design).
        var before = m.RequestsAtSteadyStart.Where(r => r.UserAgent.StartsWith(MemberUserAgentPrefix, StringComparison.Ordinal))
            .GroupBy(r => (r.Verb, r.Resource)).ToDictionary(g => g.Key, g => g.Sum(r => r.Count));
        var rates = m.RequestsAtSteadyEnd.Where(r => r.UserAgent.StartsWith(MemberUserAgentPrefix, StringComparison.Ordinal))
            .GroupBy(r => (r.Verb, r.Resource))
            .Select(g => (g.Key.Verb, g.Key.Resource, Count: g.Sum(r => r.Count) - before.GetValueOrDefault(g.Key)))
            .Where(r => r.Count > 0)
            .OrderByDescending(r => r.Count)
            .ToList();
        var probeWrites = m.ScaleWrites.Concat(m.StatusWrites)
            .Count(w => probes.Contains(w.Key) && w.Time >= m.SteadyStart && w.Time < m.LoadStepAt && w.UserAgent.StartsWith(MemberUserAgentPrefix, StringComparison.Ordinal));
        // Each rescale also records an Event (upstream's SuccessfulRescale); the probes' are theirs too.
        var probeRescales = ups.Count(w => probes.Contains(w.Key) && w.Time >= m.SteadyStart && w.Time < m.LoadStepAt);
        var events = rates.Where(r => r.Resource is "events" or "events.events.k8s.io").Sum(r => r.Count);
        probeWrites += (int)Math.Min(probeRescales, events);
        // A refused (conflicting) /scale write is followed by a re-read of the scale.
        var probeConflicts = m.ScaleWrites.Count(w => probes.Contains(w.Key) && w.Code == 409 && w.Time >= m.SteadyStart && w.Time < m.LoadStepAt);
        var scaleReads = rates.Where(r => r.Verb == "get" && r.Resource.Contains("/scale", StringComparison.Ordinal)).Sum(r => r.Count);
        probeWrites += (int)Math.Min(probeConflicts, scaleReads);
        var nonProbeHpas = Math.Max(1, options.Hpas - probes.Count);
        var steadyMinutes = steadySeconds / 60;
        var perHpaPerMinute = steadyMinutes > 0 ? Math.Max(0, rates.Sum(r => r.Count) - probeWrites) / (double)nonProbeHpas / steadyMinutes : double.NaN;

        var members = m.Members.Select(s => new MemberFigures(
            s.Index, s.Pid,
            CpuSecondsWindow: (s.End.CpuTime - s.SteadyStart.CpuTime).TotalSeconds,
            MilliCpuBaseline: MilliCpu(s.BaselineStart, s.BaselineEnd, m.BaselineEnd - m.BaselineStart),
            MilliCpuSteady: MilliCpu(s.SteadyStart, s.SteadyEnd, m.LoadStepAt - m.SteadyStart),
            BaselineRssMiB: s.BaselineEnd.ResidentBytes / MiB,
            SteadyRssMiB: s.SteadyEnd.ResidentBytes / MiB,
            PeakRssMiB: s.End.PeakResidentBytes / MiB)).ToList();
        // Per HPA: what the members grew by once the HPAs existed (the baseline already scrapes every node).
        var memoryPerHpaKiB = members.Sum(f => f.SteadyRssMiB - f.BaselineRssMiB) * 1024 / options.Hpas;
        var milliCpuPerHpa = members.Sum(f => f.MilliCpuSteady - f.MilliCpuBaseline) / options.Hpas;
        // Per node: the whole baseline members (runtime, Akka, informer caches, scrapers) over the nodes scraped.
        var memoryPerNodeMiB = members.Sum(f => f.BaselineRssMiB) / options.Nodes;
        var milliCpuPerNode = members.Sum(f => f.MilliCpuBaseline) / options.Nodes;

        var intervals = steadySeconds / options.MetricResolution.TotalSeconds;
        var kubeletPerNode = m.KubeletRequestsAtSteadyEnd.Select(p => p.Value - m.KubeletRequestsAtSteadyStart.GetValueOrDefault(p.Key)).ToList();
        var kubeletMean = kubeletPerNode.Count > 0 && intervals > 0 ? kubeletPerNode.Average() / intervals : double.NaN;
        var kubeletMax = kubeletPerNode.Count > 0 && intervals > 0 ? kubeletPerNode.Max() / intervals : double.NaN;

        double reconcilesPerSecond;
        string source;
        if (m.ReconciliationsAtSteadyStart is { } r0 && m.ReconciliationsAtSteadyEnd is { } r1 && steadySeconds > 0)
        {
            reconcilesPerSecond = (r1 - r0) / steadySeconds;
            source = $"the members' {BenchClient.ReconciliationsTotal} over the steady window";
        }
        else
        {
            var meanGap = gaps.Count > 0 ? gaps.Average() : double.NaN;
            reconcilesPerSecond = options.Hpas / meanGap;
            source = "estimated: HPAs / the probes' mean pass gap (the members export no reconcile counter)";
        }

        var decision = Distribution.Of(latencies);
        var targets = new List<TargetCheck>
        {
            Check("effective sync period p99", $"<= {TargetEffectivePeriodP99Seconds} s", effective.P99, "s", effective.P99 <= TargetEffectivePeriodP99Seconds),
            Check("decision latency p99", $"<= {TargetDecisionLatencyP99Seconds} s", decision.P99, "s", decision.P99 <= TargetDecisionLatencyP99Seconds),
            Check("memory per HPA", $"<= {TargetMemoryPerHpaKiB} KiB", memoryPerHpaKiB, "KiB", memoryPerHpaKiB <= TargetMemoryPerHpaKiB),
            Check("memory per scraped node", $"<= {TargetMemoryPerNodeMiB} MiB", memoryPerNodeMiB, "MiB", memoryPerNodeMiB <= TargetMemoryPerNodeMiB),
            Check("CPU per scraped node", $"<= {TargetMilliCpuPerNode} mCPU", milliCpuPerNode, "mCPU", milliCpuPerNode <= TargetMilliCpuPerNode),
            Check("API requests per HPA per minute (steady)", $"<= {TargetApiRequestsPerHpaPerMinute}", perHpaPerMinute, "", perHpaPerMinute <= TargetApiRequestsPerHpaPerMinute),
        };

        return new BenchReport
        {
            Command = command,
            Machine = m.Machine,
            LoadAverageAtStart = m.LoadAverageAtStart,
            LoadAverageAtEnd = m.LoadAverageAtEnd,
            StartedAt = m.StartedAt,
            Hpas = options.Hpas,
            Nodes = options.Nodes,
            Pods = options.Pods,
            Members = options.Members,
            SyncPeriodSeconds = options.SyncPeriod.TotalSeconds,
            MetricResolutionSeconds = options.MetricResolution.TotalSeconds,
            WindowSeconds = windowSeconds,
            SteadyHpas = m.Apps.Count(a => a.Role == BenchRole.Steady),
            ScalerHpas = scalers.Count,
            ProbeHpas = probes.Count,
            WarmUp = m.Phases.Select(p => new PhaseTiming(p.Phase, p.Took.TotalSeconds)).ToList(),
            HpasReconciledBeforeWindow = m.HpasReconciledBeforeWindow,
            HpasReconciledByEnd = m.StatusWrites.Where(w => w.Code == 200).Select(w => w.Key).Distinct(StringComparer.Ordinal).Count(),
            ReconcilesPerSecond = reconcilesPerSecond,
            ReconcilesSource = source,
            EffectiveSyncPeriod = effective,
            DecisionLatency = decision,
            LoadToScaleWrite = Distribution.Of(loadToWrite),
            ScalersScaledUp = scaled,
            SteadyHpasThatScaled = steadyScaled,
            ScaleWritesRefused = refused,
            ApiRequestsPerHpaPerMinute = perHpaPerMinute,
            ApiRequestsSteady = rates.Select(r => new RequestRate(r.Verb, r.Resource, r.Count, steadyMinutes > 0 ? r.Count / steadyMinutes : double.NaN)).ToList(),
            MemberFigures = members,
            MemoryPerHpaKiB = memoryPerHpaKiB,
            MilliCpuPerHpa = milliCpuPerHpa,
            MemoryPerNodeMiB = memoryPerNodeMiB,
            MilliCpuPerNode = milliCpuPerNode,
            KubeletRequestsPerNodePerInterval = kubeletMean,
            KubeletRequestsBusiestNodePerInterval = kubeletMax,
            Targets = targets,
        };
    }

    private static TargetCheck Check(string figure, string target, double measured, string unit, bool met) =>
        new(figure, target, measured, unit, met && double.IsFinite(measured));

    private static double MilliCpu(ProcessUsage start, ProcessUsage end, TimeSpan wall) =>
        wall > TimeSpan.Zero ? 1000 * (end.CpuTime - start.CpuTime).TotalSeconds / wall.TotalSeconds : double.NaN;
}
