using ActorScaler.Bench;
using Xunit;

namespace ActorScaler.Cli.Tests.Bench;

/// <summary>The report's arithmetic over hand-made measurements (no processes).</summary>
public sealed class BenchAnalysisTests
{
    private const string Member = "actorscaler/1.0.0 (member 127.0.0.1:5000)";
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly BenchApp Steady = new("bench-0", "app-00000", BenchRole.Steady, 5);
    private static readonly BenchApp Scaler = new("bench-0", "app-00001", BenchRole.Scaler, 5);
    private static readonly BenchApp Probe = new("bench-0", "app-00002", BenchRole.Probe, 1);

    private static ProcessUsage Usage(double cpuSeconds, long rssMiB) => new(TimeSpan.FromSeconds(cpuSeconds), rssMiB << 20, (rssMiB + 10) << 20);

    private static AuditedWrite Scale(BenchApp app, double at, int before, int after, int code = 200) =>
        new(T0.AddSeconds(at), "scale", app.Namespace, app.Name, Member, before, after, code);

    private static BenchMeasurements Measurements() => new()
    {
        // 4 HPAs: one is not in Apps on purpose (a steady HPA with no writes counts in the denominators only).
        Options = new BenchOptions { Hpas = 4, Nodes = 2, Pods = 12, Members = 1, Duration = TimeSpan.FromSeconds(120), SyncPeriod = TimeSpan.FromSeconds(15), MetricResolution = TimeSpan.FromSeconds(15), OutDirectory = "/tmp/x" },
        Apps = [Steady, Scaler, Probe, Steady with { Name = "app-00003" }],
        Machine = "test machine",
        LoadAverageAtStart = "0.1 0.1 0.1",
        LoadAverageAtEnd = "0.2 0.2 0.2",
        Phases = [("warm-up", TimeSpan.FromSeconds(30))],
        BaselineStart = T0.AddSeconds(-100),
        BaselineEnd = T0.AddSeconds(-80),
        SteadyStart = T0,
        LoadStepAt = T0.AddSeconds(60),
        End = T0.AddSeconds(120),
        // Baseline: 2 CPU-seconds over 20 s = 100 mCPU, 200 MiB; steady: 9 CPU-seconds over 60 s = 150 mCPU, 204 MiB.
        Members = [new MemberSamples(0, 42, Usage(10, 150), Usage(12, 200), Usage(20, 200), Usage(29, 204), Usage(40, 210))],
        ScaleWrites =
        [
            // The probe writes at 0, 15, 31, 45 (gaps 15, 16, 14) and once more after the step (gap 30).
            Scale(Probe, 0, 1, 2), Scale(Probe, 15, 2, 3), Scale(Probe, 31, 3, 4), Scale(Probe, 45, 4, 5), Scale(Probe, 75, 5, 6),
            Scale(Probe, 50, 5, 6, code: 409),
            // The scaler's load is applied at 61; node-a is scraped at 62 and node-b at 64; it writes at 64.5.
            Scale(Scaler, 64.5, 5, 13),
        ],
        StatusWrites = [new AuditedWrite(T0.AddSeconds(16), "hpa-status", Probe.Namespace, Probe.Name, Member, null, null, 200)],
        RequestsAtSteadyStart = [new("patch", "horizontalpodautoscalers/status.autoscaling", Member, 100), new("watch", "pods", Member, 3)],
        RequestsAtSteadyEnd =
        [
            // In the steady window: 1 status patch (the probe's), 4 scale updates + 1 refused (the probe's),
            // 4 events (the probe's rescales), 1 re-read after the conflict, and 2 steady requests of others.
            new("patch", "horizontalpodautoscalers/status.autoscaling", Member, 101),
            new("update", "deployments/scale.apps", Member, 5),
            new("create", "events", Member, 4),
            new("get", "deployments/scale.apps", Member, 1),
            new("watch", "pods", Member, 5),
            new("list", "pods", "kubectl/v1.33", 50),
        ],
        KubeletRequestsAtSteadyStart = new Dictionary<string, long> { ["node-a"] = 10, ["node-b"] = 10 },
        KubeletRequestsAtSteadyEnd = new Dictionary<string, long> { ["node-a"] = 14, ["node-b"] = 16 },
        KubeletTimesAfterStep = new Dictionary<string, IReadOnlyList<DateTimeOffset>>
        {
            ["node-a"] = [T0.AddSeconds(47), T0.AddSeconds(62), T0.AddSeconds(77)],
            ["node-b"] = [T0.AddSeconds(49), T0.AddSeconds(64), T0.AddSeconds(79)],
        },
        ScalerNodes = new Dictionary<string, HashSet<string>> { [Scaler.Key] = ["node-a", "node-b"] },
        LoadAppliedAt = new Dictionary<string, DateTimeOffset> { [Scaler.Key] = T0.AddSeconds(61) },
    };

