using System.Globalization;
using System.Text;
using ActorScaler.WhatIf.Engine;
using ScottPlot;
using SkiaSharp;

namespace ActorScaler.WhatIf.Reporting;

/// <summary>
/// Draws the timeline as stacked panels sharing one time axis: load, one panel per metric unit
/// (HPA view against target), and replicas with min/max and scale events. With two runs the
/// second is drawn dashed in its own colour, so both read side by side.
/// </summary>
public static class ChartRenderer
{
    private const int Width = 1500;
    private const int LoadHeight = 280;
    private const int MetricHeight = 260;
    private const int ReplicaHeight = 320;
    // Fixed margins so every panel's data area starts and ends at the same x and the time axes
    // line up; the wide right margin holds the legend, outside the data.
    private static readonly PixelPadding Margins = new(90, 380, 50, 40);

    private static readonly Color[] RunColors = [Colors.RoyalBlue, Colors.DarkOrange];
    private static readonly Color DemandColor = Colors.DimGray;
    private static readonly Color UnmetColor = Colors.Crimson;

    public sealed record ChartFiles(string Png, string Svg);

    public static ChartFiles Save(IReadOnlyList<SimulationResult> runs, string title, string directory, string baseName)
    {
        if (runs.Count == 0)
            throw new ArgumentException("nothing to draw", nameof(runs));
        Directory.CreateDirectory(directory);
        var panels = BuildPanels(runs, title);
        var png = Path.Combine(directory, baseName + ".png");
        var svg = Path.Combine(directory, baseName + ".svg");
        WritePng(panels, png);
        WriteSvg(panels, svg);
        foreach (var (plot, _) in panels)
            plot.Dispose();
        return new ChartFiles(png, svg);
    }

    private static List<(Plot Plot, int Height)> BuildPanels(IReadOnlyList<SimulationResult> runs, string title)
    {
        var duration = runs.Max(r => r.Summary.Duration.TotalSeconds);
        var hours = duration > 3 * 3600;
        var scale = hours ? 3600.0 : 60.0;
        var xLabel = hours ? "time (hours)" : "time (minutes)";
        var panels = new List<(Plot, int)> { (LoadPanel(runs, title, scale, xLabel), LoadHeight) };
        foreach (var unit in runs.SelectMany(r => r.Metrics.Select(m => m.Unit)).Distinct().Order())
            panels.Add((MetricPanel(runs, unit, scale, xLabel), MetricHeight));
        panels.Add((ReplicaPanel(runs, scale, xLabel), runs.Count == 1 ? ReplicaHeight : ReplicaHeight + 120));
        foreach (var (plot, _) in panels)
            plot.Axes.SetLimitsX(0, duration / scale);
        return panels;
    }

