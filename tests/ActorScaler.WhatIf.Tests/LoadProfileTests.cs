using ActorScaler.WhatIf.Inputs;
using ActorScaler.WhatIf.Load;
using Xunit;

namespace ActorScaler.WhatIf.Tests;

public sealed class LoadProfileTests
{
    private static LoadProfile Parse(string yaml) => LoadProfileReader.ParseYaml("load.yaml", yaml, Path.GetTempPath());

    [Fact]
    public void Constant_segment_gives_its_level_for_its_duration_and_holds_after_the_end()
    {
        var p = Parse("""
            segments:
            - type: constant
              duration: 2m
              cpu: 250m
              rps: 40
            """);
        Assert.Equal(TimeSpan.FromMinutes(2), p.Length);
        Assert.Equal(new Demand(250, 40), p.DemandAt(0));
        Assert.Equal(new Demand(250, 40), p.DemandAt(119));
        Assert.Equal(new Demand(250, 40), p.DemandAt(500));
    }

    [Fact]
    public void Ramp_interpolates_linearly_between_from_and_to()
    {
        var p = Parse("""
            segments:
            - type: ramp
              duration: 100s
              from: {cpu: 100m}
              to: {cpu: 1100m, rps: 10}
            """);
        Assert.Equal(100, p.DemandAt(0).CpuMilli, 6);
        Assert.Equal(600, p.DemandAt(50).CpuMilli, 6);
        Assert.Equal(5, p.DemandAt(50).Rps, 6);
        Assert.Equal(1100, p.DemandAt(100).CpuMilli, 6);
    }

    [Fact]
    public void Step_is_a_staircase_from_first_to_last_level()
    {
        var p = Parse("""
            segments:
            - type: step
              duration: 4m
              steps: 4
              from: {cpu: 100m}
              to: {cpu: 400m}
            """);
        Assert.Equal(100, p.DemandAt(30).CpuMilli, 6);
        Assert.Equal(200, p.DemandAt(61).CpuMilli, 6);
        Assert.Equal(300, p.DemandAt(150).CpuMilli, 6);
        Assert.Equal(400, p.DemandAt(239).CpuMilli, 6);
    }

    [Fact]
    public void Sine_oscillates_around_the_mean_with_the_period()
    {
        var p = Parse("""
            segments:
            - type: sine
              duration: 1h
              period: 20m
              mean: {cpu: 500m}
              amplitude: {cpu: 200m}
            """);
        Assert.Equal(500, p.DemandAt(0).CpuMilli, 6);
        Assert.Equal(700, p.DemandAt(300).CpuMilli, 6);
        Assert.Equal(300, p.DemandAt(900).CpuMilli, 6);
        Assert.Equal(500, p.DemandAt(1200).CpuMilli, 6);
    }

    [Fact]
    public void Spike_is_the_peak_inside_its_window_and_the_base_outside()
    {
        var p = Parse("""
            segments:
            - type: spike
              duration: 10m
              base: {cpu: 10m}
              peak: {cpu: 2}
              at: 2m
              length: 3m
            """);
        Assert.Equal(10, p.DemandAt(119).CpuMilli, 6);
        Assert.Equal(2000, p.DemandAt(120).CpuMilli, 6);
        Assert.Equal(2000, p.DemandAt(299).CpuMilli, 6);
        Assert.Equal(10, p.DemandAt(300).CpuMilli, 6);
    }

    [Fact]
    public void Segments_play_back_to_back_and_rps_turns_into_cpu_through_cpuPerRequest()
    {
        var p = Parse("""
            cpuPerRequest: 5m
            memory: {base: 20Mi, perCore: 100Mi}
            segments:
            - {type: constant, duration: 1m, rps: 10}
            - {type: constant, duration: 1m, cpu: 100m, rps: 20}
            """);
        Assert.Equal(50, p.DemandAt(30).CpuMilli, 6);
        Assert.Equal(200, p.DemandAt(90).CpuMilli, 6);
        Assert.Equal(20 * 1024 * 1024, p.Memory.BaseBytes);
        Assert.Equal((20 * 1024 * 1024) + (50 * 1024 * 1024), p.Memory.WorkingSetBytes(500), 3);
    }

    [Fact]
    public void Startup_burst_is_read_with_its_cpu_and_duration()
    {
        var p = Parse("""
            startup: {cpu: 250m, duration: 45s}
            segments:
            - {type: constant, duration: 1m, cpu: 1}
            """);
        Assert.Equal(new StartupBurst(250, TimeSpan.FromSeconds(45)), p.Startup);
        Assert.Equal(StartupBurst.None, Parse("segments: [{type: constant, duration: 1m, cpu: 1}]").Startup);
    }