    [Fact]
    public void Effective_period_is_the_gaps_between_a_probes_successive_scale_ups()
    {
        var report = BenchAnalysis.Analyze(Measurements(), "bench");
        Assert.Equal(4, report.EffectiveSyncPeriod.Samples);
        Assert.Equal(15, report.EffectiveSyncPeriod.P50, 3);
        Assert.Equal(30, report.EffectiveSyncPeriod.Max, 3);
        Assert.Equal(30, report.EffectiveSyncPeriod.P99, 3);
        // No reconcile counter exported: estimated from the mean gap (75 s / 4 gaps).
        Assert.Equal(4 / 18.75, report.ReconcilesPerSecond, 6);
        Assert.StartsWith("estimated", report.ReconcilesSource);
    }

    [Fact]
    public void Decision_latency_runs_from_the_scrape_that_completed_the_post_step_sample_to_the_write()
    {
        var report = BenchAnalysis.Analyze(Measurements(), "bench");
        Assert.Equal(1, report.DecisionLatency.Samples);
        Assert.Equal(0.5, report.DecisionLatency.P50, 6);
        Assert.Equal(3.5, report.LoadToScaleWrite.P50, 6);
        Assert.Equal(1, report.ScalersScaledUp);
        Assert.Equal(0, report.SteadyHpasThatScaled);
        Assert.Equal(1, report.ScaleWritesRefused);
        Assert.Equal(1, report.HpasReconciledByEnd);
    }

    [Fact]
    public void A_write_before_the_last_node_was_scraped_is_measured_from_the_newest_earlier_scrape()
    {
        var m = Measurements();
        m = m with { ScaleWrites = [.. m.ScaleWrites.Where(w => w.Name != Scaler.Name), Scale(Scaler, 63, 5, 13)] };
        var report = BenchAnalysis.Analyze(m, "bench");
        Assert.Equal(1.0, report.DecisionLatency.P50, 6);
    }

    [Fact]
    public void Steady_api_cost_excludes_the_probes_writes_their_events_and_re_reads_and_other_clients()
    {
        var report = BenchAnalysis.Analyze(Measurements(), "bench");
        // 13 member requests - (1 status + 5 scale writes + 4 events + 1 re-read, all the probe's) = the
        // 2 watches, over 3 non-probe HPAs and 1 minute; kubectl's list is not a member's.
        Assert.Equal(2 / 3.0, report.ApiRequestsPerHpaPerMinute, 6);
        Assert.DoesNotContain(report.ApiRequestsSteady, r => r.Resource == "pods" && r.Verb == "list");
    }

    [Fact]
    public void Cpu_and_memory_per_hpa_are_the_growth_over_the_baseline_and_per_node_the_baseline()
    {
        var report = BenchAnalysis.Analyze(Measurements(), "bench");
        var member = Assert.Single(report.MemberFigures);
        Assert.Equal(100, member.MilliCpuBaseline, 6);
        Assert.Equal(150, member.MilliCpuSteady, 6);
        Assert.Equal(20, member.CpuSecondsWindow, 6);
        Assert.Equal(220, member.PeakRssMiB, 6);
        Assert.Equal(4 * 1024 / 4.0, report.MemoryPerHpaKiB, 6);
        Assert.Equal(50 / 4.0, report.MilliCpuPerHpa, 6);
        Assert.Equal(100, report.MemoryPerNodeMiB, 6);
        Assert.Equal(50, report.MilliCpuPerNode, 6);
        // 4 and 6 requests over 4 resolutions of 15 s.
        Assert.Equal(1.25, report.KubeletRequestsPerNodePerInterval, 6);
        Assert.Equal(1.5, report.KubeletRequestsBusiestNodePerInterval, 6);
    }

    [Fact]
    public void Reconciles_come_from_the_members_counter_when_they_export_it()
    {
        var report = BenchAnalysis.Analyze(Measurements() with { ReconciliationsAtSteadyStart = 1000, ReconciliationsAtSteadyEnd = 1600 }, "bench");
        Assert.Equal(10, report.ReconcilesPerSecond, 6);
        Assert.Contains(BenchClient.ReconciliationsTotal, report.ReconcilesSource);
    }

    [Fact]
    public void Targets_are_judged_and_a_figure_without_samples_does_not_pass()
    {
        var m = Measurements();
        var report = BenchAnalysis.Analyze(m with { ScaleWrites = [] }, "bench");
        var latency = report.Targets.Single(t => t.Figure == "decision latency p99");
        Assert.False(latency.Met);
        Assert.True(double.IsNaN(latency.Measured));
        var full = BenchAnalysis.Analyze(m, "bench");
        Assert.True(full.Targets.Single(t => t.Figure == "decision latency p99").Met);
        Assert.False(full.Targets.Single(t => t.Figure == "memory per HPA").Met);
        Assert.Contains("| decision latency p99 | <= 1 s | 0.5 s | yes |", BenchReportText.Markdown(full));
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var d = Distribution.Of(Enumerable.Range(1, 200).Select(i => (double)i));
        Assert.Equal((200, 100.0, 198.0, 200.0), (d.Samples, d.P50, d.P99, d.Max));
        Assert.Equal(0, Distribution.Of([]).Samples);
    }
}
