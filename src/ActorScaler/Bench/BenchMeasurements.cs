namespace ActorScaler.Bench;

/// <summary>One member's CPU time and memory at the edges of the benchmark's windows.</summary>
public sealed record MemberSamples(int Index, int Pid,
    ProcessUsage BaselineStart, ProcessUsage BaselineEnd, ProcessUsage SteadyStart, ProcessUsage SteadyEnd, ProcessUsage End);

/// <summary>
/// Everything the benchmark observed, raw: when each phase began, the members' /proc readings, the
/// simulator's audit (writes and request counts) and kubelet request log, and the members' reconcile
/// counters. <see cref="BenchAnalysis"/> turns it into the report; keeping the two apart lets the
/// arithmetic be tested without starting processes.
/// </summary>
public sealed record BenchMeasurements
{
    public required BenchOptions Options { get; init; }
    public required IReadOnlyList<BenchApp> Apps { get; init; }
    public required string Machine { get; init; }
    public required string LoadAverageAtStart { get; init; }
    public required string LoadAverageAtEnd { get; init; }

    /// <summary>How long each warm-up phase took (simulator start, members ready, pods Running...), in order.</summary>
    public required IReadOnlyList<(string Phase, TimeSpan Took)> Phases { get; init; }

    /// <summary>When the run began (before the processes started).</summary>
    public DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset BaselineStart { get; init; }
    public required DateTimeOffset BaselineEnd { get; init; }

    /// <summary>The measured window: [SteadyStart, LoadStepAt) steady, [LoadStepAt, End] after the step.</summary>
    public required DateTimeOffset SteadyStart { get; init; }
    public required DateTimeOffset LoadStepAt { get; init; }
    public required DateTimeOffset End { get; init; }

    public required IReadOnlyList<MemberSamples> Members { get; init; }

    public required IReadOnlyList<AuditedWrite> ScaleWrites { get; init; }
    public required IReadOnlyList<AuditedWrite> StatusWrites { get; init; }
    public required IReadOnlyList<AuditedRequests> RequestsAtSteadyStart { get; init; }
    public required IReadOnlyList<AuditedRequests> RequestsAtSteadyEnd { get; init; }

    /// <summary>Per node, kubelet requests since the simulator started, at the steady window's edges.</summary>
    public required IReadOnlyDictionary<string, long> KubeletRequestsAtSteadyStart { get; init; }
    public required IReadOnlyDictionary<string, long> KubeletRequestsAtSteadyEnd { get; init; }

    /// <summary>Per node, the kubelet request times from the load step on.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<DateTimeOffset>> KubeletTimesAfterStep { get; init; }

    /// <summary>Per scaler (namespace/name), the nodes its pods ran on at the step.</summary>
    public required IReadOnlyDictionary<string, HashSet<string>> ScalerNodes { get; init; }

    /// <summary>Per scaler, when the simulator acknowledged its load step (the PATCH answered).</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> LoadAppliedAt { get; init; }

    /// <summary>HPAs with a status write (their first pass done) when the measured window began.</summary>
    public int HpasReconciledBeforeWindow { get; init; }

    /// <summary>The members' reconciliations_total summed, at the steady window's edges; null when not exported.</summary>
    public double? ReconciliationsAtSteadyStart { get; init; }
    public double? ReconciliationsAtSteadyEnd { get; init; }
}
