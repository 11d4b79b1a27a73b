using ActorScaler.WhatIf.Engine;
using Xunit;

namespace ActorScaler.WhatIf.Tests;

// Timelines worked out by hand from the upstream algorithm: syncs and scrapes every 15 s from
// t = 0, a new pod Pending 5 s and Ready 10 s after it starts (the defaults).
public sealed class SimulationTimelineTests
{
    [Fact]
    public void Step_load_with_default_behavior_reaches_four_replicas_at_the_first_sync_that_sees_it()
    {
        // 1 pod, request 100m, target 50 %. 50m -> 200m at t = 120 s. The scrape at 120 still covers
        // [105, 120] at 50m; the scrape at 135 covers [120, 135] at 200m: 200 % / 50 % = 4, and the legacy
        // scale-up cap max(2 x 1, 4) = 4 lets all of it through at the sync at 135 s.
        var run = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), Scenarios.Steps((120, 50), (180, 200)));

        Assert.All(run.Timeline.Where(p => p.Seconds <= 120), p => Assert.Equal(1, p.SpecReplicas));
        Assert.Equal(50, run.At(120).Observed[0]);
        Assert.Equal(200, run.At(135).Observed[0]);
        Assert.Equal(4, run.At(135).DesiredReplicas);
        Assert.Equal(4, run.At(135).SpecReplicas);
        Assert.Equal(new ScaleEvent(135, 1, 4, "cpu resource utilization (percentage of request) above target"), Assert.Single(run.ScaleEvents));
        // Created at 135, Running at 140, Ready at 150.
        Assert.Equal((4, 1), (run.At(135).CurrentPods, run.At(135).ReadyPods));
        Assert.Equal(4, run.At(150).ReadyPods);
        // At 150 the new pods' first window (the 140..150 fresh-start window) does not reach a full
        // window past their Ready transition, so upstream counts them unready at 0 % for scale-up:
        // 200m over 4 requests = 50 %, within tolerance: no second scale-up. From 165 all four report 50 %.
        Assert.Equal(4, run.At(150).SpecReplicas);
        Assert.Equal(50, run.At(165).Observed[0]);
        Assert.Equal(4, run.Summary.FinalReplicas);
        Assert.Equal(0, run.Summary.Flaps);
    }

    [Fact]
    public void A_startup_cpu_burst_past_readiness_makes_the_hpa_overshoot()
    {
        // As the first test, but each new container burns 300m for its first 60 s (140..200 s). At 150 s
        // the new pods are still unready for the calculator (no full window since Ready), so 4 stays. The
        // scrape at 165 s covers 150..165 s, a full window after Ready: each new pod shows 50m + 300m.
        // (50 + 3 x 350) / 400 = 275 % against 50 %: ceil(5.5 x 4) = 22, capped by the legacy scale-up
        // limit max(2 x 4, 4) = 8.
        var load = Scenarios.Steps((120, 50), (180, 200)) with { Startup = new Load.StartupBurst(300, TimeSpan.FromSeconds(60)) };
        var run = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), load);

        Assert.Equal(4, run.At(150).SpecReplicas);
        Assert.Equal(275, run.At(165).Observed[0]);
        Assert.Equal(new ScaleEvent(165, 4, 8, "cpu resource utilization (percentage of request) above target"), run.ScaleEvents[1]);
        Assert.Contains("ScalingLimited=ScaleUpLimit", run.At(165).Conditions, StringComparison.Ordinal);
    }

    [Fact]
    public void Scale_down_is_held_by_the_five_minute_stabilization_window()
    {
        // 4 pods at 50 % until t = 600, then 40m: from the scrape at 615 the HPA sees 10 % and
        // recommends ceil(0.2 x 4) = 1, but the legacy window keeps the highest recommendation of the
        // last 5 minutes. The last "4" was recorded at 600; at 900 it is exactly at the cutoff and still
        // counts (upstream drops only samples strictly before it), so the scale-down comes at 915.
        var run = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(4), Scenarios.Steps((600, 200), (600, 40)));

        Assert.Equal(10, run.At(615).Observed[0]);
        Assert.Equal(4, run.At(615).DesiredReplicas);
        Assert.All(run.Timeline.Where(p => p.Seconds is >= 615 and <= 900), p => Assert.Equal(4, p.SpecReplicas));
        Assert.Contains("AbleToScale=ScaleDownStabilized", run.At(900).Conditions, StringComparison.Ordinal);
        Assert.Equal(1, run.At(915).SpecReplicas);
        Assert.Equal(new ScaleEvent(915, 4, 1, "All metrics below target"), Assert.Single(run.ScaleEvents));
    }

    [Fact]
    public void A_pod_capped_at_its_cpu_limit_leaves_demand_unmet()
    {
        // One pod, limit 100m, max 1 replica, 300m of demand: 100m served, 200m unmet every second.
        var run = Scenarios.Run(Scenarios.CpuHpa(50, 1, 1), Scenarios.Workload(1, "100m", "100m"), Scenarios.Steps((60, 300)));

        Assert.Equal(TimeSpan.FromSeconds(60), run.Summary.UnmetDemandTime);
        Assert.Equal(12, run.Summary.UnmetCoreSeconds, 6);
        Assert.Equal(100, run.At(30).ServedCpuMilli, 6);
        Assert.Equal(200, run.At(30).UnmetCpuMilli, 6);
        // The HPA sees 100 % (the pod cannot use more) and wants 2, but maxReplicas is 1.
        Assert.Equal(100, run.At(30).Observed[0]);
        Assert.Contains("ScalingLimited=TooManyReplicas", run.At(30).Conditions, StringComparison.Ordinal);
        Assert.Empty(run.ScaleEvents);
    }

    [Fact]
    public void A_behavior_policy_limits_the_scale_up_rate()
    {
        // Same step as the first test, but scaleUp allows 1 pod per 60 s: 1 -> 2 at 135, then +1 a minute.
        var behavior = new Core.Spec.HorizontalPodAutoscalerBehavior
        {
            ScaleUp = new Core.Spec.HpaScalingRules
            {
                StabilizationWindowSeconds = 0,
                SelectPolicy = Core.Spec.ScalingPolicySelect.Max,
                Policies = [new Core.Spec.HpaScalingPolicy { Type = Core.Spec.HpaScalingPolicyType.Pods, Value = 1, PeriodSeconds = 60 }],
            },
            ScaleDown = new Core.Spec.HpaScalingRules
            {
                StabilizationWindowSeconds = 300,
                SelectPolicy = Core.Spec.ScalingPolicySelect.Max,
                Policies = [new Core.Spec.HpaScalingPolicy { Type = Core.Spec.HpaScalingPolicyType.Percent, Value = 100, PeriodSeconds = 15 }],
            },
        };
        var run = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10, behavior), Scenarios.Workload(1), Scenarios.Steps((120, 50), (480, 200)));

        Assert.Equal(new ScaleEvent(135, 1, 2, "cpu resource utilization (percentage of request) above target"), run.ScaleEvents[0]);
        Assert.Contains("ScalingLimited=ScaleUpLimit", run.At(135).Conditions, StringComparison.Ordinal);
        // The event at 135 blocks further growth while it is younger than 60 s (strictly after now - 60).
        Assert.Equal(2, run.At(180).SpecReplicas);
        Assert.Equal(3, run.At(195).SpecReplicas);
        Assert.Equal(4, run.Summary.FinalReplicas);
        Assert.Equal([2, 3, 4], run.ScaleEvents.Select(e => e.To));
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_may_not()
    {
        var load = Scenarios.Steps((300, 150), (300, 400)) with { Noise = 0.3 };
        var options = new SimulationOptions { StartupJitter = TimeSpan.FromSeconds(20), Seed = 7 };
        var a = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), load, options);
        var b = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), load, options);
        var c = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), load, options with { Seed = 8 });

        Assert.Equal(Reporting.TimelineCsv.Render(a), Reporting.TimelineCsv.Render(b));
        Assert.NotEqual(Reporting.TimelineCsv.Render(a), Reporting.TimelineCsv.Render(c));
    }
}
