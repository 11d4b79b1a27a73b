namespace ActorScaler.Core.Behavior;

/// <summary>An unstabilized recommendation the controller remembers (upstream timestampedRecommendation).</summary>
public sealed record TimestampedRecommendation(int Recommendation, DateTimeOffset Timestamp);

/// <summary>A past rescale (upstream timestampedScaleEvent). ReplicaChange is the size of the change, never negative.</summary>
public sealed record TimestampedScaleEvent(int ReplicaChange, DateTimeOffset Timestamp, bool Outdated);

/// <summary>
/// Everything the upstream controller keeps in memory per HPA key, as one immutable value: passed into a
/// decision and returned from it, so it can be replicated between cluster members instead of living in
/// a long-lived mutable object.
/// </summary>
public sealed record DecisionState
{
    /// <summary>
    /// null = the controller holds no list for this HPA yet (a fresh start): the next pass seeds it with the
    /// current replica count. An empty list is a list, and seeds nothing.
    /// </summary>
    public IReadOnlyList<TimestampedRecommendation>? Recommendations { get; init; }
    public IReadOnlyList<TimestampedScaleEvent> ScaleUpEvents { get; init; } = [];
    public IReadOnlyList<TimestampedScaleEvent> ScaleDownEvents { get; init; } = [];

    /// <summary>The state of an HPA the controller has not reconciled yet.</summary>
    public static DecisionState Initial { get; } = new();
}
