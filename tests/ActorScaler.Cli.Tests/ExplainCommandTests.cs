using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Commands;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Hosting;
using Spectre.Console;
using Xunit;

namespace ActorScaler.Cli.Tests;

/// <summary>`actorscaler explain`: rendering real decisions, and reading the endpoint over HTTP.</summary>
public sealed class ExplainCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 23, 0, 0, TimeSpan.Zero);

    /// <summary>A real pass: <paramref name="replicas"/> pods of 1000m request using <paramref name="usage"/>m
    /// against a 50% cpu target, with the given max and behavior.</summary>
    private static DecisionRecord Decide(int replicas, long usage, int max = 10, HorizontalPodAutoscalerBehavior? behavior = null, DecisionState? state = null)
    {
        var input = new ReconcileInput
        {
            Hpa = new HorizontalPodAutoscaler
            {
                Metadata = new ObjectMeta { Name = "web", Namespace = "shop" },
                Spec = new HorizontalPodAutoscalerSpec
                {
                    ScaleTargetRef = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
                    MinReplicas = 1,
                    MaxReplicas = max,
                    Behavior = behavior,
                    Metrics =
                    [
                        new MetricSpec
                        {
                            Type = MetricSourceType.Resource,
                            Resource = new ResourceMetricSource { Name = "cpu", Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = 50 } },
                        },
                    ],
                },
                Status = new HorizontalPodAutoscalerStatus { CurrentReplicas = replicas, DesiredReplicas = replicas },
            },
            Settings = ControllerSettings.Production,
            Scale = new ScaleSubresource(replicas, replicas, "app=web"),
            Pods = [.. Enumerable.Range(0, replicas).Select(i => new PodInfo
            {
                Name = $"web-{i}",
                Labels = new Dictionary<string, string> { ["app"] = "web" },
                Ready = new PodReadyCondition(ConditionStatus.True, Now.AddHours(-1)),
                StartTime = Now.AddHours(-1),
                Containers = [new ContainerInfo { Name = "app", RequestsMilli = new Dictionary<string, long> { ["cpu"] = 1000 } }],
            })],
            Metrics = new MetricsSnapshot
            {
                ResourceMetrics = new PodResourceMetrics(Enumerable.Range(0, replicas).Select(i => new ResourceMetricSample($"web-{i}", Now.AddSeconds(-5), TimeSpan.FromSeconds(15),
                    [new ContainerUsage("app", new Dictionary<string, long> { ["cpu"] = usage })]))),
            },
            Now = Now,
            State = state ?? new DecisionState { Recommendations = [] },
        };
        var decision = AutoscalerReconciler.Decide(input);
        var result = AutoscalerReconciler.Complete(decision, decision.ScaleWriteReplicas is null ? null : ScaleWriteResult.Succeeded);
        return DecisionRecord.From(decision.Explanation, result, "akka.tcp://actorscaler@127.0.0.1:4053");
    }

    private static string Render(DecisionHistoryReply reply)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        ExplainCommand.Render(console, reply);
        return writer.ToString();
    }

    private static string[] Lines(string text) => [.. text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0)];

    [Fact]
    public void Why_7_replicas_each_step_of_a_max_capped_scale_up_is_printed_with_its_numbers()
    {
        // 4 pods at 95% against 50%: ratio 1.9, ceil(7.6) = 8; the legacy cap max(2 x 4, 4) = 8 allows it;
        // maxReplicas 7 caps it: 7.
        var record = Decide(replicas: 4, usage: 950, max: 7);
        var text = Render(new DecisionHistoryReply("shop/web", record.Member, [record]));
        var lines = Lines(text);

        Assert.Equal("shop/web: 1 decision(s), owned by akka.tcp://actorscaler@127.0.0.1:4053", lines[0]);
        Assert.Equal("2026-11-25 23:00:00Z  4 -> 7 replicas  Rescale", lines[1]);
        Assert.Equal("  reason: cpu resource utilization (percentage of request) above target", lines[2]);
        Assert.Contains(lines, l => l.Contains("cpu resource utilization (percentage of request)", StringComparison.Ordinal)
            && l.Contains("95% (950m)", StringComparison.Ordinal) && l.Contains("50%", StringComparison.Ordinal)
            && l.Contains("1.9", StringComparison.Ordinal) && l.Contains("outside [0.9, 1.1]", StringComparison.Ordinal) && l.TrimEnd().EndsWith('8'));
        Assert.Contains(lines, l => Columns(l) is ["recommendation", "8", "largest proposal (cpu resource utilization (percentage of request))"]);
        Assert.Contains(lines, l => Columns(l) is ["stabilization", "8", "no effect (the window's recommendations allow it)"]);
        Assert.Contains(lines, l => Columns(l) is ["rate limit", "8", "within the limit (8)"]);
        Assert.Contains(lines, l => Columns(l) is ["min/max", "7", "capped at maxReplicas 7"]);
        Assert.Contains(lines, l => Columns(l) is ["final", "7", "written to /scale (7)"]);
    }

    /// <summary>A table row's cells, split on the runs of spaces Spectre pads them with.</summary>
    private static string[] Columns(string line) => [.. System.Text.RegularExpressions.Regex.Split(line.Trim(), " {2,}")];

    [Fact]
    public void A_held_scale_down_names_the_window_and_a_steady_metric_names_the_tolerance()
    {
        // 6 pods at 10% propose 2; a recommendation of 5 a minute ago holds it at 5.
        var held = Decide(replicas: 6, usage: 100, state: new DecisionState { Recommendations = [new TimestampedRecommendation(5, Now.AddMinutes(-1))] });
        // 3 pods at 53%: ratio 1.06 within [0.9, 1.1]: no change.
        var steady = Decide(replicas: 3, usage: 530);
        var lines = Lines(Render(new DecisionHistoryReply("shop/web", held.Member, [held, steady])));

        Assert.Contains(lines, l => Columns(l) is ["stabilization", "5", "a higher recommendation in the scale-down window holds it at 5 (was 2)"]);
        Assert.Contains(lines, l => Columns(l) is ["rate limit", "5", "no limit in this direction"]);
        Assert.Contains("2026-11-25 23:00:00Z  3 replicas (no change)  NoRescale", lines);
        Assert.Contains(lines, l => l.Contains("within [0.9, 1.1]: no change", StringComparison.Ordinal) && l.Contains("1.06", StringComparison.Ordinal));
        Assert.Contains(lines, l => Columns(l) is ["final", "3", "no /scale write"]);
    }

    [Fact]
    public void Folded_passes_show_their_span_and_count()
    {
        var record = Decide(replicas: 3, usage: 530) with { Repeats = 12, LastTime = Now.AddMinutes(3) };
        var lines = Lines(Render(new DecisionHistoryReply("shop/web", record.Member, [record])));
        Assert.Equal("2026-11-25 23:00:00Z .. 2026-11-25 23:03:00Z (12 identical passes)  3 replicas (no change)  NoRescale", lines[1]);
    }

    [Fact]
    public void An_empty_history_says_so()
    {
        var lines = Lines(Render(new DecisionHistoryReply("shop/web", "akka.tcp://actorscaler@127.0.0.1:4054", [])));
        Assert.Equal(["shop/web: 0 decision(s), owned by akka.tcp://actorscaler@127.0.0.1:4054", "no decision yet (the entity has not completed a pass since it started)"], lines);
    }

    [Theory]
    [InlineData("shop/web", true)]
    [InlineData("web", false)]
    [InlineData("shop/web/x", false)]
    [InlineData("/web", false)]
    public void The_hpa_argument_is_namespace_slash_name(string text, bool valid) =>
        Assert.Equal(valid, ExplainCommand.ParseHpa(text) is not null);

    [Theory]
    [InlineData("127.0.0.1:8443", "https://127.0.0.1:8443/")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080/")]
    [InlineData("member-0.actorscaler:8443", "https://member-0.actorscaler:8443/")]
    [InlineData("127.0.0.1", null)]
    [InlineData("127.0.0.1:99999", null)]
    [InlineData("ftp://127.0.0.1:21", null)]
    public void The_member_is_host_port_over_https_or_a_url(string text, string? expected) =>
        Assert.Equal(expected, ExplainCommand.ParseMember(text)?.ToString());

    [Fact]
    public void A_bad_argument_fails_with_a_message_and_no_request()
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.NotEqual(0, Program.Main(["explain", "web", "--member", "127.0.0.1:1"]));
        }
        finally
        {
            Console.SetError(previous);
        }
        Assert.Contains("invalid HPA \"web\": must be NAMESPACE/NAME", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_reads_the_endpoint_and_turns_failures_into_sentences()
    {
        var record = Decide(replicas: 4, usage: 950, max: 7);
        var reply = new DecisionHistoryReply("shop/web", record.Member, [record]);
        var port = FreePort();
        using var server = new HttpListener();
        server.Prefixes.Add($"http://127.0.0.1:{port}/");
        server.Start();
        var serving = Task.Run(async () =>
        {
            for (var i = 0; i < 2; i++)
            {
                var context = await server.GetContextAsync();
                var found = context.Request.Url!.AbsolutePath == TelemetryFeature.DecisionsPath("shop", "web");
                context.Response.StatusCode = found ? 200 : 404;
                var body = found ? JsonSerializer.SerializeToUtf8Bytes(reply, DecisionHistoryJson.Options) : Encoding.UTF8.GetBytes("horizontalpodautoscaler shop/nope not found");
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        });
        var member = new Uri($"http://127.0.0.1:{port}");

        var ok = await ExplainCommand.FetchAsync(member, "shop", "web", insecure: false, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Null(ok.Error);
        Assert.Equal(reply, ok.Reply);

        var missing = await ExplainCommand.FetchAsync(member, "shop", "nope", insecure: false, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal($"http://127.0.0.1:{port}/debug/hpas/shop/nope/decisions answered 404 Not Found: horizontalpodautoscaler shop/nope not found", missing.Error);
        await serving;

        server.Stop();
        var down = await ExplainCommand.FetchAsync(new Uri($"http://127.0.0.1:{FreePort()}"), "shop", "web", insecure: false, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.StartsWith("cannot reach http://127.0.0.1:", down.Error, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
