using ActorScaler.Core.Decision;

namespace ActorScaler.Actors.Telemetry;

/// <summary>
/// One pass of one HPA, as <c>actorscaler explain</c> prints it: every number the decision went through.
/// <see cref="Repeats"/> counts identical passes folded into this record (a steady HPA re-decides the same
/// thing every sync period; folding keeps the interesting decisions in the short history).
/// </summary>
public sealed record DecisionRecord
{
    /// <summary>When the first of the folded passes ran.</summary>
    public required DateTimeOffset Time { get; init; }
    /// <summary>When the last of the folded passes ran (equals <see cref="Time"/> when not folded).</summary>
    public required DateTimeOffset LastTime { get; init; }
    public int Repeats { get; init; } = 1;
    /// <summary>The member that decided.</summary>
    public string Member { get; init; } = "";
    /// <summary>The trace of the pass (W3C trace id), when it was traced.</summary>
    public string? TraceId { get; init; }
    /// <summary>Rescale, NoRescale, FailedGetScale or FailedComputeMetrics.</summary>
    public required string Outcome { get; init; }
    public required int CurrentReplicas { get; init; }
    public required int MinReplicas { get; init; }
    public required int MaxReplicas { get; init; }
    public double ScaleUpTolerance { get; init; }
    public double ScaleDownTolerance { get; init; }
    public IReadOnlyList<MetricExplanation> Metrics { get; init; } = [];
    public int? Recommendation { get; init; }
    public string? RecommendingMetric { get; init; }
    public int? Stabilized { get; init; }
    public string? StabilizationReason { get; init; }
    public int? PolicyLimit { get; init; }
    public int? AfterPolicies { get; init; }
    public int? AfterClamp { get; init; }
    /// <summary>None, ScaleUpRate, ScaleDownRate, MaxReplicas or MinReplicas.</summary>
    public string Limit { get; init; } = nameof(ScalingLimit.None);
    public string? LimitReason { get; init; }
    public required int FinalReplicas { get; init; }
    public required string Reason { get; init; }
    /// <summary>The replicas written to /scale in this pass, if a write succeeded.</summary>
    public int? ScaledTo { get; init; }
    /// <summary>The error the pass ended with (a failed write, a failed metric...), if any.</summary>
    public string? Error { get; init; }

    public static DecisionRecord From(DecisionExplanation explanation, ReconcileResult? result, string member = "", string? traceId = null)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        return new DecisionRecord
        {
            Time = explanation.Time,
            LastTime = explanation.Time,
            Member = member,
            TraceId = traceId,
            Outcome = explanation.Outcome.ToString(),
            CurrentReplicas = explanation.CurrentReplicas,
            MinReplicas = explanation.MinReplicas,
            MaxReplicas = explanation.MaxReplicas,
            ScaleUpTolerance = explanation.ScaleUpTolerance,
            ScaleDownTolerance = explanation.ScaleDownTolerance,
            Metrics = explanation.Metrics,
            Recommendation = explanation.Recommendation,
            RecommendingMetric = explanation.RecommendingMetric,
            Stabilized = explanation.Stabilized,
            StabilizationReason = explanation.StabilizationReason,
            PolicyLimit = explanation.PolicyLimit,
            AfterPolicies = explanation.AfterPolicies,
            AfterClamp = explanation.AfterClamp,
            Limit = explanation.Limit.ToString(),
            LimitReason = explanation.LimitReason,
            // A failed /scale write leaves the count where it was.
            FinalReplicas = result is { ScaledTo: null } && explanation.Outcome == DecisionOutcome.Rescale ? explanation.CurrentReplicas : explanation.FinalReplicas,
            Reason = explanation.Reason,
            ScaledTo = result?.ScaledTo,
            Error = result?.Error,
        };
    }

    /// <summary>Same decision as <paramref name="other"/> apart from the time and trace: folded into one record.</summary>
    public bool SameDecisionAs(DecisionRecord other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { Time = other.Time, LastTime = other.LastTime, Repeats = other.Repeats, TraceId = other.TraceId, Metrics = other.Metrics } == other
            && Metrics.SequenceEqual(other.Metrics);
    }
}

/// <summary>
/// The last <see cref="Capacity"/> decisions of one HPA, newest last. A fixed ring of references: the
/// entity keeps it for its lifetime, so it costs at most Capacity records per HPA (a few KiB), and
/// consecutive identical passes fold into one record.
/// </summary>
public sealed class DecisionHistory
{
    public const int DefaultCapacity = 20;

    private readonly DecisionRecord?[] _ring;
    private int _next;
    private int _count;

    public DecisionHistory(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new DecisionRecord?[capacity];
    }

    public int Capacity => _ring.Length;

    public int Count => _count;

    public void Add(DecisionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (_count > 0)
        {
            var lastIndex = (_next - 1 + _ring.Length) % _ring.Length;
            var last = _ring[lastIndex]!;
            if (record.SameDecisionAs(last))
            {
                _ring[lastIndex] = last with { LastTime = record.Time, Repeats = last.Repeats + 1, TraceId = record.TraceId ?? last.TraceId };
                return;
            }
        }
        _ring[_next] = record;
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    /// <summary>The records, oldest first.</summary>
    public IReadOnlyList<DecisionRecord> Snapshot()
    {
        var result = new DecisionRecord[_count];
        var start = (_next - _count + _ring.Length) % _ring.Length;
        for (var i = 0; i < _count; i++)
            result[i] = _ring[(start + i) % _ring.Length]!;
        return result;
    }
}
