namespace ActorScaler.Bench;

/// <summary>p50, p99 and max of a set of durations, in seconds, with how many there were.</summary>
public sealed record Distribution(int Samples, double P50, double P99, double Max)
{
    public static readonly Distribution Empty = new(0, double.NaN, double.NaN, double.NaN);

    /// <summary>Nearest-rank percentiles (the value below which the share of samples falls), as Prometheus users read them.</summary>
    public static Distribution Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
            return Empty;
        return new Distribution(sorted.Length, Rank(sorted, 0.50), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>One member's cost in the benchmark.</summary>
public sealed record MemberFigures(int Index, int Pid, double CpuSecondsWindow, double MilliCpuBaseline, double MilliCpuSteady,
    double BaselineRssMiB, double SteadyRssMiB, double PeakRssMiB);

/// <summary>One of the targets beside what was measured.</summary>
public sealed record TargetCheck(string Figure, string Target, double Measured, string Unit, bool Met);

/// <summary>The benchmark's result: what was run, the figures, and the targets.</summary>
public sealed record BenchReport
{
    public required string Command { get; init; }
    public required string Machine { get; init; }
    public required string LoadAverageAtStart { get; init; }
    public required string LoadAverageAtEnd { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required int Hpas { get; init; }
    public required int Nodes { get; init; }
    public required int Pods { get; init; }
    public required int Members { get; init; }
    public required double SyncPeriodSeconds { get; init; }
    public required double MetricResolutionSeconds { get; init; }
    public required double WindowSeconds { get; init; }
    public required int SteadyHpas { get; init; }
    public required int ScalerHpas { get; init; }
    public required int ProbeHpas { get; init; }
    public required IReadOnlyList<PhaseTiming> WarmUp { get; init; }

    /// <summary>HPAs whose first pass had written their status when the window began, and by its end.</summary>
    public required int HpasReconciledBeforeWindow { get; init; }
    public required int HpasReconciledByEnd { get; init; }

    /// <summary>Reconciles per second over the steady window, all members together.</summary>
    public required double ReconcilesPerSecond { get; init; }
    public required string ReconcilesSource { get; init; }

    /// <summary>Gaps between successive passes of one HPA (seconds), from the probes' /scale writes.</summary>
    public required Distribution EffectiveSyncPeriod { get; init; }

    /// <summary>From the kubelet sample that completed the post-step data of a scaler to its /scale write (seconds).</summary>
    public required Distribution DecisionLatency { get; init; }

    /// <summary>From the load step (PATCH acknowledged) to the /scale write (seconds): includes waiting for the scrape.</summary>
    public required Distribution LoadToScaleWrite { get; init; }

    public required int ScalersScaledUp { get; init; }
    public required int SteadyHpasThatScaled { get; init; }
    public required int ScaleWritesRefused { get; init; }

    /// <summary>Members' API requests per HPA per minute over the steady window (probes and their writes excluded).</summary>
    public required double ApiRequestsPerHpaPerMinute { get; init; }
    public required IReadOnlyList<RequestRate> ApiRequestsSteady { get; init; }

    public required IReadOnlyList<MemberFigures> MemberFigures { get; init; }
    public required double MemoryPerHpaKiB { get; init; }
    public required double MilliCpuPerHpa { get; init; }
    public required double MemoryPerNodeMiB { get; init; }
    public required double MilliCpuPerNode { get; init; }

    /// <summary>Kubelet /metrics/resource requests per node per metric resolution over the steady window (mean and busiest node).</summary>
    public required double KubeletRequestsPerNodePerInterval { get; init; }
    public required double KubeletRequestsBusiestNodePerInterval { get; init; }

    public required IReadOnlyList<TargetCheck> Targets { get; init; }
}

public sealed record PhaseTiming(string Phase, double Seconds);

/// <summary>Members' requests of one verb and resource over the steady window, per minute.</summary>
public sealed record RequestRate(string Verb, string Resource, long Requests, double PerMinute);
