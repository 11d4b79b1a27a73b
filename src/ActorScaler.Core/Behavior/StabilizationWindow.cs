namespace ActorScaler.Core.Behavior;

/// <summary>The outcome of a stabilization step: the stabilized count and the recommendation list to keep.</summary>
public sealed record StabilizationResult(int StabilizedReplicas, IReadOnlyList<TimestampedRecommendation> Recommendations, string Reason, string Message);

/// <summary>
/// stabilizeRecommendation (no behavior) and stabilizeRecommendationWithBehaviors (horizontal.go). Both
/// record the new unstabilized recommendation, overwriting the last stale entry instead of growing the list.
/// Time comparisons are strict, as Go's time.After/Before.
/// </summary>
public static class StabilizationWindow
{
    public const string ScaleDownStabilizedReason = "ScaleDownStabilized";
    public const string ScaleDownStabilizedMessage = "recent recommendations were higher than current one, applying the highest recent recommendation";
    public const string ScaleUpStabilizedReason = "ScaleUpStabilized";
    public const string ScaleUpStabilizedMessage = "recent recommendations were lower than current one, applying the lowest recent recommendation";
    public const string ReadyForNewScaleReason = "ReadyForNewScale";
    public const string ReadyForNewScaleMessage = "recommended size matches current size";

    /// <summary>Legacy path: the highest recommendation of the downscale window (scale-down only).</summary>
    public static StabilizationResult Stabilize(IReadOnlyList<TimestampedRecommendation>? recommendations, int prenormalizedDesiredReplicas,
        TimeSpan downscaleStabilizationWindow, DateTimeOffset now)
    {
        recommendations ??= [];
        var maxRecommendation = prenormalizedDesiredReplicas;
        var oldSampleIndex = -1;
        // A window longer than the calendar reaches back to the beginning of time rather than throwing.
        var cutoff = downscaleStabilizationWindow > now - DateTimeOffset.MinValue ? DateTimeOffset.MinValue
            : downscaleStabilizationWindow < now - DateTimeOffset.MaxValue ? DateTimeOffset.MaxValue
            : now - downscaleStabilizationWindow;
        for (var i = 0; i < recommendations.Count; i++)
        {
            var rec = recommendations[i];
            if (rec.Timestamp < cutoff)
            {
                oldSampleIndex = i;
            }
            else if (rec.Recommendation > maxRecommendation)
            {
                maxRecommendation = rec.Recommendation;
            }
        }
        var kept = Record(recommendations, oldSampleIndex, new TimestampedRecommendation(prenormalizedDesiredReplicas, now));
        return maxRecommendation != prenormalizedDesiredReplicas
            ? new StabilizationResult(maxRecommendation, kept, ScaleDownStabilizedReason, ScaleDownStabilizedMessage)
            : new StabilizationResult(maxRecommendation, kept, ReadyForNewScaleReason, ReadyForNewScaleMessage);
    }

    /// <summary>
    /// Behavior path: a scale-up waits until the whole up-window agrees (lowest recommendation), a scale-down
    /// takes the highest recommendation of the down-window; when they pull apart the count stays.
    /// </summary>
    public static StabilizationResult StabilizeWithBehaviors(IReadOnlyList<TimestampedRecommendation>? recommendations, int currentReplicas,
        int prenormalizedDesiredReplicas, int scaleUpStabilizationWindowSeconds, int scaleDownStabilizationWindowSeconds, DateTimeOffset now)
    {
        recommendations ??= [];
        var upRecommendation = prenormalizedDesiredReplicas;
        var upCutoff = now.AddSeconds(-scaleUpStabilizationWindowSeconds);
        var downRecommendation = prenormalizedDesiredReplicas;
        var downCutoff = now.AddSeconds(-scaleDownStabilizationWindowSeconds);
        var oldSampleIndex = -1;
        for (var i = 0; i < recommendations.Count; i++)
        {
            var rec = recommendations[i];
            if (rec.Timestamp > upCutoff)
            {
                upRecommendation = Math.Min(rec.Recommendation, upRecommendation);
            }
            if (rec.Timestamp > downCutoff)
            {
                downRecommendation = Math.Max(rec.Recommendation, downRecommendation);
            }
            if (rec.Timestamp < upCutoff && rec.Timestamp < downCutoff)
            {
                oldSampleIndex = i;
            }
        }
        var recommendation = currentReplicas;
        if (recommendation < upRecommendation)
        {
            recommendation = upRecommendation;
        }
        if (recommendation > downRecommendation)
        {
            recommendation = downRecommendation;
        }
        var kept = Record(recommendations, oldSampleIndex, new TimestampedRecommendation(prenormalizedDesiredReplicas, now));
        if (recommendation == prenormalizedDesiredReplicas)
        {
            return new StabilizationResult(recommendation, kept, ReadyForNewScaleReason, ReadyForNewScaleMessage);
        }
        return prenormalizedDesiredReplicas >= currentReplicas
            ? new StabilizationResult(recommendation, kept, ScaleUpStabilizedReason, ScaleUpStabilizedMessage)
            : new StabilizationResult(recommendation, kept, ScaleDownStabilizedReason, ScaleDownStabilizedMessage);
    }

    private static TimestampedRecommendation[] Record(IReadOnlyList<TimestampedRecommendation> recommendations, int oldSampleIndex, TimestampedRecommendation added)
    {
        var length = oldSampleIndex >= 0 ? recommendations.Count : recommendations.Count + 1;
        var kept = new TimestampedRecommendation[length];
        for (var i = 0; i < recommendations.Count; i++)
        {
            kept[i] = recommendations[i];
        }
        kept[oldSampleIndex >= 0 ? oldSampleIndex : recommendations.Count] = added;
        return kept;
    }
}
