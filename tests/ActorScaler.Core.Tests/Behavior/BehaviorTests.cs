using ActorScaler.Core.Behavior;
using ActorScaler.Core.Spec;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace ActorScaler.Core.Tests.Behavior;

public sealed class BehaviorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static HpaScalingPolicy Policy(string type, int value, int period) => new() { Type = type, Value = value, PeriodSeconds = period };

    /// <summary>Apply one rate-limited step and record it as a successful rescale would.</summary>
    private static (int Replicas, string Reason, DecisionState State) Step(ResolvedBehavior behavior, DecisionState state, int current, int desired, int min, int max, DateTimeOffset now)
    {
        var limited = ReplicaLimits.ConvertDesiredReplicasWithBehaviorRate(current, desired, min, max, behavior, state.ScaleUpEvents, state.ScaleDownEvents, now);
        if (limited.Replicas != current)
        {
            state = ScaleEventHistory.StoreScaleEvent(state, behavior, current, limited.Replicas, now);
        }
        return (limited.Replicas, limited.Reason, state);
    }

    [Fact]
    public void The_docs_scale_down_example_goes_80_72_hold_64_and_the_pods_policy_wins_below_40()
    {
        // Pods 4 / 60 s and Percent 10 / 60 s, selectPolicy Max: the policy allowing the larger decrease.
        var behavior = new ResolvedBehavior(
            BehaviorDefaults.ScaleUp(null),
            BehaviorDefaults.ScaleDown(new HpaScalingRules { Policies = [Policy("Pods", 4, 60), Policy("Percent", 10, 60)] }, Window));
        var state = DecisionState.Initial;
        var (r1, reason1, s1) = Step(behavior, state, 80, 10, 1, 100, T0);
        Assert.Equal((72, ReplicaLimits.ScaleDownLimitReason), (r1, reason1));
        // While the 8-pod event is inside the period, the period started at 80: trunc(80 * 0.9) = 72 = current.
        var (r2, _, s2) = Step(behavior, s1, 72, 10, 1, 100, T0.AddSeconds(30));
        Assert.Equal(72, r2);
        // Exactly one period later the event is no longer "after" the cutoff: trunc(72 * 0.9) = 64.
        var (r3, _, _) = Step(behavior, s2, 72, 10, 1, 100, T0.AddSeconds(60));
        Assert.Equal(64, r3);
        // At 30 replicas: Percent allows trunc(27) = 27, Pods allows 26: Max picks the larger change.
        var (r4, _, _) = Step(behavior, DecisionState.Initial, 30, 10, 1, 100, T0);
        Assert.Equal(26, r4);
    }

    [Fact]
    public void Default_scale_up_goes_3_7_14_28_and_stops_at_max()
    {
        var behavior = BehaviorDefaults.Resolve(new HorizontalPodAutoscalerBehavior(), Window)!;
        var state = DecisionState.Initial;
        var current = 3;
        var seen = new List<int>();
        for (var i = 1; i <= 4; i++)
        {
            (current, _, state) = Step(behavior, state, current, 40, 1, 40, T0.AddSeconds(15 * i));
            seen.Add(current);
        }
        Assert.Equal(new[] { 7, 14, 28, 40 }, seen);
    }

    [Fact]
    public void Defaulting_replaces_whole_fields_and_fills_the_scale_down_window_from_the_flag()
    {
        var behavior = BehaviorDefaults.Resolve(new HorizontalPodAutoscalerBehavior
        {
            ScaleUp = new HpaScalingRules { Policies = [Policy("Pods", 1, 30)] },
            ScaleDown = new HpaScalingRules { SelectPolicy = "Min" },
        }, TimeSpan.FromSeconds(120))!;
        Assert.Equal(0, behavior.ScaleUp.StabilizationWindowSeconds);
        Assert.Equal("Max", behavior.ScaleUp.SelectPolicy);
        Assert.Single(behavior.ScaleUp.Policies);
        Assert.Equal(120, behavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal("Min", behavior.ScaleDown.SelectPolicy);
        Assert.Equal(BehaviorDefaults.DefaultScaleDownPolicies, behavior.ScaleDown.Policies);
        Assert.Null(BehaviorDefaults.Resolve(null, Window));
    }

    [Fact]
    public void Legacy_cap_uses_its_parameters()
    {
        Assert.Equal(new LimitedReplicas(8, ReplicaLimits.ScaleUpLimitReason, ReplicaLimits.ScaleUpLimitMessage),
            ReplicaLimits.ConvertDesiredReplicasWithRules(4, 50, 1, 100, 2.0, 4.0));
        Assert.Equal(4, ReplicaLimits.ConvertDesiredReplicasWithRules(1, 50, 1, 100, 2.0, 4.0).Replicas);
        Assert.Equal(32, ReplicaLimits.ConvertDesiredReplicasWithRules(4, 50, 1, 100, 8.0, 4.0).Replicas);
        Assert.Equal(ReplicaLimits.TooFewReplicasReason, ReplicaLimits.ConvertDesiredReplicasWithRules(4, 0, 2, 100, 2.0, 4.0).Reason);
    }

    [Fact]
    public void Disabled_select_policy_holds_the_count()
    {
        var rules = new ScalingRules(0, "Disabled", [Policy("Pods", 4, 15)]);
        Assert.Equal(5, ScalingPolicies.CalculateScaleUpLimitWithScalingRules(5, [], [], rules, T0));
        Assert.Equal(5, ScalingPolicies.CalculateScaleDownLimitWithBehaviors(5, [], [], rules, T0));
    }

    [Fact]
    public void Storing_events_marks_stale_ones_outdated_reuses_the_last_slot_and_leaves_the_input_alone()
    {
        var events = new[]
        {
            new TimestampedScaleEvent(3, T0.AddSeconds(-100), false),
            new TimestampedScaleEvent(2, T0.AddSeconds(-90), false),
            new TimestampedScaleEvent(1, T0.AddSeconds(-10), false),
        };
        var before = DecisionState.Initial with { ScaleUpEvents = events };
        var behavior = new ResolvedBehavior(new ScalingRules(0, "Max", [Policy("Pods", 4, 60)]), BehaviorDefaults.ScaleDown(null, Window));
        var after = ScaleEventHistory.StoreScaleEvent(before, behavior, 5, 9, T0);
        Assert.Equal(new[] { (3, true), (4, false), (1, false) }, after.ScaleUpEvents.Select(e => (e.ReplicaChange, e.Outdated)));
        Assert.All(events, e => Assert.False(e.Outdated));
        Assert.Empty(after.ScaleDownEvents);
        Assert.Same(before, ScaleEventHistory.StoreScaleEvent(before, null, 5, 9, T0));
    }

    [Fact]
    public void Extreme_windows_saturate_instead_of_throwing()
    {
        var recs = new[] { new TimestampedRecommendation(7, T0.AddDays(-1)) };
        Assert.Equal(7, StabilizationWindow.Stabilize(recs, 3, TimeSpan.MaxValue, T0).StabilizedReplicas);
        Assert.Equal(3, StabilizationWindow.Stabilize(recs, 3, TimeSpan.MinValue, T0).StabilizedReplicas);
    }

    [Fact]
    public void Behavior_stabilization_holds_when_the_windows_pull_apart()
    {
        var recs = new[] { new TimestampedRecommendation(1, T0.AddSeconds(-30)), new TimestampedRecommendation(8, T0.AddSeconds(-20)) };
        var result = StabilizationWindow.StabilizeWithBehaviors(recs, 4, 6, 60, 60, T0);
        // Up: min(6, 1, 8) = 1 is below current, down: max(6, 1, 8) = 8 is above: stay at 4.
        Assert.Equal(4, result.StabilizedReplicas);
        Assert.Equal(StabilizationWindow.ScaleUpStabilizedReason, result.Reason);
        Assert.Equal(3, result.Recommendations.Count);
        Assert.Equal(2, recs.Length);
    }

    /// <summary>
    /// Stabilization never scales down within the window: whatever the sequence of recommendations, each
    /// pass's result is at least every recommendation made within the last window (legacy and behavior).
    /// </summary>
    [Property(MaxTest = 200)]
    public bool Stabilization_never_goes_below_a_recommendation_within_the_window(int seed, PositiveInt windowSteps)
    {
        var random = new Random(seed);
        var stepSeconds = 15;
        var windowSeconds = Math.Min(windowSteps.Get, 40) * stepSeconds;
        IReadOnlyList<TimestampedRecommendation>? legacy = null;
        IReadOnlyList<TimestampedRecommendation>? withBehavior = null;
        var history = new List<(int Desired, DateTimeOffset At)>();
        var current = random.Next(1, 50);
        for (var step = 0; step < 60; step++)
        {
            var now = T0.AddSeconds(step * stepSeconds);
            var desired = random.Next(0, 60);
            history.Add((desired, now));
            var floor = history.Where(h => h.At > now.AddSeconds(-windowSeconds)).Max(h => h.Desired);

            var l = StabilizationWindow.Stabilize(legacy, desired, TimeSpan.FromSeconds(windowSeconds), now);
            legacy = l.Recommendations;
            var b = StabilizationWindow.StabilizeWithBehaviors(withBehavior, current, desired, 0, windowSeconds, now);
            withBehavior = b.Recommendations;
            // Behavior path with an immediate up-window: never below both the current count and the window's highest.
            if (l.StabilizedReplicas < floor || b.StabilizedReplicas < Math.Min(floor, current))
            {
                return false;
            }
            // Bounded memory: stale entries are overwritten, so the list never exceeds the window's passes plus one.
            if (legacy.Count > windowSeconds / stepSeconds + 2)
            {
                return false;
            }
            current = b.StabilizedReplicas;
        }
        return true;
    }
}
