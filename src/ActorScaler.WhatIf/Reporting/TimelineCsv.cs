using System.Globalization;
using System.Text;
using ActorScaler.WhatIf.Engine;

namespace ActorScaler.WhatIf.Reporting;

/// <summary>The timeline as CSV, one row per sync, for spreadsheets and diffing two tunings.</summary>
public static class TimelineCsv
{
    public static string Render(SimulationResult run)
    {
        var sb = new StringBuilder();
        var header = new List<string>
        {
            "seconds", "demand_cpu_m", "demand_rps", "served_cpu_m", "unmet_cpu_m",
            "desired_replicas", "spec_replicas", "current_pods", "ready_pods", "avg_working_set_bytes",
        };
        foreach (var m in run.Metrics)
        {
            var name = Column(m.Label);
            header.Add($"{name}_observed");
            header.Add($"{name}_actual");
            header.Add($"{name}_target");
        }
        header.Add("scale_event");
        header.Add("conditions");
        sb.AppendJoin(',', header).Append('\n');

        var events = run.ScaleEvents.ToDictionary(e => e.Seconds);
        foreach (var p in run.Timeline)
        {
            var row = new List<string>
            {
                N(p.Seconds), N(p.DemandCpuMilli), N(p.DemandRps), N(p.ServedCpuMilli), N(p.UnmetCpuMilli),
                N(p.DesiredReplicas), N(p.SpecReplicas), N(p.CurrentPods), N(p.ReadyPods), N(Math.Round(p.AverageWorkingSetBytes)),
            };
            for (var m = 0; m < run.Metrics.Count; m++)
            {
                row.Add(p.Observed[m] is { } o ? N(o) : "");
                row.Add(p.Actual[m] is { } a ? N(a) : "");
                row.Add(N(run.Metrics[m].Target));
            }
            row.Add(events.TryGetValue(p.Seconds, out var e) ? $"{e.From}->{e.To}" : "");
            row.Add(Quote(p.Conditions));
            sb.AppendJoin(',', row).Append('\n');
        }
        return sb.ToString();
    }

    public static string Save(SimulationResult run, string directory, string baseName)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, baseName + ".csv");
        File.WriteAllText(path, Render(run));
        return path;
    }

    private static string N(double v) => Math.Round(v, 3).ToString(CultureInfo.InvariantCulture);

    private static string Column(string label)
    {
        var sb = new StringBuilder();
        foreach (var ch in label.ToLowerInvariant())
            sb.Append(char.IsLetterOrDigit(ch) ? ch : '_');
        return sb.ToString().Trim('_').Replace("__", "_", StringComparison.Ordinal);
    }

    private static string Quote(string s) =>
        s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
