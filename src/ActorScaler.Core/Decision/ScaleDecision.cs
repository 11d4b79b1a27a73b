using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>How the first half of a pass ended.</summary>
public enum DecisionOutcome
{
    /// <summary>The target's /scale could not be read (or its apiVersion is invalid): nothing else ran.</summary>
    FailedGetScale,
    /// <summary>The selector or the metrics failed such that no replica count may be acted on.</summary>
    FailedComputeMetrics,
    /// <summary>The replica count stays; no /scale write.</summary>
    NoRescale,
    /// <summary>Write <see cref="ScaleDecision.ScaleWriteReplicas"/> to /scale, then call Complete with the result.</summary>
    Rescale,
}

/// <summary>The result of the /scale write a decision asked for.</summary>
public sealed record ScaleWriteResult(string? Error)
{
    public static ScaleWriteResult Succeeded { get; } = new((string?)null);

    public static ScaleWriteResult Failed(string error) => new(error);

    public bool IsSuccess => Error is null;
}

/// <summary>
/// The first half of reconcileAutoscaler: what to write to /scale and everything Complete needs to finish
/// the pass. Immutable: the same decision can be completed with different write results (what-if).
/// </summary>
public sealed record ScaleDecision
{
    public required DecisionOutcome Outcome { get; init; }
    /// <summary>scale.spec.replicas read in this pass (0 when the read failed).</summary>
    public int CurrentReplicas { get; init; }
    /// <summary>The normalized desired count (equals current when there is no rescale).</summary>
    public int DesiredReplicas { get; init; }
    /// <summary>The replicas to write to /scale, or null when no write is needed.</summary>
    public int? ScaleWriteReplicas => Outcome == DecisionOutcome.Rescale ? DesiredReplicas : null;
    /// <summary>The reason for the rescale, as it appears in the SuccessfulRescale event.</summary>
    public string RescaleReason { get; init; } = "";

    internal HorizontalPodAutoscaler Hpa { get; init; } = null!;
    internal DateTimeOffset Now { get; init; }
    internal ControllerSettings Settings { get; init; } = null!;
    internal ConditionSet Conditions { get; init; } = null!;
    internal List<HpaEvent> Events { get; init; } = null!;
    internal List<MetricComputationObservation> MetricComputations { get; init; } = null!;
    internal DecisionState State { get; init; } = null!;
    internal ResolvedBehavior? Behavior { get; init; }
    internal IReadOnlyList<MetricStatus>? MetricStatuses { get; init; }
    internal int MinReplicas { get; init; }
    internal bool HasObjectOrExternalMetrics { get; init; }
    /// <summary>The error reconcileAutoscaler returns when the pass itself cannot continue.</summary>
    internal string? Error { get; init; }
    /// <summary>A metric failed but others were used: the pass continues and returns this error at the end.</summary>
    internal string? DeferredError { get; init; }
    internal bool SpecError { get; init; }
    /// <summary>Each metric's proposal, in spec order (null when the metrics were not computed).</summary>
    internal MetricProposal[]? Proposals { get; init; }
    /// <summary>The metric whose proposal was the largest.</summary>
    internal string? RecommendingMetric { get; init; }
    /// <summary>The normalization's steps (null when it did not run).</summary>
    internal NormalizationSteps? Normalization { get; init; }
    internal Tolerances Tolerances { get; init; }
    /// <summary>A parked workload was woken at the (since raised) minimum.</summary>
    internal bool RaisedToMinimumFromZero { get; init; }

    private DecisionExplanation? _explanation;

    /// <summary>Why this decision chose its count: per-metric proposals, stabilization, rate limit, clamp.
    /// Built on first use, so a pass that nobody explains pays nothing for it.</summary>
    public DecisionExplanation Explanation => _explanation ??= DecisionExplanation.From(this);
}

/// <summary>The outcome of one full pass: what to write back and what to record.</summary>
public sealed record ReconcileResult
{
    public required HorizontalPodAutoscalerStatus Status { get; init; }
    /// <summary>False when the new status is semantically equal to the old one (no UpdateStatus call).</summary>
    public required bool StatusUpdateNeeded { get; init; }
    public required IReadOnlyList<HpaEvent> Events { get; init; }
    public required ReconciliationMonitor Monitor { get; init; }
    /// <summary>The controller's in-memory state for this HPA after the pass.</summary>
    public required DecisionState State { get; init; }
    /// <summary>The spec.replicas successfully written to /scale in this pass, if any.</summary>
    public int? ScaledTo { get; init; }
    /// <summary>The error the pass returns (logged by the controller), if any.</summary>
    public string? Error { get; init; }

    internal string HpaName { get; init; } = "";

    /// <summary>
    /// The status write failed: upstream records a FailedUpdateStatus event and the pass returns that
    /// error, so the reconciliation counts as an internal error.
    /// </summary>
    public ReconcileResult WithStatusWriteFailure(string error) => this with
    {
        Events = [.. Events, new HpaEvent(HpaEventType.Warning, HpaEventReason.FailedUpdateStatus, error)],
        Monitor = Monitor with { Error = MonitorLabel.ErrorInternal },
        Error = $"failed to update status for {HpaName}: {error}",
    };
}
