using ActorScaler.WhatIf.Engine;
using ActorScaler.WhatIf.Inputs;
using ActorScaler.WhatIf.Reporting;
using Xunit;

namespace ActorScaler.WhatIf.Tests;

// What `actorscaler simulate` does with files: the bundled examples end to end, and the one-line
// errors it prints (the command writes "error: " + the exception's message and exits 2).
public sealed class ExamplesAndInputErrorsTests
{
    private static readonly string Examples = Path.Combine(AppContext.BaseDirectory, "examples");

    private static string Example(string name, string file) => Path.Combine(Examples, name, file);

    private static List<SimulationResult> RunScenario(WhatIfScenario scenario) =>
        scenario.Hpas.Select(h => SimulationRunner.Run(h.Label, h.Hpa, scenario.Workload, scenario.Load, new SimulationOptions(), new CoreController(h.Hpa))).ToList();

    [Fact]
    public void Bootcamp_spike_drives_the_seed_hpa_to_ten_replicas_and_back_to_one()
    {
        var scenario = WhatIfScenario.Read(Example("kubernetes-bootcamp", "hpa.yaml"), Example("kubernetes-bootcamp", "deployment.yaml"),
            Example("kubernetes-bootcamp", "load.yaml"), Example("kubernetes-bootcamp", "hpa-gentle.yaml"));
        var runs = RunScenario(scenario);

        var seed = runs[0];
        Assert.Equal("kubernetes-bootcamp", seed.Label);
        Assert.Equal(10, seed.Timeline.Max(p => p.SpecReplicas));
        Assert.Equal(1, seed.Summary.FinalReplicas);
        // 1 core over 10 pods of 50m is 200 % against a 10 % target: pinned at maxReplicas, as in the tutorial.
        Assert.Contains(seed.Timeline, p => p.Conditions.Contains("ScalingLimited=TooManyReplicas", StringComparison.Ordinal));
        var gentle = runs[1];
        // 2 pods a minute: the gentle HPA takes longer to reach 10 than the default (4 pods or 100 % per 15 s).
        var reachTen = (SimulationResult r) => r.Timeline.First(p => p.SpecReplicas == 10).Seconds;
        Assert.True(reachTen(gentle) > reachTen(seed) + 120);

        var dir = Directory.CreateTempSubdirectory("whatif-bootcamp").FullName;
        var chart = ChartRenderer.Save(runs, "Deployment/kubernetes-bootcamp", dir, "bootcamp");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(chart.Png).Take(4));
        Assert.True(new FileInfo(chart.Png).Length > 20_000);
        // One well-formed SVG document with one nested viewport per panel: load, utilization, replicas.
        var svg = System.Xml.Linq.XDocument.Load(chart.Svg).Root!;
        Assert.Equal("svg", svg.Name.LocalName);
        var panels = svg.Elements().Where(e => e.Name.LocalName == "svg").ToList();
        Assert.Equal(["0", "280", "540"], panels.Select(p => (string?)p.Attribute("y")));
        var csv = File.ReadAllLines(TimelineCsv.Save(seed, dir, seed.Label));
        Assert.StartsWith("seconds,demand_cpu_m", csv[0], StringComparison.Ordinal);
        Assert.Equal(seed.Timeline.Count + 1, csv.Length);
    }

    [Fact]
    public void Php_apache_reads_the_seed_v2beta1_hpa_and_shows_the_unmet_demand_above_three_pods()
    {
        var scenario = WhatIfScenario.Read(Example("php-apache", "hpa.yaml"), Example("php-apache", "deployment.yaml"),
            Example("php-apache", "load.yaml"), Example("php-apache", "hpa-no-stabilization.yaml"));
        var runs = RunScenario(scenario);

        Assert.Equal(["cpu utilization", "memory average"], runs[0].Metrics.Select(m => m.Label));
        Assert.Equal(80 * 1024 * 1024, runs[0].Metrics[1].Target);
        Assert.Equal(3, runs[0].Summary.MaxPods);
        // 400m of demand against 3 pods limited to 100m each.
        Assert.True(runs[0].Summary.UnmetCoreSeconds > 50);
        // Without the 5-minute window the HPA follows every dip of the traffic: more events, flaps.
        Assert.True(runs[1].Summary.Flaps > runs[0].Summary.Flaps);
        Assert.True(runs[1].ScaleEvents.Count > runs[0].ScaleEvents.Count);
    }

    private static SimulationInputException ReadError(string hpa, string workload, string load, string? compare = null) =>
        Assert.Throws<SimulationInputException>(() => WhatIfScenario.Read(hpa, workload, load, compare));

    private static string Temp(string name, string text)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("whatif-input").FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var ex = ReadError(Example("kubernetes-bootcamp", "hpa.yaml"), Example("kubernetes-bootcamp", "deployment.yaml"), "no-such-load.yaml");
        Assert.Equal("no-such-load.yaml: file not found", ex.Message);
    }

    [Fact]
    public void An_invalid_hpa_gets_the_api_servers_message_and_the_field()
    {
        var hpa = Temp("hpa.yaml", File.ReadAllText(Example("kubernetes-bootcamp", "hpa.yaml")).Replace("maxReplicas: 10", "maxReplicas: 0", StringComparison.Ordinal));
        var ex = ReadError(hpa, Example("kubernetes-bootcamp", "deployment.yaml"), Example("kubernetes-bootcamp", "load.yaml"));
        Assert.Equal(hpa, ex.File);
        Assert.Contains("spec.maxReplicas", ex.Location, StringComparison.Ordinal);
        Assert.StartsWith("HorizontalPodAutoscaler.autoscaling \"kubernetes-bootcamp\" is invalid: ", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("spec.maxReplicas: Invalid value: 0", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_load_segment_names_the_file_line_and_field()
    {
        var load = Temp("load.yaml", "segments:\n- type: constant\n  duration: 5m\n  cpu: 2m\n- type: spike\n  duration: 10m\n  peak: {cpu: 1}\n  at: 2m\n");
        var ex = ReadError(Example("kubernetes-bootcamp", "hpa.yaml"), Example("kubernetes-bootcamp", "deployment.yaml"), load);
        Assert.Equal($"{load}: line 5, segments[1].length: required field is missing", ex.Message);
    }

    [Fact]
    public void A_workload_without_a_cpu_request_gets_the_upstream_condition_message()
    {
        // The seed tutorial's first attempt: `kubectl create deployment` without requests.
        var deployment = Temp("deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: kubernetes-bootcamp}
            spec:
              selector: {matchLabels: {app: kubernetes-bootcamp}}
              template:
                spec:
                  containers:
                  - name: kubernetes-bootcamp
                    image: jocatalin/kubernetes-bootcamp:v1
            """);
        var ex = ReadError(Example("kubernetes-bootcamp", "hpa.yaml"), deployment, Example("kubernetes-bootcamp", "load.yaml"));
        Assert.Equal(deployment, ex.File);
        Assert.Equal("line 9, spec.template.spec.containers[0].resources.requests.cpu", ex.Location);
        Assert.Contains("ScalingActive=False FailedGetResourceMetric", ex.Problem, StringComparison.Ordinal);
        Assert.Contains("failed to get cpu utilization: missing request for cpu in container kubernetes-bootcamp of Pod", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_hpa_for_another_workload_is_refused()
    {
        var ex = ReadError(Example("php-apache", "hpa.yaml"), Example("kubernetes-bootcamp", "deployment.yaml"), Example("kubernetes-bootcamp", "load.yaml"));
        Assert.Equal("spec.scaleTargetRef", ex.Location);
        Assert.Contains("targets Deployment/php-apache but the workload", ex.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_flag_value_names_the_flag()
    {
        var scenario = WhatIfScenario.Read(Example("kubernetes-bootcamp", "hpa.yaml"), Example("kubernetes-bootcamp", "deployment.yaml"), Example("kubernetes-bootcamp", "load.yaml"), null);
        var hpa = scenario.Hpas[0].Hpa;
        var ex = Assert.Throws<SimulationInputException>(() => SimulationRunner.Run("x", hpa, scenario.Workload, scenario.Load,
            new SimulationOptions { SyncPeriod = TimeSpan.FromMilliseconds(200) }, new CoreController(hpa)));
        Assert.Equal("command line: --sync-period: must be at least 1s, got 0.2s", ex.Message);
    }
}
