using System.Diagnostics;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Commands;
using ActorScaler.Hosting;
using ActorScaler.Integration.Tests.Controller;
using Spectre.Console;
using static ActorScaler.Integration.Tests.Controller.Scenario;

namespace ActorScaler.Integration.Tests.Telemetry;

/// <summary>
/// After a real scale-up on the two-member cluster: `explain` against the member that does not own the
/// HPA prints the owner's decision; the pass's span tree continues the spec change's trace; and a
/// request to one member's decisions endpoint is traced into the owning member's entity through the
/// actor message.
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class ExplainAndTraceTests : IDisposable
{
    private const string Ns = "telemetry-explain";
    private readonly InProcessCluster _cluster;
    private readonly List<Activity> _spans = [];
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name is ActorScalerTelemetry.Name or "Microsoft.AspNetCore",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
    };

    public ExplainAndTraceTests(ControllerFixture fixture)
    {
        _cluster = fixture.Cluster;
        _listener.ActivityStopped = activity =>
        {
            lock (_spans)
                _spans.Add(activity);
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    private List<Activity> Spans(Func<Activity, bool> where)
    {
        lock (_spans)
            return [.. _spans.Where(where)];
    }

    [Fact]
    public async Task After_a_scale_up_explain_from_any_member_shows_the_owners_steps_and_the_traces_cross_members()
    {
        CreateNamespace(_cluster, Ns);
        try
        {
            // 100m requested, 450m used: 450% against 50%, ratio 9, 1 -> 9, capped at maxReplicas 7.
            Apply(_cluster, Deployment(Ns, "web", "100m", null, new Dictionary<string, string> { [ActorScaler.Simulator.Load.LoadAnnotations.CpuDemand] = "450m" }));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                  namespace: {Ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: web
                  minReplicas: 1
                  maxReplicas: 7
                  metrics:
                  - type: Resource
                    resource:
                      name: cpu
                      target:
                        type: Utilization
                        averageUtilization: 50
                {FastBehavior}
                """);
            await WaitForHpaAsync(_cluster, Ns, "web", h => h.Status?.DesiredReplicas == 7);

            var owner = await _cluster.OwnerOfAsync($"{Ns}/web", TimeSpan.FromSeconds(10));
            Assert.NotNull(owner);
            var ownerIndex = _cluster.MemberIndexOf(owner.Member);
            var other = _cluster.Members[1 - ownerIndex];

            // explain, asking the member that does not own the HPA.
            var fetched = await ExplainCommand.FetchAsync(other.ListenUri, Ns, "web", insecure: false, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Null(fetched.Error);
            var reply = fetched.Reply!;
            Assert.Equal(owner.Member, reply.Member);
            var scaleUp = Assert.Single(reply.Records, r => r.ScaledTo == 7);
            Assert.Equal(("Rescale", "MaxReplicas", 7, 7), (scaleUp.Outcome, scaleUp.Limit, scaleUp.MaxReplicas, scaleUp.AfterClamp));
            Assert.True(scaleUp.Recommendation > 7, $"the metrics proposed {scaleUp.Recommendation}");
            var metric = Assert.Single(scaleUp.Metrics);
            Assert.Equal(("Resource", "50%", false), (metric.Type, metric.Target, metric.WithinTolerance));
            Assert.Equal(scaleUp.Recommendation, metric.ProposedReplicas);

            var writer = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer) });
            console.Profile.Width = 200;
            ExplainCommand.Render(console, reply);
            var text = writer.ToString();
            Assert.Contains($"{scaleUp.CurrentReplicas} -> 7 replicas  Rescale", text, StringComparison.Ordinal);
            Assert.Contains("capped at maxReplicas 7", text, StringComparison.Ordinal);
            Assert.Contains("written to /scale (7)", text, StringComparison.Ordinal);

            // The pass that wrote 7: a child of an inventory's spec-change span, with its metric and writes.
            var reconcile = Assert.Single(Spans(s => s.OperationName == ControllerTelemetry.ReconcileSpan && s.TraceId.ToHexString() == scaleUp.TraceId
                && (string?)s.GetTagItem("k8s.namespace.name") == Ns && (int?)s.GetTagItem("actorscaler.replicas.desired") == 7));
            Assert.Equal(owner.Member, reconcile.GetTagItem(ControllerTelemetry.MemberAttribute));
            var children = Spans(s => s.ParentSpanId == reconcile.SpanId && s.TraceId == reconcile.TraceId).Select(s => s.OperationName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["hpa.metric", "hpa.scale.write", "hpa.status.write"], children);
            var specChanges = Spans(s => s.OperationName == SpecChangeTracer.SpecChangeSpan && (string?)s.GetTagItem("actorscaler.hpa.key") == $"{Ns}/web");
            // The HPA's first pass acted on its creation: it continues a spec-change trace (later passes start
            // their own, from fresh metrics or the sync period).
            var first = Spans(s => s.OperationName == ControllerTelemetry.ReconcileSpan && (string?)s.GetTagItem("k8s.namespace.name") == Ns)
                .OrderBy(s => s.StartTimeUtc).First();
            var trigger = Assert.Single(specChanges, s => s.TraceId == first.TraceId);
            Assert.Equal(trigger.SpanId, first.ParentSpanId);
            // Each member's inventory saw the new HPA and started a trace; the owner acted on one of them.
            Assert.Equal(_cluster.Members.Count, specChanges.Select(s => s.GetTagItem(ControllerTelemetry.MemberAttribute)).Distinct().Count());

            // A traced request to the other member reaches the owner's entity through the shard region.
            var trace = ActivityTraceId.CreateRandom();
            using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri(other.ListenUri, TelemetryFeature.DecisionsPath(Ns, "web"))))
            {
                request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
                using var http = new HttpClient();
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (Spans(s => s.TraceId == trace && s.OperationName == HpaTelemetry.HistorySpan).Count == 0 && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            var history = Assert.Single(Spans(s => s.TraceId == trace && s.OperationName == HpaTelemetry.HistorySpan));
            Assert.Equal(owner.Member, history.GetTagItem(ControllerTelemetry.MemberAttribute));
            var server = Assert.Single(Spans(s => s.TraceId == trace && s.Source.Name == "Microsoft.AspNetCore"));
            Assert.Equal(server.SpanId, history.ParentSpanId);
            Assert.NotEqual(owner.Member, $"akka.tcp://actorscaler@127.0.0.1:{other.Options.Membership.Port}");
        }
        finally
        {
            await CleanUpAsync(_cluster, Ns);
        }
    }
}
