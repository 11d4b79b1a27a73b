using Xunit;

namespace ActorScaler.WhatIf.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    /// <summary>These tests swap Console.Error, which is process-wide.</summary>
    public const string Name = "console";
}

// `actorscaler simulate` run in process through Program.Main, as a user types it.
[Collection(ConsoleCollection.Name)]
public sealed class SimulateCommandTests
{
    private static readonly string Bootcamp = Path.Combine(AppContext.BaseDirectory, "examples", "kubernetes-bootcamp");

    private static (int Exit, string Stderr) Simulate(params string[] args)
    {
        var stderr = new StringWriter();
        var original = Console.Error;
        Console.SetError(stderr);
        try
        {
            return (Program.Main(["simulate", .. args]), stderr.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }

    private static string[] Inputs(string hpa = "hpa.yaml", string workload = "deployment.yaml", string load = "load.yaml") =>
        ["-f", Path.Combine(Bootcamp, hpa), "--workload", Path.Combine(Bootcamp, workload), "--load", Path.Combine(Bootcamp, load)];

    [Fact]
    public void The_readme_command_writes_chart_and_timeline()
    {
        var outDir = Directory.CreateTempSubdirectory("whatif-cli").FullName;
        var (exit, stderr) = Simulate([.. Inputs(), "--out", outDir]);
        Assert.Equal("", stderr);
        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(outDir, "chart.png")));
        Assert.True(File.Exists(Path.Combine(outDir, "chart.svg")));
        var timeline = File.ReadAllLines(Path.Combine(outDir, "timeline.csv"));
        // 40 minutes of 15 s syncs, both ends included, plus the header.
        Assert.Equal(162, timeline.Length);
    }

    [Fact]
    public void Compare_writes_one_chart_and_a_timeline_per_hpa()
    {
        var outDir = Directory.CreateTempSubdirectory("whatif-cli").FullName;
        var (exit, _) = Simulate([.. Inputs(), "--compare", Path.Combine(Bootcamp, "hpa-gentle.yaml"), "--out", outDir]);
        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(outDir, "timeline-kubernetes-bootcamp.csv")));
        Assert.True(File.Exists(Path.Combine(outDir, "timeline-kubernetes-bootcamp-gentle.csv")));
    }

    [Fact]
    public void A_missing_file_is_one_error_line_and_exit_code_two()
    {
        var (exit, stderr) = Simulate(Inputs(load: "no-such-load.yaml"));
        Assert.Equal(2, exit);
        Assert.Equal($"error: {Path.Combine(Bootcamp, "no-such-load.yaml")}: file not found{Environment.NewLine}", stderr);
    }

    [Fact]
    public void A_missing_required_flag_and_a_bad_duration_name_the_flag()
    {
        Assert.Equal((2, $"error: command line: --load: is required{Environment.NewLine}"),
            Simulate("-f", Path.Combine(Bootcamp, "hpa.yaml"), "--workload", Path.Combine(Bootcamp, "deployment.yaml")));
        var (exit, stderr) = Simulate([.. Inputs(), "--duration", "two hours"]);
        Assert.Equal(2, exit);
        Assert.StartsWith("error: command line: --duration: \"two hours\" is not a duration", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_without_a_cpu_request_prints_the_upstream_condition()
    {
        var dir = Directory.CreateTempSubdirectory("whatif-cli").FullName;
        var deployment = Path.Combine(dir, "deployment.yaml");
        File.WriteAllText(deployment, File.ReadAllText(Path.Combine(Bootcamp, "deployment.yaml"))
            .Replace("          requests:\n            memory: 50Mi\n            cpu: 50m\n", "          requests:\n            memory: 50Mi\n", StringComparison.Ordinal));
        var (exit, stderr) = Simulate("-f", Path.Combine(Bootcamp, "hpa.yaml"), "--workload", deployment, "--load", Path.Combine(Bootcamp, "load.yaml"));
        Assert.Equal(2, exit);
        Assert.StartsWith($"error: {deployment}: line 30, spec.template.spec.containers[0].resources.requests.cpu: missing request for cpu in container kubernetes-bootcamp of Pod ",
            stderr, StringComparison.Ordinal);
        Assert.Contains("the HPA would report ScalingActive=False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu",
            stderr, StringComparison.Ordinal);
    }
}
