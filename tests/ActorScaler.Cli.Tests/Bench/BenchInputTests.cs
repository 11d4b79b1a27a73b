using ActorScaler.Bench;
using ActorScaler.Commands;
using ActorScaler.Simulator.Load;
using Xunit;

namespace ActorScaler.Cli.Tests.Bench;

public sealed class BenchInputTests
{
    private static BenchOptions Options(int hpas = 10_000, int pods = 50_000, double share = 0.1) =>
        new() { Hpas = hpas, Pods = pods, ScaleShare = share, OutDirectory = "/tmp/out" };

    [Fact]
    public void The_full_workload_has_one_percent_probes_the_scale_share_as_scalers_and_every_pod()
    {
        var workload = new BenchWorkload(Options());
        Assert.Equal(10_000, workload.Apps.Count);
        Assert.Equal(100, workload.WithRole(BenchRole.Probe).Count());
        Assert.Equal(1000, workload.WithRole(BenchRole.Scaler).Count());
        Assert.Equal(50_000, workload.Apps.Sum(a => a.Replicas));
        Assert.Equal(20, workload.Namespaces.Count);
        Assert.Equal(10_000, workload.Apps.Select(a => a.Key).Distinct().Count());
        // Scalers are spread over the whole range, not bunched at the start.
        Assert.Contains(workload.Apps.Take(100), a => a.Role == BenchRole.Scaler);
        Assert.Contains(workload.Apps.Skip(9_000).Take(800), a => a.Role == BenchRole.Scaler);
    }

    [Fact]
    public void Steady_load_sits_on_the_target_and_the_step_at_two_and_a_half_times_it()
    {
        var app = new BenchApp("bench-0", "app-00007", BenchRole.Scaler, 5);
        // 5 pods x 100m x 60 % and x 150 %.
        Assert.Equal("300m", BenchWorkload.InitialDemand(app));
        Assert.Equal("750m", BenchWorkload.StepDemand(app));
        var deployment = BenchWorkload.Deployment(app);
        Assert.Equal("300m", (string?)deployment["metadata"]!["annotations"]![LoadAnnotations.CpuDemand]);
        Assert.Equal("scaler", (string?)deployment["spec"]!["template"]!["metadata"]!["labels"]![BenchWorkload.RoleLabel]);
        Assert.Equal("750m", (string?)BenchWorkload.DemandPatch("750m")["metadata"]!["annotations"]![LoadAnnotations.CpuDemand]);
        var hpa = BenchWorkload.Hpa(app);
        Assert.Equal(20, (int)hpa["spec"]!["maxReplicas"]!);
        Assert.Null(hpa["spec"]!["behavior"]);
    }

    [Fact]
    public void A_probe_scales_one_pod_per_pass_and_never_down()
    {
        var hpa = BenchWorkload.Hpa(new BenchApp("bench-0", "app-09999", BenchRole.Probe, 1));
        var up = hpa["spec"]!["behavior"]!["scaleUp"]!;
        Assert.Equal(0, (int)up["stabilizationWindowSeconds"]!);
        Assert.Equal("Pods", (string?)up["policies"]![0]!["type"]);
        Assert.Equal(1, (int)up["policies"]![0]!["value"]!);
        Assert.Equal(1, (int)up["policies"]![0]!["periodSeconds"]!);
        Assert.Equal("Disabled", (string?)hpa["spec"]!["behavior"]!["scaleDown"]!["selectPolicy"]);
        // The manifest the simulator applies parses back to the same objects.
        var manifest = new BenchWorkload(Options(hpas: 50, pods: 100)).Manifest();
        var objects = ActorScaler.Simulator.Manifests.Read(manifest.ToJsonString());
        Assert.Equal(1 + 50, objects.Count);
    }

    [Fact]
    public void Bad_flags_are_named()
    {
        Assert.Empty(Options().Validate());
        var problems = (Options(hpas: 0, share: 1.5) with { Members = 0, Nodes = 0, Duration = TimeSpan.FromSeconds(10), SyncPeriod = TimeSpan.Zero }).Validate();
        Assert.Contains(problems, p => p.StartsWith("invalid value for --hpas: 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("invalid value for --members: 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("invalid value for --nodes: 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("invalid value for --scale-share: 1.5", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("invalid value for --sync-period: 0s", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("invalid value for --duration: 10s", StringComparison.Ordinal));
        Assert.Contains(Options(hpas: 100, pods: 50).Validate(), p => p.Contains("--pods: 50: must be at least --hpas (100)", StringComparison.Ordinal));
    }

    [Fact]
    public void Command_flags_that_do_not_parse_name_the_flag_and_exit_with_2()
    {
        Assert.Equal(BenchCommand.InputErrorExitCode, Program.Main(["bench", "--duration", "five minutes"]));
        var result = new BenchCommand.Settings { ScaleShare = "lots" }.Validate();
        Assert.False(result.Successful);
        Assert.Contains("--scale-share", result.Message);
        Assert.Contains("--members: 12", new BenchCommand.Settings { Members = 12 }.Validate().Message);
    }

    [Fact]
    public void Counters_are_summed_over_series_in_prometheus_text()
    {
        const string Text = """
            # HELP horizontal_pod_autoscaler_controller_reconciliations_total Number of reconciliations
            # TYPE horizontal_pod_autoscaler_controller_reconciliations_total counter
            horizontal_pod_autoscaler_controller_reconciliations_total{action="none",error="none"} 1200 1732536000000
            horizontal_pod_autoscaler_controller_reconciliations_total{action="scale_up",error="none"} 34
            horizontal_pod_autoscaler_controller_reconciliations_total_created 17
            """;
        Assert.Equal(1234, BenchClient.SumCounter(Text, BenchClient.ReconciliationsTotal));
        Assert.Null(BenchClient.SumCounter("# nothing\n", BenchClient.ReconciliationsTotal));
    }
}
