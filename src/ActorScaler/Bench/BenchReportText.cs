using System.Globalization;
using System.Text;

namespace ActorScaler.Bench;

/// <summary>The report as rows of (figure, value) and as Markdown.</summary>
public static class BenchReportText
{
    public static IReadOnlyList<(string Figure, string Value)> Rows(BenchReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var rows = new List<(string, string)>
        {
            ("HPAs reconciled at least once (window start / end)", $"{r.HpasReconciledBeforeWindow} / {r.HpasReconciledByEnd} of {r.Hpas}"),
            ("reconciles per second", $"{F(r.ReconcilesPerSecond, "0.0")} ({r.ReconcilesSource})"),
            ("effective sync period p50 / p99 / max", $"{Dist(r.EffectiveSyncPeriod, "0.00")} s ({r.EffectiveSyncPeriod.Samples} pass gaps of {r.ProbeHpas} probe HPAs)"),
            ("decision latency, kubelet sample -> /scale write, p50 / p99 / max", $"{Dist(r.DecisionLatency, "0.000")} s ({r.DecisionLatency.Samples} scalers)"),
            ("load step -> /scale write p50 / p99 / max", $"{Dist(r.LoadToScaleWrite, "0.00")} s"),
            ("scalers that scaled up", $"{r.ScalersScaledUp} of {r.ScalerHpas}"),
            ("steady HPAs that scaled (must be 0)", I(r.SteadyHpasThatScaled)),
            ("refused /scale writes", I(r.ScaleWritesRefused)),
            ("API requests per HPA per minute (steady)", F(r.ApiRequestsPerHpaPerMinute, "0.000")),
        };
        foreach (var rate in r.ApiRequestsSteady.Take(8))
            rows.Add(($"  {rate.Verb} {rate.Resource}", $"{rate.Requests} ({F(rate.PerMinute, "0.0")}/min)"));
        foreach (var m in r.MemberFigures)
            rows.Add(($"member-{m.Index} (pid {m.Pid})", $"CPU {F(m.CpuSecondsWindow, "0.0")} s in the window; {F(m.MilliCpuBaseline, "0")} mCPU scraping only, {F(m.MilliCpuSteady, "0")} mCPU with the HPAs; RSS {F(m.BaselineRssMiB, "0")} -> {F(m.SteadyRssMiB, "0")} MiB, peak {F(m.PeakRssMiB, "0")} MiB"));
        rows.Add(("memory per HPA (members' RSS growth / HPAs)", $"{F(r.MemoryPerHpaKiB, "0.00")} KiB"));
        rows.Add(("CPU per HPA (steady minus baseline / HPAs)", $"{F(r.MilliCpuPerHpa, "0.0000")} mCPU"));
        rows.Add(("memory per scraped node (baseline RSS / nodes)", $"{F(r.MemoryPerNodeMiB, "0.000")} MiB"));
        rows.Add(("CPU per scraped node (baseline / nodes)", $"{F(r.MilliCpuPerNode, "0.000")} mCPU"));
        rows.Add(("kubelet requests per node per resolution (mean / busiest node)", $"{F(r.KubeletRequestsPerNodePerInterval, "0.00")} / {F(r.KubeletRequestsBusiestNodePerInterval, "0.00")}"));
        return rows;
    }

    public static string Markdown(BenchReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# actorscaler bench: {r.Hpas:N0} HPAs, {r.Nodes:N0} nodes, {r.Pods:N0} pods, {r.Members} members\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Command: `{r.Command}`\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Machine: {r.Machine}; load average {r.LoadAverageAtStart} at start, {r.LoadAverageAtEnd} at end; started {r.StartedAt:yyyy-MM-dd HH:mm} UTC.\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Sync period {F(r.SyncPeriodSeconds, "0.#")} s, metric resolution {F(r.MetricResolutionSeconds, "0.#")} s; measured window {F(r.WindowSeconds, "0")} s (steady half, then the load step). ");
        md.Append(CultureInfo.InvariantCulture, $"HPAs: {r.SteadyHpas} steady, {r.ScalerHpas} scalers, {r.ProbeHpas} probes.\n\n");
        md.Append("| figure | value |\n|---|---|\n");
        foreach (var (figure, value) in Rows(r))
            md.Append("| ").Append(figure.Trim()).Append(" | ").Append(value.Replace("|", "\\|", StringComparison.Ordinal)).Append(" |\n");
        md.Append("\n| target | goal | measured | met |\n|---|---|---|---|\n");
        foreach (var t in r.Targets)
            md.Append(CultureInfo.InvariantCulture, $"| {t.Figure} | {t.Target} | {F(t.Measured, "0.###")} {t.Unit} | {(t.Met ? "yes" : "**no**")} |\n");
        md.Append("\n| warm-up phase | seconds |\n|---|---|\n");
        foreach (var p in r.WarmUp)
            md.Append(CultureInfo.InvariantCulture, $"| {p.Phase} | {F(p.Seconds, "0.0")} |\n");
        return md.ToString();
    }

    private static string Dist(Distribution d, string format) =>
        d.Samples == 0 ? "n/a" : $"{F(d.P50, format)} / {F(d.P99, format)} / {F(d.Max, format)}";

    private static string F(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
