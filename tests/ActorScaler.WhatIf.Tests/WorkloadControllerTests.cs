using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Engine;
using Xunit;

namespace ActorScaler.WhatIf.Tests;

// The simulated workload controllers and summary figures, driven by a scripted controller so the
// scale decisions are fixed and only the simulator's own behaviour is under test.
public sealed class WorkloadControllerTests
{
    private sealed class ScriptedController(Dictionary<double, int> script) : IHpaController
    {
        public List<ClusterSnapshot> Seen { get; } = [];

        public ControllerStep Sync(ClusterSnapshot snapshot)
        {
            Seen.Add(snapshot);
            var t = (snapshot.Now - SimulationRunner.Epoch).TotalSeconds;
            return new ControllerStep
            {
                Rescaled = script.TryGetValue(t, out var r) ? r : null,
                Status = new HorizontalPodAutoscalerStatus { DesiredReplicas = script.TryGetValue(t, out var d) ? d : snapshot.SpecReplicas },
            };
        }
    }

    private static (SimulationResult Run, ScriptedController Controller) Run(Dictionary<double, int> script, string kind = "Deployment", double seconds = 900)
    {
        var controller = new ScriptedController(script);
        var run = SimulationRunner.Run("scripted", Scenarios.CpuHpa(50, 1, 10, kind: kind), Scenarios.Workload(1, kind: kind),
            Scenarios.Steps((seconds, 100)), new SimulationOptions(), controller);
        return (run, controller);
    }

    [Fact]
    public void Scale_down_removes_the_newest_pods_first()
    {
        var (_, controller) = Run(new() { [0] = 3, [60] = 2 });
        var before = controller.Seen.Single(s => s.Now == SimulationRunner.Epoch.AddSeconds(45)).Pods.Select(p => p.Name).ToList();
        var after = controller.Seen.Single(s => s.Now == SimulationRunner.Epoch.AddSeconds(75)).Pods.Select(p => p.Name).ToList();
        Assert.Equal(3, before.Count);
        Assert.Equal(before.Take(2), after);
    }

    [Fact]
    public void A_new_pod_is_pending_then_running_then_ready_and_is_served_after_its_first_window()
    {
        var controller = new ScriptedController(new() { [0] = 2 });
        var run = SimulationRunner.Run("slow", Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), Scenarios.Steps((120, 100)),
            new SimulationOptions { SchedulingDelay = TimeSpan.FromSeconds(20) }, controller);
        var original = controller.Seen[0].Pods.Single().Name;

        // Created at 0, Pending until 20 s: no start time, Ready=False, no metric.
        var pending = controller.Seen[1].Pods.Single(p => p.Name != original);
        Assert.Equal((Core.Calculation.PodPhase.Pending, null, false), (pending.Phase, pending.StartTime, pending.IsReady));
        Assert.DoesNotContain(controller.Seen[1].ResourceMetrics, m => m.Pod == pending.Name);

        // Running at 20 s, Ready at 30 s: the scrape at 30 s sees a 10 s old container and, as
        // metrics-server does for one between 10 s and one resolution old, serves it at once over
        // the 10 s since it started (during which it was not yet Ready and got no load).
        var at30 = controller.Seen[2];
        var ready = at30.Pods.Single(p => p.Name == pending.Name);
        Assert.Equal((Core.Calculation.PodPhase.Running, true), (ready.Phase, ready.IsReady));
        Assert.Equal(SimulationRunner.Epoch.AddSeconds(20), ready.StartTime);
        var sample = at30.ResourceMetrics.Single(m => m.Pod == pending.Name);
        Assert.Equal(TimeSpan.FromSeconds(10), sample.Window);
        Assert.Equal(0, sample.Containers[0].UsageMilli["cpu"]);
        Assert.Equal((2, 1), (run.At(15).CurrentPods, run.At(15).ReadyPods));
        Assert.Equal(2, run.At(30).ReadyPods);
    }

    [Fact]
    public void A_container_younger_than_ten_seconds_at_the_scrape_waits_for_the_next_one()
    {
        var controller = new ScriptedController(new() { [0] = 2 });
        SimulationRunner.Run("late", Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), Scenarios.Steps((120, 100)),
            new SimulationOptions { SchedulingDelay = TimeSpan.FromSeconds(8) }, controller);
        var original = controller.Seen[0].Pods.Single().Name;
        var newPod = controller.Seen[1].Pods.Single(p => p.Name != original).Name;
        // Running at 8 s: 7 s old at the scrape at 15 s, so no metric; the scrape at 30 s has a full window.
        Assert.DoesNotContain(controller.Seen[1].ResourceMetrics, m => m.Pod == newPod);
        var sample = controller.Seen[2].ResourceMetrics.Single(m => m.Pod == newPod);
        Assert.Equal(TimeSpan.FromSeconds(15), sample.Window);
        // It became Ready at 18 s and served half of the 100m from then on: 12 s x 50m over 15 s = 40m.
        Assert.Equal(40, sample.Containers[0].UsageMilli["cpu"]);
    }

    [Fact]
    public void An_ordered_ready_statefulset_creates_one_pod_at_a_time()
    {
        var (run, _) = Run(new() { [0] = 3 }, kind: "StatefulSet");
        // Pod 1: created 0, Ready 15; pod 2 only then: created 15, Ready 30.
        Assert.Equal((2, 1), (run.At(0).CurrentPods, run.At(0).ReadyPods));
        Assert.Equal((3, 2), (run.At(15).CurrentPods, run.At(15).ReadyPods));
        Assert.Equal((3, 3), (run.At(30).CurrentPods, run.At(30).ReadyPods));
    }

    [Fact]
    public void Flaps_are_reversals_within_five_minutes_and_pod_hours_integrate_the_pod_count()
    {
        // up at 0, down at 60 (flap), up at 600 (540 s after: not a flap), down at 705 (flap).
        var (run, _) = Run(new() { [0] = 2, [60] = 1, [600] = 3, [705] = 1 });
        Assert.Equal((2, 2, 2), (run.Summary.ScaleUps, run.Summary.ScaleDowns, run.Summary.Flaps));
        // Pods: 2 for [0, 60), 1 for [60, 600), 3 for [600, 705), 1 for [705, 900].
        var expectedPodSeconds = (2 * 60) + (1 * 540) + (3 * 105) + (1 * 195);
        Assert.Equal(expectedPodSeconds / 3600.0, run.Summary.PodHours, 6);
        Assert.Equal(3, run.Summary.MaxPods);
    }
}
