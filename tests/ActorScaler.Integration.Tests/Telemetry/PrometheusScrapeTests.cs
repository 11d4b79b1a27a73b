using ActorScaler.Hosting;
using ActorScaler.Integration.Tests.Controller;
using static ActorScaler.Integration.Tests.Controller.Scenario;

namespace ActorScaler.Integration.Tests.Telemetry;

/// <summary>A real Prometheus (Debian's package) scraping the members' /metrics: PromQL sees upstream's
/// reconciliation counter with upstream's labels, and the kubelet requests.</summary>
[Collection(ControllerCollection.Name)]
public sealed class PrometheusScrapeTests(ControllerFixture fixture)
{
    private readonly InProcessCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Prometheus_scrapes_the_members_and_promql_counts_reconciliations_and_kubelet_requests()
    {
        const string ns = "telemetry-prom";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "web", "100m", null));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                  namespace: {ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: web
                  minReplicas: 1
                  maxReplicas: 3
                  metrics:
                  - type: Resource
                    resource:
                      name: cpu
                      target:
                        type: Utilization
                        averageUtilization: 50
                """);
            var targets = _cluster.Members.Select(m => $"{m.ListenUri.Host}:{m.ListenUri.Port}").ToList();
            await using var prometheus = await PrometheusProcess.StartAsync(targets, TimeSpan.FromSeconds(30));

            var deadline = DateTimeOffset.UtcNow + Scenario.Patience;
            double reconciliations = 0, kubeletRequests = 0;
            while (DateTimeOffset.UtcNow < deadline && (reconciliations <= 0 || kubeletRequests <= 0))
            {
                await Task.Delay(1000);
                reconciliations = (await prometheus.QueryAsync("sum(horizontal_pod_autoscaler_controller_reconciliations_total)")).Sum(s => s.Value);
                kubeletRequests = (await prometheus.QueryAsync("sum(actorscaler_kubelet_requests_total{code=\"200\"})")).Sum(s => s.Value);
            }
            Assert.True(reconciliations > 0 && kubeletRequests > 0,
                $"PromQL saw reconciliations={reconciliations}, kubelet requests={kubeletRequests}; targets: {string.Join("; ", await prometheus.TargetHealthAsync())}");

            // Upstream's label set survives the exporter: action and error on every series.
            var series = await prometheus.QueryAsync("horizontal_pod_autoscaler_controller_reconciliations_total");
            Assert.All(series, s =>
            {
                Assert.Contains(s.Labels["action"], new[] { "scale_up", "scale_down", "none" });
                Assert.Contains(s.Labels["error"], new[] { "spec", "internal", "none" });
            });
            // The counts above may come from one member's scrape: a target Prometheus has not scraped yet
            // reports "unknown", so wait for every target's first scrape before checking their health.
            var expected = targets.Select(t => $"http://{t}/metrics up ").Order(StringComparer.Ordinal).ToList();
            var health = (await prometheus.TargetHealthAsync()).Order(StringComparer.Ordinal).ToList();
            while (DateTimeOffset.UtcNow < deadline && health.Any(h => h.EndsWith(" unknown ", StringComparison.Ordinal)))
            {
                await Task.Delay(500);
                health = (await prometheus.TargetHealthAsync()).Order(StringComparer.Ordinal).ToList();
            }
            Assert.Equal(expected, health);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }
}
