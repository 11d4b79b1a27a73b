using System.Globalization;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>Which bound turned the stabilized recommendation into the final count (the ScalingLimited condition's reason).</summary>
public enum ScalingLimit
{
    /// <summary>Nothing bound: the stabilized recommendation is within the rate limits and [min, max].</summary>
    None,
    /// <summary>behavior.scaleUp policies, or without behavior the legacy per-pass cap max(2 x current, 4).</summary>
    ScaleUpRate,
    /// <summary>behavior.scaleDown policies.</summary>
    ScaleDownRate,
    /// <summary>spec.maxReplicas.</summary>
    MaxReplicas,
    /// <summary>spec.minReplicas (1 when unset).</summary>
    MinReplicas,
}

/// <summary>One metric's part in a decision: what it read, what it aimed at and what it proposed.</summary>
/// <param name="Type">spec.metrics[*].type.</param>
/// <param name="Name">The metric as upstream names it in events ("cpu resource utilization (percentage of request)").</param>
/// <param name="Current">The value read, as the status shows it ("90% (900m)", "12", "" when the metric failed).</param>
/// <param name="Target">The target from the spec ("50%", "100m").</param>
/// <param name="UsageRatio">Current over target (null when it cannot be computed, e.g. the metric failed).</param>
/// <param name="WithinTolerance">The ratio lies inside [1 - scaleDown tolerance, 1 + scaleUp tolerance], so this
/// metric proposes the current count (no change).</param>
/// <param name="ProposedReplicas">The replica count this metric alone asks for; null when it failed.</param>
/// <param name="Error">Why the metric failed, if it did.</param>
public sealed record MetricExplanation(string Type, string Name, string Current, string Target, double? UsageRatio, bool WithinTolerance,
    int? ProposedReplicas, string? Error);

/// <summary>
/// Why a pass chose its replica count, step by step as reconcileAutoscaler goes: each metric's proposal,
/// the largest of them (the recommendation), the stabilization window's effect, the rate limit
/// (behavior policies or the legacy scale-up cap), the [min, max] clamp and the final count. Steps that
/// did not run in this pass (a failed /scale read, a fix-up into [min, max], scaling disabled) are null.
/// </summary>
public sealed record DecisionExplanation
{
    public required DateTimeOffset Time { get; init; }
    public required DecisionOutcome Outcome { get; init; }
    public required int CurrentReplicas { get; init; }
    public required int MinReplicas { get; init; }
    public required int MaxReplicas { get; init; }
    public required double ScaleUpTolerance { get; init; }
    public required double ScaleDownTolerance { get; init; }
    public required IReadOnlyList<MetricExplanation> Metrics { get; init; }
    /// <summary>The largest metric proposal, before stabilization.</summary>
    public int? Recommendation { get; init; }
    /// <summary>The metric whose proposal became the recommendation.</summary>
    public string? RecommendingMetric { get; init; }
    /// <summary>After the stabilization window (highest recent recommendation for scale-down, lowest for scale-up).</summary>
    public int? Stabilized { get; init; }
    /// <summary>ScaleDownStabilized, ScaleUpStabilized or ReadyForNewScale, as the AbleToScale condition says.</summary>
    public string? StabilizationReason { get; init; }
    /// <summary>After the rate limit in the direction of change (behavior policies, or the legacy scale-up cap).</summary>
    public int? AfterPolicies { get; init; }
    /// <summary>The rate limit itself in the direction of change (null when the count does not change direction or no limit exists).</summary>
    public int? PolicyLimit { get; init; }
    /// <summary>After the [min, max] clamp: what the normalization produced.</summary>
    public int? AfterClamp { get; init; }
    public required ScalingLimit Limit { get; init; }
    /// <summary>The ScalingLimited condition's reason (DesiredWithinRange, ScaleUpLimit, TooManyReplicas, ...).</summary>
    public string? LimitReason { get; init; }
    /// <summary>The replica count the pass ends with (the /scale write, or the current count when nothing is written).</summary>
    public required int FinalReplicas { get; init; }
    /// <summary>The rescale reason, or what stopped the pass.</summary>
    public required string Reason { get; init; }

    /// <summary>Builds the explanation from a decision; only the values Decide recorded are read, nothing is recomputed
    /// except the rate limit itself (a pure function of the recorded state), so it agrees with the decision exactly.</summary>
    internal static DecisionExplanation From(ScaleDecision decision)
    {
        var hpa = decision.Hpa;
        var metrics = ExplainMetrics(hpa, decision);
        var steps = decision.Normalization;
        int? policyLimit = null;
        int? afterPolicies = null;
        if (steps is { } s)
        {
            policyLimit = RateLimit(decision, s.Stabilized);
            afterPolicies = policyLimit is not { } limit ? s.Stabilized
                : s.Stabilized > decision.CurrentReplicas ? Math.Min(s.Stabilized, limit)
                : Math.Max(s.Stabilized, limit);
        }
        var limitApplied = steps?.LimitReason switch
        {
            ReplicaLimits.ScaleUpLimitReason => ScalingLimit.ScaleUpRate,
            ReplicaLimits.ScaleDownLimitReason => ScalingLimit.ScaleDownRate,
            ReplicaLimits.TooManyReplicasReason => ScalingLimit.MaxReplicas,
            ReplicaLimits.TooFewReplicasReason => ScalingLimit.MinReplicas,
            _ => ScalingLimit.None,
        };
        var afterClamp = steps?.Limited;
        if (decision.RaisedToMinimumFromZero)
        {
            limitApplied = ScalingLimit.MinReplicas;
            afterClamp = decision.MinReplicas;
        }
        // The fix-ups outside [min, max] skip the metrics: the bound is the whole story.
        if (steps is null && decision.Outcome == DecisionOutcome.Rescale)
        {
            limitApplied = decision.RescaleReason == AutoscalerReconciler.AboveMaxReplicasReason ? ScalingLimit.MaxReplicas
                : decision.RescaleReason == AutoscalerReconciler.BelowMinReplicasReason ? ScalingLimit.MinReplicas
                : ScalingLimit.None;
            afterClamp = decision.DesiredReplicas;
        }
        return new DecisionExplanation
        {
            Time = decision.Now,
            Outcome = decision.Outcome,
            CurrentReplicas = decision.CurrentReplicas,
            MinReplicas = decision.MinReplicas,
            MaxReplicas = hpa.Spec.MaxReplicas,
            ScaleUpTolerance = decision.Tolerances.ScaleUp,
            ScaleDownTolerance = decision.Tolerances.ScaleDown,
            Metrics = metrics,
            Recommendation = steps?.Recommendation,
            RecommendingMetric = steps is null || string.IsNullOrEmpty(decision.RecommendingMetric) ? null : decision.RecommendingMetric,
            Stabilized = steps?.Stabilized,
            StabilizationReason = steps?.StabilizationReason,
            PolicyLimit = policyLimit,
            AfterPolicies = afterPolicies,
            AfterClamp = afterClamp,
            Limit = limitApplied,
            LimitReason = steps?.LimitReason,
            FinalReplicas = decision.Outcome is DecisionOutcome.Rescale or DecisionOutcome.NoRescale ? decision.DesiredReplicas : decision.CurrentReplicas,
            Reason = ReasonOf(decision),
        };
    }

    private static string ReasonOf(ScaleDecision decision) => decision.Outcome switch
    {
        DecisionOutcome.Rescale => decision.RescaleReason,
        DecisionOutcome.NoRescale when decision.Normalization is null => "scaling is disabled (the target has 0 replicas)",
        DecisionOutcome.NoRescale => "the desired count equals the current count",
        _ => decision.Error ?? "",
    };

    /// <summary>The rate limit the normalization applied in the direction of change, recomputed from the state
    /// the decision used (its scale events are the ones before this pass's write).</summary>
    private static int? RateLimit(ScaleDecision decision, int stabilized)
    {
        var current = decision.CurrentReplicas;
        var state = decision.State;
        if (decision.Behavior is not { } behavior)
        {
            return stabilized > current
                ? ReplicaLimits.CalculateScaleUpLimit(current, decision.Settings.ScaleUpLimitFactor, decision.Settings.ScaleUpLimitMinimum)
                : null;
        }
        if (stabilized > current)
        {
            return Math.Max(current,
                ScalingPolicies.CalculateScaleUpLimitWithScalingRules(current, state.ScaleUpEvents, state.ScaleDownEvents, behavior.ScaleUp, decision.Now));
        }
        if (stabilized < current)
        {
            return Math.Min(current,
                ScalingPolicies.CalculateScaleDownLimitWithBehaviors(current, state.ScaleUpEvents, state.ScaleDownEvents, behavior.ScaleDown, decision.Now));
        }
        return null;
    }

    private static MetricExplanation[] ExplainMetrics(HorizontalPodAutoscaler hpa, ScaleDecision decision)
    {
        var proposals = decision.Proposals;
        if (proposals is null)
        {
            return [];
        }
        var specs = hpa.Spec.Metrics;
        var statuses = decision.MetricStatuses;
        var result = new MetricExplanation[proposals.Length];
        for (var i = 0; i < proposals.Length; i++)
        {
            var spec = specs[i];
            var target = TargetOf(spec);
            var current = statuses is not null && i < statuses.Count ? CurrentOf(statuses[i]) : null;
            var proposal = proposals[i];
            var ratio = proposal.Error is null ? Ratio(current, target) : null;
            result[i] = new MetricExplanation(
                spec.Type,
                proposal.Error is null ? proposal.MetricName : DescribeSpec(spec),
                Format(current),
                Format(target),
                ratio,
                ratio is { } r && decision.Tolerances.IsWithin(r),
                proposal.Error is null ? proposal.Replicas : null,
                proposal.Error);
        }
        return result;
    }

    private static string DescribeSpec(MetricSpec spec) => spec.Type switch
    {
        MetricSourceType.Resource => $"{spec.Resource?.Name} resource",
        MetricSourceType.ContainerResource => $"{spec.ContainerResource?.Name} container resource ({spec.ContainerResource?.Container})",
        MetricSourceType.Pods => $"pods metric {spec.Pods?.Metric.Name}",
        MetricSourceType.Object => $"{spec.Object?.DescribedObject.Kind} metric {spec.Object?.Metric.Name}",
        MetricSourceType.External => $"external metric {spec.External?.Metric.Name}",
        _ => spec.Type,
    };

    private static MetricTarget? TargetOf(MetricSpec spec) => spec.Type switch
    {
        MetricSourceType.Resource => spec.Resource?.Target,
        MetricSourceType.ContainerResource => spec.ContainerResource?.Target,
        MetricSourceType.Pods => spec.Pods?.Target,
        MetricSourceType.Object => spec.Object?.Target,
        MetricSourceType.External => spec.External?.Target,
        _ => null,
    };

    private static MetricValueStatus? CurrentOf(MetricStatus status) => status.Type switch
    {
        MetricSourceType.Resource => status.Resource?.Current,
        MetricSourceType.ContainerResource => status.ContainerResource?.Current,
        MetricSourceType.Pods => status.Pods?.Current,
        MetricSourceType.Object => status.Object?.Current,
        MetricSourceType.External => status.External?.Current,
        _ => null,
    };

    /// <summary>Current over target in the target's own kind (utilization, average value or value), as the
    /// replica calculator compares them before any missing/unready-pod rebalancing.</summary>
    private static double? Ratio(MetricValueStatus? current, MetricTarget? target)
    {
        if (current is null || target is null)
        {
            return null;
        }
        if (target.AverageUtilization is { } targetUtilization && current.AverageUtilization is { } utilization && targetUtilization > 0)
        {
            return (double)utilization / targetUtilization;
        }
        if (target.AverageValue is { } targetAverage && current.AverageValue is { } average && targetAverage.MilliValue() > 0)
        {
            return (double)average.MilliValue() / targetAverage.MilliValue();
        }
        if (target.Value is { } targetValue && current.Value is { } value && targetValue.MilliValue() > 0)
        {
            return (double)value.MilliValue() / targetValue.MilliValue();
        }
        return null;
    }

    // kubectl describe hpa's notation: "90% (900m)" for utilization with its average value.
    private static string Format(MetricValueStatus? current)
    {
        if (current is null)
        {
            return "";
        }
        if (current.AverageUtilization is { } utilization)
        {
            return current.AverageValue is { } average
                ? string.Create(CultureInfo.InvariantCulture, $"{utilization}% ({average})")
                : string.Create(CultureInfo.InvariantCulture, $"{utilization}%");
        }
        return current.AverageValue?.ToString() ?? current.Value?.ToString() ?? "";
    }

    private static string Format(MetricTarget? target)
    {
        if (target is null)
        {
            return "";
        }
        if (target.AverageUtilization is { } utilization)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{utilization}%");
        }
        return target.AverageValue?.ToString() ?? target.Value?.ToString() ?? "";
    }
}

/// <summary>One metric's proposal as Decide saw it (kept per pass; the explanation is built only on demand).</summary>
internal readonly record struct MetricProposal(int Replicas, string MetricName, string? Error);

/// <summary>The normalization's intermediate counts, kept so a decision can be explained without redoing it.</summary>
internal readonly record struct NormalizationSteps(int Recommendation, int Stabilized, string StabilizationReason, int Limited, string LimitReason);
