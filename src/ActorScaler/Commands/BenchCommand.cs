using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;
using ActorScaler.Bench;
using ActorScaler.Core.Durations;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler bench`: the scale benchmark. The simulator and the members run as separate processes;
/// the report (reconciles per second, effective sync period, decision latency, API requests, CPU and
/// memory per member, HPA and node, kubelet requests) is printed and written as JSON and Markdown.
/// </summary>
public sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{
    public const int InputErrorExitCode = 2;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--hpas <N>")]
        [Description("HPAs, each with its own Deployment.")]
        [DefaultValue(10_000)]
        public int Hpas { get; init; } = 10_000;

        [CommandOption("--nodes <N>")]
        [Description("Simulated nodes, each with its own HTTPS kubelet.")]
        [DefaultValue(2_000)]
        public int Nodes { get; init; } = 2_000;

        [CommandOption("--pods <N>")]
        [Description("Pods shared by the Deployments (at least one each).")]
        [DefaultValue(50_000)]
        public int Pods { get; init; } = 50_000;

        [CommandOption("--members <N>")]
        [Description("`actorscaler run` processes forming one cluster.")]
        [DefaultValue(3)]
        public int Members { get; init; } = 3;

        [CommandOption("--duration <DURATION>")]
        [Description("The measured window after warm-up: half steady, half after the load step.")]
        [DefaultValue("5m")]
        public string Duration { get; init; } = "5m";

        [CommandOption("--sync-period <DURATION>")]
        [Description("The members' --horizontal-pod-autoscaler-sync-period.")]
        [DefaultValue("15s")]
        public string SyncPeriod { get; init; } = "15s";

        [CommandOption("--metric-resolution <DURATION>")]
        [Description("The members' --metric-resolution (kubelet scrape interval).")]
        [DefaultValue("15s")]
        public string MetricResolution { get; init; } = "15s";

        [CommandOption("--scale-share <RATIO>")]
        [Description("Share of the HPAs whose load steps up half-way (they must scale up).")]
        [DefaultValue("0.1")]
        public string ScaleShare { get; init; } = "0.1";

        [CommandOption("--warmup-timeout <DURATION>")]
        [Description("How long to wait for every HPA's first reconcile before measuring anyway (the report says how many were).")]
        [DefaultValue("10m")]
        public string WarmupTimeout { get; init; } = "10m";

        [CommandOption("--member-config <FILE>")]
        [Description("HOCON layered over the members' shipped configuration (passed to `run --config`).")]
        public string? MemberConfig { get; init; }

        [CommandOption("--out <DIR>")]
        [Description("Where report.json, report.md and one log per process go.")]
        [DefaultValue("out/bench")]
        public string Out { get; init; } = "out/bench";

        public override ValidationResult Validate()
        {
            try
            {
                var problems = ToOptions().Validate();
                return problems.Count == 0 ? ValidationResult.Success() : ValidationResult.Error(string.Join("\n", problems));
            }
            catch (FormatException e)
            {
                return ValidationResult.Error(e.Message);
            }
        }

        /// <summary>Flags to options; a value that does not parse throws FormatException naming the flag.</summary>
        public BenchOptions ToOptions() => new()
        {
            Hpas = Hpas,
            Nodes = Nodes,
            Pods = Pods,
            Members = Members,
            Duration = ParseDuration("--duration", Duration),
            SyncPeriod = ParseDuration("--sync-period", SyncPeriod),
            MetricResolution = ParseDuration("--metric-resolution", MetricResolution),
            ScaleShare = double.TryParse(ScaleShare, NumberStyles.Float, CultureInfo.InvariantCulture, out var share)
                ? share
                : throw new FormatException($"invalid value for --scale-share: \"{ScaleShare}\": must be a number such as 0.1"),
            OutDirectory = Out,
            MemberConfig = MemberConfig,
            WarmupTimeout = ParseDuration("--warmup-timeout", WarmupTimeout),
        };

        private static TimeSpan ParseDuration(string flag, string value) =>
            GoDuration.TryParse(value, out var d, out var error) ? d : throw new FormatException($"invalid value for {flag}: {error}");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        BenchOptions options;
        try
        {
            options = settings.ToOptions();
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return InputErrorExitCode;
        }
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            foreach (var p in problems)
                await Console.Error.WriteLineAsync($"error: {p}").ConfigureAwait(false);
            return InputErrorExitCode;
        }

        var command = "actorscaler bench " + string.Join(' ', context.Arguments.SkipWhile(a => a == context.Name));
        // Ctrl+C and SIGTERM cancel the run, so the processes it started are killed on the way out.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        BenchMeasurements measurements;
        try
        {
            measurements = await new BenchRunner(options, line => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}"))
                .RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("error: the benchmark was stopped; the processes it started were killed").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (e is BenchFailedException or TimeoutException or HttpRequestException or InvalidOperationException or IOException)
        {
            await Console.Error.WriteLineAsync($"error: the benchmark failed: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        var report = BenchAnalysis.Analyze(measurements, command.TrimEnd());
        var (json, markdown) = BenchRunner.Write(report, Path.GetFullPath(options.OutDirectory));

        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"actorscaler bench: {options.Hpas:N0} HPAs, {options.Nodes:N0} nodes, {options.Pods:N0} pods, {options.Members} members"));
        table.AddColumn("figure");
        table.AddColumn("value");
        foreach (var (figure, value) in BenchReportText.Rows(report))
            table.AddRow(Markup.Escape(figure), Markup.Escape(value));
        AnsiConsole.Write(table);
        var targets = new Table().Border(TableBorder.Simple).Title("targets");
        foreach (var column in new[] { "target", "goal", "measured", "met" })
            targets.AddColumn(column);
        foreach (var t in report.Targets)
            targets.AddRow(Markup.Escape(t.Figure), Markup.Escape(t.Target),
                Markup.Escape(double.IsFinite(t.Measured) ? $"{t.Measured.ToString("0.###", CultureInfo.InvariantCulture)} {t.Unit}" : "n/a"), t.Met ? "yes" : "[red]no[/]");
        AnsiConsole.Write(targets);
        Console.WriteLine($"report: {json} and {markdown}");
        return 0;
    }
}
