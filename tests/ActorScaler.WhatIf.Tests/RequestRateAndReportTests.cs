using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.WhatIf.Engine;
using ActorScaler.WhatIf.Load;
using ActorScaler.WhatIf.Reporting;
using Spectre.Console;
using Xunit;

namespace ActorScaler.WhatIf.Tests;

public sealed class RequestRateAndReportTests
{
    private static HorizontalPodAutoscaler RpsHpa() => Scenarios.CpuHpa(50, 1, 10) with
    {
        Spec = Scenarios.CpuHpa(50, 1, 10).Spec with
        {
            Metrics =
            [
                new MetricSpec
                {
                    Type = MetricSourceType.Pods,
                    Pods = new PodsMetricSource
                    {
                        Metric = new MetricIdentifier { Name = "http_requests_per_second" },
                        Target = new MetricTarget { Type = MetricTargetType.AverageValue, AverageValue = Quantity.Parse("10") },
                    },
                },
            ],
        },
    };

    private static LoadProfile Rps(params (double Seconds, double Rps)[] levels) => new()
    {
        Segments = levels.Select(l => (LoadSegment)new ConstantSegment(new LoadLevel(0, l.Rps)) { Duration = TimeSpan.FromSeconds(l.Seconds) }).ToList(),
    };

    [Fact]
    public void A_pods_metric_sees_each_ready_pods_share_of_the_requests()
    {
        // 10 rps on 1 pod is the 10/s target. From t = 60 s 35 rps: the adapter reports the rate at
        // the time of the request, so the sync at 75 s sees 35/s per pod and asks for ceil(3.5) = 4.
        var run = Scenarios.Run(RpsHpa(), Scenarios.Workload(1), Rps((60, 10), (240, 35)));

        Assert.Equal(10, run.At(60).Observed[0]);
        Assert.Equal(35, run.At(75).Observed[0]);
        Assert.Equal(new ScaleEvent(75, 1, 4, "pods metric http_requests_per_second above target"), run.ScaleEvents[0]);
        // 35/s over 4 Ready pods is 8.75/s, below target but within tolerance of nothing smaller: stays at 4.
        Assert.Equal(4, run.Summary.FinalReplicas);
        Assert.Equal(8.75, run.Timeline[^1].Observed[0]!.Value, 2);
        Assert.Equal("http_requests_per_second per pod", run.Metrics[0].Label);
    }

    [Fact]
    public void An_external_metric_sees_the_total_request_rate()
    {
        // External Value 20/s: 10/s is below target (and 1 is minReplicas); 50/s from t = 60 s gives
        // ratio 2.5 over 1 Ready pod at the sync at 75 s: ceil(2.5) = 3.
        var hpa = RpsHpa() with
        {
            Spec = RpsHpa().Spec with
            {
                Metrics =
                [
                    new MetricSpec
                    {
                        Type = MetricSourceType.External,
                        External = new ExternalMetricSource
                        {
                            Metric = new MetricIdentifier { Name = "ingress_requests_per_second" },
                            Target = new MetricTarget { Type = MetricTargetType.Value, Value = Quantity.Parse("20") },
                        },
                    },
                ],
            },
        };
        var run = Scenarios.Run(hpa, Scenarios.Workload(1), Rps((60, 10), (120, 50)));

        Assert.Equal(10, run.At(60).Observed[0]);
        Assert.Equal(50, run.At(75).Observed[0]);
        Assert.Equal(75, run.ScaleEvents[0].Seconds);
        Assert.Equal((1, 3), (run.ScaleEvents[0].From, run.ScaleEvents[0].To));
    }

    [Fact]
    public void The_summary_table_shows_each_run_in_its_own_column()
    {
        var a = Scenarios.Run(Scenarios.CpuHpa(50, 1, 10), Scenarios.Workload(1), Scenarios.Steps((120, 50), (180, 200)));
        var b = Scenarios.Run(Scenarios.CpuHpa(50, 1, 2), Scenarios.Workload(1, "100m", "100m"), Scenarios.Steps((120, 50), (180, 400)));
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 160;
        console.Write(SummaryTable.Build([a, b with { Label = "capped" }]));
        var text = writer.ToString();

        Assert.Contains("capped", text, StringComparison.Ordinal);
        Assert.Contains("cpu utilization 50%", text, StringComparison.Ordinal);
        var unmet = text.Split('\n').Single(l => l.Contains("unmet demand", StringComparison.Ordinal));
        Assert.Contains("none", unmet, StringComparison.Ordinal);
        // From 120 s one 100m pod faces 400m (300m unmet) until the second pod is Ready at 150 s,
        // then two pods leave 200m unmet until 300 s: 30 x 0.3 + 150 x 0.2 = 39 core-seconds.
        Assert.Contains("(39 core-s)", unmet, StringComparison.Ordinal);
        var events = text.Split('\n').Single(l => l.Contains("scale events", StringComparison.Ordinal));
        Assert.Contains("1 (1 / 0)", events, StringComparison.Ordinal);
    }
}
