using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using ActorScaler.Core.Decision;
using ActorScaler.WhatIf.Engine;
using ActorScaler.WhatIf.Inputs;
using ActorScaler.WhatIf.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler simulate`: replays an unchanged HPA manifest against a load curve in virtual
/// time (no cluster needed) and writes a chart, a CSV timeline and a summary table.
/// </summary>
public sealed class SimulateCommand : Command<SimulateCommand.Settings>
{
    /// <summary>Exit code for bad input (a file, a field or a flag), as for a command-line parse error.</summary>
    public const int InputErrorExitCode = 2;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("-f|--filename <HPA>")]
        [Description("The HorizontalPodAutoscaler manifest to simulate (any served version).")]
        public string? Filename { get; init; }

        [CommandOption("--workload <FILE>")]
        [Description("The Deployment or StatefulSet it scales: requests, limits and the starting replicas.")]
        public string? Workload { get; init; }

        [CommandOption("--load <FILE>")]
        [Description("Load profile: YAML segments (constant, ramp, step, sine, spike) or a CSV trace seconds,cpu,rps.")]
        public string? Load { get; init; }

        [CommandOption("--compare <HPA>")]
        [Description("A second HPA to run on the same load; both appear side by side.")]
        public string? Compare { get; init; }

        [CommandOption("--duration <DURATION>")]
        [Description("Simulated time, e.g. 2h (default: the load profile's length).")]
        public string? Duration { get; init; }

        [CommandOption("--sync-period <DURATION>")]
        [Description("HPA sync period (--horizontal-pod-autoscaler-sync-period). Default 15s.")]
        public string SyncPeriod { get; init; } = "15s";

        [CommandOption("--resolution <DURATION>")]
        [Description("Metrics resolution (metrics-server --metric-resolution). Default 15s.")]
        public string Resolution { get; init; } = "15s";

        [CommandOption("--scheduling-delay <DURATION>")]
        [Description("How long a new pod stays Pending. Default 5s.")]
        public string SchedulingDelay { get; init; } = "5s";

        [CommandOption("--readiness-delay <DURATION>")]
        [Description("From container start until the pod is Ready. Default 10s.")]
        public string ReadinessDelay { get; init; } = "10s";

        [CommandOption("--startup-jitter <DURATION>")]
        [Description("Up to this much extra Pending time per pod, drawn from --seed. Default 0s.")]
        public string StartupJitter { get; init; } = "0s";

        [CommandOption("--seed <N>")]
        [Description("Seed for every random draw; the same seed gives the same run. Default 1.")]
        public int Seed { get; init; } = 1;

        [CommandOption("--tolerance <RATIO>")]
        [Description("Controller tolerance (--horizontal-pod-autoscaler-tolerance). Default 0.1.")]
        public double Tolerance { get; init; } = ControllerSettings.DefaultTolerance;

        [CommandOption("--downscale-stabilization <DURATION>")]
        [Description("Controller flag --horizontal-pod-autoscaler-downscale-stabilization. Default 5m.")]
        public string DownscaleStabilization { get; init; } = "5m";

        [CommandOption("--cpu-initialization-period <DURATION>")]
        [Description("Controller flag --horizontal-pod-autoscaler-cpu-initialization-period. Default 5m.")]
        public string CpuInitializationPeriod { get; init; } = "5m";

        [CommandOption("--initial-readiness-delay <DURATION>")]
        [Description("Controller flag --horizontal-pod-autoscaler-initial-readiness-delay. Default 30s.")]
        public string InitialReadinessDelay { get; init; } = "30s";

        [CommandOption("--out <DIR>")]
        [Description("Where the PNG, SVG and CSV go. Default ./simulate-out.")]
        public string Out { get; init; } = "simulate-out";

        [CommandOption("--bench <RUNS>")]
        [Description("Also time the first HPA's simulation this many times and print the wall time per run.")]
        public int Bench { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            return Run(settings);
        }
        catch (SimulationInputException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return InputErrorExitCode;
        }
    }

    private static int Run(Settings s)
    {
        var hpaFile = Required(s.Filename, "-f/--filename");
        var workloadFile = Required(s.Workload, "--workload");
        var loadFile = Required(s.Load, "--load");
        var options = new SimulationOptions
        {
            Duration = s.Duration is null ? null : Flag(s.Duration, "--duration"),
            SyncPeriod = Flag(s.SyncPeriod, "--sync-period"),
            Resolution = Flag(s.Resolution, "--resolution"),
            SchedulingDelay = Flag(s.SchedulingDelay, "--scheduling-delay"),
            ReadinessDelay = Flag(s.ReadinessDelay, "--readiness-delay"),
            StartupJitter = Flag(s.StartupJitter, "--startup-jitter"),
            Seed = s.Seed,
        };
        if (s.Tolerance < 0 || !double.IsFinite(s.Tolerance))
            throw new SimulationInputException(SimulationRunner.CommandLine, "--tolerance", "must be 0 or more");
        if (s.Bench < 0)
            throw new SimulationInputException(SimulationRunner.CommandLine, "--bench", "must be 0 or more");
        var controllerSettings = ControllerSettings.Production with
        {
            Tolerance = s.Tolerance,
            DownscaleStabilizationWindow = Flag(s.DownscaleStabilization, "--downscale-stabilization"),
            CpuInitializationPeriod = Flag(s.CpuInitializationPeriod, "--cpu-initialization-period"),
            DelayOfInitialReadinessStatus = Flag(s.InitialReadinessDelay, "--initial-readiness-delay"),
        };

        var scenario = WhatIfScenario.Read(hpaFile, workloadFile, loadFile, s.Compare);
        var runs = scenario.Hpas
            .Select(h => SimulationRunner.Run(h.Label, h.Hpa, scenario.Workload, scenario.Load, options, new CoreController(h.Hpa, controllerSettings)))
            .ToList();

        // Fixed names (chart.png, chart.svg, timeline.csv) so a script or the README can point at them;
        // with --compare each run's timeline carries its HPA's name.
        var chart = ChartRenderer.Save(runs, $"{scenario.Workload.Kind}/{scenario.Workload.Name}", s.Out, "chart");
        var csvs = runs.Select(r => TimelineCsv.Save(r, s.Out, runs.Count == 1 ? "timeline" : $"timeline-{r.Label}")).ToList();

        AnsiConsole.Write(SummaryTable.Build(runs));
        AnsiConsole.MarkupLine($"chart: [link]{Markup.Escape(chart.Png)}[/] and {Markup.Escape(chart.Svg)}");
        foreach (var csv in csvs)
            AnsiConsole.MarkupLine($"timeline: {Markup.Escape(csv)}");

        if (s.Bench > 0)
            Bench(s.Bench, scenario, options, controllerSettings);
        return 0;
    }

    /// <summary>Times the engine alone (no chart, no files): the figure docs/benchmarks.md records.</summary>
    private static void Bench(int count, WhatIfScenario scenario, SimulationOptions options, ControllerSettings controllerSettings)
    {
        var hpa = scenario.Hpas[0];
        // One untimed run first, so JIT compilation is not counted.
        SimulationRunner.Run(hpa.Label, hpa.Hpa, scenario.Workload, scenario.Load, options, new CoreController(hpa.Hpa, controllerSettings));
        var times = new List<double>(count);
        SimulationResult? last = null;
        for (var i = 0; i < count; i++)
        {
            var sw = Stopwatch.StartNew();
            last = SimulationRunner.Run(hpa.Label, hpa.Hpa, scenario.Workload, scenario.Load, options, new CoreController(hpa.Hpa, controllerSettings));
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        var simulated = last!.Summary.Duration;
        var syncs = last.Timeline.Count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: {count} runs of {DurationText.Format(simulated)} simulated ({syncs} syncs, sync period {DurationText.Format(options.SyncPeriod)}): " +
            $"min {times[0]:0.0} ms, median {times[times.Count / 2]:0.0} ms, max {times[^1]:0.0} ms per run"));
    }

    private static string Required(string? value, string flag) =>
        value ?? throw new SimulationInputException(SimulationRunner.CommandLine, flag, "is required");

    private static TimeSpan Flag(string text, string flag) =>
        DurationText.TryParse(text, out var d, out var error) ? d : throw new SimulationInputException(SimulationRunner.CommandLine, flag, error!);
}
