using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Behavior;
using Xunit;

namespace ActorScaler.Actors.Tests.Hpa;

public sealed class DecisionStateReplicationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(15);
    private const int Current = 3;

    private static DecisionState State(params (int Replicas, int Second)[] recommendations) => new()
    {
        Recommendations = recommendations.Select(r => new TimestampedRecommendation(r.Replicas, T0.AddSeconds(r.Second))).ToList(),
    };

    private static bool Worth(DecisionState replicated, DecisionState current, TimeSpan since) =>
        DecisionStateReplication.IsWorthReplicating(replicated, current, Current, since, Refresh);

    [Fact]
    public void A_state_at_rest_is_never_written_because_a_fresh_start_is_at_least_as_conservative()
    {
        Assert.False(Worth(DecisionState.Initial, State((3, 0)), Refresh * 10));
        Assert.False(Worth(State((3, 0)), State((3, 0), (3, 1), (3, 2)), Refresh * 10));
        // ...but a remembered non-trivial state is overwritten once when the HPA comes to rest.
        Assert.True(Worth(State((4, 0), (3, 1)), State((3, 2)), TimeSpan.Zero));
    }

    [Fact]
    public void A_new_recommendation_of_a_known_value_waits_for_the_refresh()
    {
        var replicated = State((4, 0), (3, 1));
        var current = State((4, 0), (3, 1), (3, 2));
        Assert.False(Worth(replicated, current, TimeSpan.FromSeconds(1)));
        Assert.True(Worth(replicated, current, Refresh));
        Assert.False(Worth(replicated, replicated with { }, Refresh * 10));
    }

    [Fact]
    public void A_new_highest_or_lowest_value_is_replicated_at_once()
    {
        var replicated = State((3, 0), (4, 1));
        Assert.True(Worth(replicated, State((3, 0), (4, 1), (5, 2)), TimeSpan.Zero));
        Assert.True(Worth(replicated, State((3, 0), (4, 1), (2, 2)), TimeSpan.Zero));
        // The old highest value aged out of the window: the successor must forget it too.
        Assert.True(Worth(replicated, State((4, 1), (5, 2), (5, 3)).WithoutFirst(), TimeSpan.Zero));
        Assert.True(Worth(DecisionState.Initial, State((5, 0)), TimeSpan.Zero));
    }

    [Fact]
    public void Scale_events_are_replicated_at_once()
    {
        var replicated = State((3, 0));
        var scaled = replicated with { ScaleUpEvents = [new TimestampedScaleEvent(2, T0, false)] };
        Assert.True(Worth(replicated, scaled, TimeSpan.Zero));
        var down = replicated with { ScaleDownEvents = [new TimestampedScaleEvent(1, T0, false)] };
        Assert.True(Worth(replicated, down, TimeSpan.Zero));
        Assert.False(Worth(scaled, scaled with { }, TimeSpan.Zero));
    }
}

internal static class DecisionStateTestExtensions
{
    public static DecisionState WithoutFirst(this DecisionState state) => state with { Recommendations = state.Recommendations!.Skip(1).ToList() };
}
