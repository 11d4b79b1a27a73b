using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Behavior;
using Xunit;

namespace ActorScaler.Actors.Tests.Hpa;

public sealed class DecisionStateReplicationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(15);

    private static DecisionState State(params (int Replicas, int Second)[] recommendations) => new()
    {
        Recommendations = recommendations.Select(r => new TimestampedRecommendation(r.Replicas, T0.AddSeconds(r.Second))).ToList(),
    };

    [Fact]
    public void A_new_recommendation_of_a_known_value_waits_for_the_refresh()
    {
        var replicated = State((3, 0), (3, 1));
        var current = State((3, 0), (3, 1), (3, 2));
        Assert.False(DecisionStateReplication.IsWorthReplicating(replicated, current, TimeSpan.FromSeconds(1), Refresh));
        Assert.True(DecisionStateReplication.IsWorthReplicating(replicated, current, Refresh, Refresh));
        Assert.False(DecisionStateReplication.IsWorthReplicating(replicated, replicated with { }, Refresh * 10, Refresh));
    }

    [Fact]
    public void A_new_highest_or_lowest_value_is_replicated_at_once()
    {
        var replicated = State((3, 0), (4, 1));
        Assert.True(DecisionStateReplication.IsWorthReplicating(replicated, State((3, 0), (4, 1), (5, 2)), TimeSpan.Zero, Refresh));
        Assert.True(DecisionStateReplication.IsWorthReplicating(replicated, State((3, 0), (4, 1), (2, 2)), TimeSpan.Zero, Refresh));
        // The old highest value aged out of the window: the successor must forget it too.
        Assert.True(DecisionStateReplication.IsWorthReplicating(replicated, State((3, 2)), TimeSpan.Zero, Refresh));
        Assert.True(DecisionStateReplication.IsWorthReplicating(DecisionState.Initial, State((3, 0)), TimeSpan.Zero, Refresh));
    }

    [Fact]
    public void Scale_events_are_replicated_at_once()
    {
        var replicated = State((3, 0));
        var scaled = replicated with { ScaleUpEvents = [new TimestampedScaleEvent(2, T0, false)] };
        Assert.True(DecisionStateReplication.IsWorthReplicating(replicated, scaled, TimeSpan.Zero, Refresh));
        var down = replicated with { ScaleDownEvents = [new TimestampedScaleEvent(1, T0, false)] };
        Assert.True(DecisionStateReplication.IsWorthReplicating(replicated, down, TimeSpan.Zero, Refresh));
        Assert.False(DecisionStateReplication.IsWorthReplicating(scaled, scaled with { }, TimeSpan.Zero, Refresh));
    }
}