    [Fact]
    public void Csv_trace_is_interpolated_linearly_and_accepts_a_header()
    {
        var points = LoadProfileReader.ParseCsv("t.csv", "seconds,cpu,rps\n0,100m,1\n60,700m,\n# comment\n120,0.1,3\n");
        Assert.Equal(3, points.Count);
        var p = new LoadProfile { Trace = points };
        Assert.Equal(400, p.DemandAt(30).CpuMilli, 6);
        Assert.Equal(0.5, p.DemandAt(30).Rps, 6);
        Assert.Equal(100, p.DemandAt(120).CpuMilli, 6);
        Assert.Equal(TimeSpan.FromSeconds(120), p.Length);
    }

    [Fact]
    public void Trace_file_referenced_from_yaml_is_read_relative_to_the_yaml()
    {
        var dir = Directory.CreateTempSubdirectory("whatif-trace");
        File.WriteAllText(Path.Combine(dir.FullName, "trace.csv"), "0,1\n10,2\n");
        var yamlPath = Path.Combine(dir.FullName, "load.yaml");
        File.WriteAllText(yamlPath, "trace: trace.csv\n");
        var p = LoadProfileReader.ReadFile(yamlPath);
        Assert.Equal(1500, p.DemandAt(5).CpuMilli, 6);
    }

    [Theory]
    [InlineData("segments:\n- type: wobble\n  duration: 1m\n  cpu: 1\n", "line 2, segments[0].type", "unknown segment type \"wobble\"")]
    [InlineData("segments:\n- type: constant\n  cpu: 1\n", "line 2, segments[0].duration", "required field is missing")]
    [InlineData("segments:\n- type: constant\n  duration: soon\n  cpu: 1\n", "line 3, segments[0].duration", "\"soon\" is not a duration")]
    [InlineData("segments:\n- type: constant\n  duration: 1m\n  cpu: lots\n", "line 4, segments[0].cpu", "\"lots\" is not a valid quantity")]
    [InlineData("segments:\n- type: ramp\n  duration: 1m\n  from: {cpu: 1}\n", "line 2, segments[0].to", "required field is missing")]
    [InlineData("segments:\n- type: step\n  duration: 1m\n  steps: 0\n  from: {cpu: 1}\n  to: {cpu: 2}\n", "line 4, segments[0].steps", "must be 1 or more")]
    [InlineData("segments:\n- type: spike\n  duration: 1m\n  peak: {cpu: 1}\n  at: 50s\n  length: 20s\n", "line 6, segments[0].length", "runs past the segment's duration 1m")]
    [InlineData("segments:\n- type: constant\n  duration: 1m\n  cpu: 1\n  cpus: 2\n", "line 2, segments[0]", "unknown field \"cpus\"")]
    [InlineData("segments:\n- type: constant\n  duration: 1m\n", "line 2, segments[0]", "give cpu (e.g. 500m) and/or rps")]
    [InlineData("segments:\n- type: constant\n  duration: 1m\n  rps: -3\n", "line 4, segments[0].rps", "must not be negative")]
    [InlineData("noise: 0.1\n", "line 1", "give exactly one of \"segments\"")]
    [InlineData("startup: {cpu: 1}\nsegments: [{type: constant, duration: 1m, cpu: 1}]\n", "line 1, startup.duration", "required field is missing")]
    [InlineData("segments: [\n", "line 2", "not valid YAML")]
    public void A_bad_segment_names_the_line_the_field_and_the_problem(string yaml, string location, string problem)
    {
        var ex = Assert.Throws<SimulationInputException>(() => Parse(yaml));
        Assert.Equal("load.yaml", ex.File);
        Assert.Equal(location, ex.Location);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"load.yaml: {location}: ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("time,cpu\n0,1\n", "line 1", "header must start with \"seconds\"")]
    [InlineData("0,1\n10\n", "line 2", "expected 2 or 3 columns")]
    [InlineData("0,1\nten,1\n", "line 2, column seconds", "\"ten\" is not a time")]
    [InlineData("0,1\n10,2\n10,3\n", "line 3, column seconds", "is not after the previous row's 10")]
    [InlineData("0,1\n10,2x\n", "line 2, column cpu", "\"2x\" is not a valid quantity")]
    [InlineData("0,1,fast\n", "line 1, column rps", "\"fast\" is not a rate")]
    public void A_bad_csv_row_names_its_line_and_column(string csv, string location, string problem)
    {
        var ex = Assert.Throws<SimulationInputException>(() => LoadProfileReader.ParseCsv("trace.csv", csv));
        Assert.Equal(location, ex.Location);
        Assert.Contains(problem, ex.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("15s", 15)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("250ms", 0.25)]
    [InlineData("90", 90)]
    public void Durations_read_like_go_durations(string text, double seconds) =>
        Assert.Equal(seconds, DurationText.Parse(text).TotalSeconds, 6);

    [Fact]
    public void A_bad_duration_says_how_to_write_one() =>
        Assert.Contains("use e.g. 30s, 5m, 1h30m", Assert.Throws<FormatException>(() => DurationText.Parse("2 hours")).Message, StringComparison.Ordinal);
}
