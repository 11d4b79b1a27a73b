using System.Globalization;
using ActorScaler.WhatIf.Engine;
using ActorScaler.WhatIf.Inputs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ActorScaler.WhatIf.Reporting;

/// <summary>The terminal summary: one column per run, one row per figure a person tunes for.</summary>
public static class SummaryTable
{
    public static Table Build(IReadOnlyList<SimulationResult> runs)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]what-if summary[/]");
        table.AddColumn(new TableColumn("[bold]figure[/]"));
        for (var i = 0; i < runs.Count; i++)
        {
            // With --compare the chart calls the runs A and B; the header says which is which and
            // wraps rather than cutting a long HPA name in a narrow terminal.
            var name = runs.Count == 1 ? runs[i].Label : $"{(char)('A' + i)}: {runs[i].Label}";
            table.AddColumn(new TableColumn(new Markup($"[bold]{Markup.Escape(name)}[/]").Overflow(Overflow.Fold)).RightAligned());
        }

        void Row(string name, Func<SimulationResult, string> value) =>
            table.AddRow(new IRenderable[] { new Markup(name) }.Concat(runs.Select(r => new Markup(value(r)))));

        Row("simulated time", r => DurationText.Format(r.Summary.Duration));
        Row("targets", r => Markup.Escape(string.Join(", ", r.Metrics.Select(Target))));
        Row("min / max replicas", r => $"{r.MinReplicas} / {r.MaxReplicas}");
        Row("time above target", r => Share(r.Summary.TimeAboveTarget, r.Summary.Duration));
        Row("peak utilization (HPA view)", r => r.Summary.PeakObservedUtilization is { } p ? $"{p:0}%" : "n/a");
        Row("scale events (up / down)", r => $"{r.Summary.ScaleUps + r.Summary.ScaleDowns} ({r.Summary.ScaleUps} / {r.Summary.ScaleDowns})");
        Row("first scale-up at", r => r.Summary.FirstScaleUpAt is { } t ? DurationText.Format(t) : "never");
        Row("flaps (reversal within 5m)", r => r.Summary.Flaps == 0 ? "0" : $"[yellow]{r.Summary.Flaps}[/]");
        Row("peak pods", r => r.Summary.MaxPods.ToString(CultureInfo.InvariantCulture));
        Row("final replicas", r => r.Summary.FinalReplicas.ToString(CultureInfo.InvariantCulture));
        Row("pod-hours", r => r.Summary.PodHours.ToString("0.00", CultureInfo.InvariantCulture));
        Row("requested CPU core-hours", r => r.Summary.RequestedCoreHours.ToString("0.00", CultureInfo.InvariantCulture));
        Row("unmet demand", r => r.Summary.UnmetDemandTime == TimeSpan.Zero
            ? "none"
            : $"[red]{DurationText.Format(TimeSpan.FromSeconds(Math.Round(r.Summary.UnmetDemandTime.TotalSeconds)))}[/] ({r.Summary.UnmetCoreSeconds:0.#} core-s)");
        return table;
    }

    private static string Share(TimeSpan part, TimeSpan whole) =>
        $"{DurationText.Format(TimeSpan.FromSeconds(Math.Round(part.TotalSeconds)))} ({(whole.TotalSeconds > 0 ? 100 * part.TotalSeconds / whole.TotalSeconds : 0):0}%)";

    private static string Target(MetricProbe m) => m.Unit switch
    {
        MetricUnit.Percent => $"{m.Label} {m.Target:0}%",
        MetricUnit.Cores => $"{m.Label} {m.Target * 1000:0}m",
        MetricUnit.Bytes => $"{m.Label} {m.Target / (1024 * 1024):0.#}Mi",
        _ => $"{m.Label} {m.Target:0.##}/s",
    };
}