    private static Plot NewPlot(string title, string yLabel, string xLabel)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(title, 15);
        plot.YLabel(yLabel, 13);
        plot.XLabel(xLabel, 12);
        plot.Layout.Fixed(Margins);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => v.ToString("0.###", CultureInfo.InvariantCulture) };
        return plot;
    }

    /// <summary>The legend beside the data (never over it), aligned with the panel's top.</summary>
    private static void Legend(Plot plot)
    {
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontSize = 11;
    }

    /// <summary>Legend prefix: with two runs "A: " / "B: " (the title names them), keeping the legend narrow.</summary>
    private static string RunName(IReadOnlyList<SimulationResult> runs, int i) => runs.Count == 1 ? "" : $"{(char)('A' + i)}: ";

    private static LinePattern RunPattern(int i) => i == 0 ? LinePattern.Solid : LinePattern.Dashed;

    private static Plot LoadPanel(IReadOnlyList<SimulationResult> runs, string title, double scale, string xLabel)
    {
        var first = runs[0].Timeline;
        var useCpu = first.Any(p => p.DemandCpuMilli > 0) || first.All(p => p.DemandRps == 0);
        var heading = runs.Count == 1
            ? $"{title}: {runs[0].Label} — load"
            : $"{title} — A = {runs[0].Label} (solid), B = {runs[1].Label} (dashed) — load";
        var plot = NewPlot(heading, useCpu ? "CPU (cores)" : "requests / s", xLabel);
        var xs = first.Select(p => p.Seconds / scale).ToArray();
        var demand = plot.Add.ScatterLine(xs, first.Select(p => useCpu ? p.DemandCpuMilli / 1000 : p.DemandRps).ToArray(), DemandColor);
        demand.LegendText = useCpu ? "demand (CPU)" : "demand (requests/s)";
        demand.LineWidth = 2;
        demand.FillY = true;
        demand.FillYColor = DemandColor.WithAlpha(0.15);
        if (!useCpu)
        {
            Legend(plot);
            return plot;
        }
        for (var i = 0; i < runs.Count; i++)
        {
            var t = runs[i].Timeline;
            var rx = t.Select(p => p.Seconds / scale).ToArray();
            var served = plot.Add.ScatterLine(rx, t.Select(p => p.ServedCpuMilli / 1000).ToArray(), RunColors[i]);
            served.LegendText = $"{RunName(runs, i)}served by Ready pods";
            served.LineWidth = 2;
            served.LinePattern = RunPattern(i);
            if (t.Any(p => p.UnmetCpuMilli > 0.5))
            {
                var unmet = plot.Add.ScatterLine(rx, t.Select(p => p.UnmetCpuMilli / 1000).ToArray(), i == 0 ? UnmetColor : Colors.DarkRed);
                unmet.LegendText = $"{RunName(runs, i)}unmet demand";
                unmet.LineWidth = 1.5f;
                unmet.LinePattern = RunPattern(i);
                unmet.FillY = i == 0;
                unmet.FillYColor = UnmetColor.WithAlpha(0.2);
            }
        }
        plot.Axes.SetLimitsY(0, Math.Max(0.001, first.Max(p => p.DemandCpuMilli / 1000)) * 1.15);
        Legend(plot);
        return plot;
    }

    private static (string Title, string Axis, Func<double, double> Convert, string Suffix) UnitText(MetricUnit unit) => unit switch
    {
        MetricUnit.Percent => ("utilization against target (HPA view)", "% of request", v => v, "%"),
        MetricUnit.Cores => ("average CPU per pod against target (HPA view)", "milli-cores", v => v * 1000, "m"),
        MetricUnit.Bytes => ("average memory per pod against target (HPA view)", "MiB", v => v / (1024 * 1024), "Mi"),
        _ => ("requests per second against target (HPA view)", "requests / s", v => v, "/s"),
    };

    private static Plot MetricPanel(IReadOnlyList<SimulationResult> runs, MetricUnit unit, double scale, string xLabel)
    {
        var (title, axis, convert, suffix) = UnitText(unit);
        var plot = NewPlot(title, axis, xLabel);
        var targetsDrawn = new HashSet<(string, double)>();
        var observedValues = new List<double>();
        var targetMax = 0.0;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            for (var m = 0; m < run.Metrics.Count; m++)
            {
                var probe = run.Metrics[m];
                if (probe.Unit != unit)
                    continue;
                var points = run.Timeline.Where(p => p.Observed[m] is not null).ToList();
                var ys = points.Select(p => convert(p.Observed[m]!.Value)).ToArray();
                var line = plot.Add.ScatterLine(points.Select(p => p.Seconds / scale).ToArray(), ys, RunColors[i]);
                line.LegendText = $"{RunName(runs, i)}{probe.Label}";
                line.LineWidth = 2;
                line.LinePattern = RunPattern(i);
                line.ConnectStyle = ConnectStyle.StepHorizontal;
                observedValues.AddRange(ys);
                if (runs.Count == 1)
                {
                    var actual = run.Timeline.Where(p => p.Actual[m] is not null).ToList();
                    var truth = plot.Add.ScatterLine(actual.Select(p => p.Seconds / scale).ToArray(), actual.Select(p => convert(p.Actual[m]!.Value)).ToArray(), Colors.Gray);
                    truth.LegendText = $"{probe.Label}, actual (Ready pods)";
                    truth.LineWidth = 1;
                }
                var target = convert(probe.Target);
                if (targetsDrawn.Add((probe.Label, target)))
                {
                    var h = plot.Add.HorizontalLine(target, 2, Colors.ForestGreen, LinePattern.Dashed);
                    h.LegendText = $"target {probe.Label} {Format(target)}{suffix}";
                    targetMax = Math.Max(targetMax, target);
                    var label = plot.Add.Text($"target {Format(target)}{suffix}", 0, target);
                    label.LabelFontColor = Colors.ForestGreen;
                    label.LabelFontSize = 12;
                    label.LabelBold = true;
                    label.Alignment = Alignment.LowerLeft;
                }
            }
        }
        plot.Axes.SetLimitsY(0, Math.Max(1, YTop(observedValues, targetMax)) * 1.15);
        Legend(plot);
        return plot;
    }

    private static Plot ReplicaPanel(IReadOnlyList<SimulationResult> runs, double scale, string xLabel)
    {
        var plot = NewPlot("replicas", "pods", xLabel);
        var top = 1.0;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var xs = run.Timeline.Select(p => p.Seconds / scale).ToArray();
            var desired = plot.Add.ScatterLine(xs, run.Timeline.Select(p => (double)p.DesiredReplicas).ToArray(), RunColors[i]);
            desired.LegendText = $"{RunName(runs, i)}desired";
            desired.LineWidth = 2.5f;
            desired.LinePattern = RunPattern(i);
            desired.ConnectStyle = ConnectStyle.StepHorizontal;
            var current = plot.Add.ScatterLine(xs, run.Timeline.Select(p => (double)p.CurrentPods).ToArray(), RunColors[i].WithAlpha(0.55));
            current.LegendText = $"{RunName(runs, i)}current pods";
            current.LineWidth = 1.5f;
            current.LinePattern = LinePattern.DenselyDashed;
            current.ConnectStyle = ConnectStyle.StepHorizontal;
            var ready = plot.Add.ScatterLine(xs, run.Timeline.Select(p => (double)p.ReadyPods).ToArray(), RunColors[i].WithAlpha(0.8));
            ready.LegendText = $"{RunName(runs, i)}ready pods";
            ready.LineWidth = 1.5f;
            ready.LinePattern = LinePattern.Dotted;
            ready.ConnectStyle = ConnectStyle.StepHorizontal;

            var ups = run.ScaleEvents.Where(e => e.Direction > 0).ToList();
            var downs = run.ScaleEvents.Where(e => e.Direction < 0).ToList();
            if (ups.Count > 0)
            {
                var m = plot.Add.Markers(ups.Select(e => e.Seconds / scale).ToArray(), ups.Select(e => (double)e.To).ToArray(), i == 0 ? MarkerShape.FilledTriangleUp : MarkerShape.OpenTriangleUp, 10, Colors.SeaGreen);
                m.LegendText = $"{RunName(runs, i)}scale up ({ups.Count})";
            }
            if (downs.Count > 0)
            {
                var m = plot.Add.Markers(downs.Select(e => e.Seconds / scale).ToArray(), downs.Select(e => (double)e.To).ToArray(), i == 0 ? MarkerShape.FilledTriangleDown : MarkerShape.OpenTriangleDown, 10, Colors.OrangeRed);
                m.LegendText = $"{RunName(runs, i)}scale down ({downs.Count})";
            }
            top = Math.Max(top, Math.Max(run.MaxReplicas, run.Timeline.Select(p => p.CurrentPods).DefaultIfEmpty(0).Max()));
        }
        foreach (var (value, name) in runs.Select(r => (r.MinReplicas, "min")).Concat(runs.Select(r => (r.MaxReplicas, "max"))).Distinct())
        {
            var h = plot.Add.HorizontalLine(value, 1.5f, Colors.Black.WithAlpha(0.6), LinePattern.Dashed);
            h.LegendText = $"{name}Replicas {value}";
        }
        plot.Axes.SetLimitsY(0, (top * 1.15) + 0.5);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        Legend(plot);
        return plot;
    }

    /// <summary>
    /// Top of a metric axis: a short transient (a lone 2000 % sample while new pods start) would
    /// flatten the rest of the curve and the target line, so a peak far above the 95th percentile
    /// is clipped; the summary table still reports it.
    /// </summary>
    private static double YTop(List<double> values, double target)
    {
        if (values.Count == 0)
            return target;
        values.Sort();
        var p95 = values[(int)Math.Floor(0.95 * (values.Count - 1))];
        var max = values[^1];
        var top = max > 2 * Math.Max(p95, target) ? Math.Max(p95, target) * 1.5 : max;
        return Math.Max(top, target);
    }

    private static string Format(double v) => v.ToString(v >= 100 || v == Math.Floor(v) ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static void WritePng(List<(Plot Plot, int Height)> panels, string path)
    {
        var total = panels.Sum(p => p.Height);
        using var surface = SKSurface.Create(new SKImageInfo(Width, total));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        var y = 0;
        foreach (var (plot, height) in panels)
        {
            var bytes = plot.GetImageBytes(Width, height, ImageFormat.Png);
            using var bitmap = SKBitmap.Decode(bytes);
            canvas.DrawBitmap(bitmap, 0, y);
            y += height;
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    /// <summary>One SVG document with each panel's own SVG nested at its offset.</summary>
    private static void WriteSvg(List<(Plot Plot, int Height)> panels, string path)
    {
        var total = panels.Sum(p => p.Height);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{total}\" viewBox=\"0 0 {Width} {total}\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        var y = 0;
        foreach (var (plot, height) in panels)
        {
            var inner = plot.GetSvgXml(Width, height);
            var start = inner.IndexOf("<svg", StringComparison.Ordinal);
            inner = start > 0 ? inner[start..] : inner;
            // Nested <svg> elements position like viewports: give each its y offset.
            inner = string.Concat("<svg x=\"0\" y=\"", y.ToString(CultureInfo.InvariantCulture), "\" ", inner.AsSpan(5));
            svg.Append(inner).Append('\n');
            y += height;
        }
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }
}
