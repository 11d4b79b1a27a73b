using ActorScaler.Core.Spec;
using ActorScaler.Hosting;
using ActorScaler.Simulator.Load;
using k8s;
using k8s.Models;
using static ActorScaler.Integration.Tests.Controller.Scenario;

namespace ActorScaler.Integration.Tests.Prometheus;

/// <summary>Pods, Object and External metrics end to end: Prometheus scrapes the simulated pods, the member's
/// Prometheus provider queries it through the rules file, the HPA entity scales the Deployment.</summary>
[Collection(PrometheusControllerCollection.Name)]
public sealed class PrometheusScenarioTests(PrometheusControllerFixture fixture)
{
    private readonly InProcessCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Pods_metric_http_requests_per_second_scales_with_the_simulated_rps_and_back()
    {
        const string ns = "prom-pods";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "web", null, null, new Dictionary<string, string>
            {
                [LoadAnnotations.RequestsPerSecond] = "5",
                [LoadAnnotations.ReadyAfter] = "1s",
            }));
            Apply(_cluster, Hpa(ns, "web", minReplicas: 1, maxReplicas: 8, """
                  - type: Pods
                    pods:
                      metric:
                        name: http_requests_per_second
                      target:
                        type: AverageValue
                        averageValue: "10"
                """));
            // 5 rps on one pod: half the target, one replica.
            var idle = await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentMetrics?.FirstOrDefault()?.Pods?.Current?.AverageValue is not null);
            Assert.Equal(1, idle.Status.CurrentReplicas);
            Assert.Equal("http_requests_per_second", idle.Status.CurrentMetrics[0].Pods.Metric.Name);

            // 40 rps at 10 per pod: four replicas, which then each serve the target.
            await SetLoadAsync(_cluster, ns, "web", new Dictionary<string, string?> { [LoadAnnotations.RequestsPerSecond] = "40" });
            var scaled = await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentReplicas == 4 && h.Status.DesiredReplicas == 4);
            Assert.Equal("True", Condition(scaled, HpaConditionType.ScalingActive)?.Status);
            Assert.Equal(4, (await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);

            await SetLoadAsync(_cluster, ns, "web", new Dictionary<string, string?> { [LoadAnnotations.RequestsPerSecond] = "5" });
            await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentReplicas == 1 && h.Status.DesiredReplicas == 1);
            var events = await EventsAsync(_cluster, ns, "web");
            Assert.Contains(events, e => e.Reason == "SuccessfulRescale" && e.Message.EndsWith("reason: pods metric http_requests_per_second above target", StringComparison.Ordinal));
            Assert.Contains(events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 1; reason: All metrics below target");
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task External_metric_with_a_value_target_scales_by_the_ratio_and_with_an_average_value_target_by_the_total()
    {
        const string ns = "prom-external";
        CreateNamespace(_cluster, ns);
        try
        {
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"by-value\"}}", 0);
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"by-average\"}}", 0);
            Apply(_cluster, Deployment(ns, "value", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            Apply(_cluster, Deployment(ns, "average", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            Apply(_cluster, Hpa(ns, "value", minReplicas: 1, maxReplicas: 3, External("by-value", "type: Value\nvalue: \"10\"")));
            Apply(_cluster, Hpa(ns, "average", minReplicas: 1, maxReplicas: 10, External("by-average", "type: AverageValue\naverageValue: \"10\"")));
            await WaitForHpaAsync(_cluster, ns, "value", h => h.Status?.CurrentMetrics?.FirstOrDefault()?.External?.Current?.Value is not null);

            // Value: 30 against 10 on one ready pod asks for 3; with the queue unchanged it would keep
            // multiplying, so the maximum holds it.
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"by-value\"}}", 30);
            // AverageValue: 50 in total at 10 per replica is 5, however many replicas there are.
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"by-average\"}}", 50);
            var byValue = await WaitForHpaAsync(_cluster, ns, "value", h => h.Status?.CurrentReplicas == 3);
            Assert.Equal(30, byValue.Status.CurrentMetrics[0].External.Current.Value.ToDouble());
            var events = await EventsAsync(_cluster, ns, "value");
            Assert.Contains(events, e => e.Reason == "SuccessfulRescale" && e.Message.StartsWith("New size: 3; reason: external metric queue_messages_ready", StringComparison.Ordinal));
            // The reported average divides by the scale's status.replicas, which lags while pods are created:
            // wait for all five.
            await WaitForHpaAsync(_cluster, ns, "average", h => h.Status?.CurrentReplicas == 5 && h.Status.DesiredReplicas == 5
                && h.Status.CurrentMetrics?.FirstOrDefault()?.External?.Current?.AverageValue?.ToDouble() == 10);

            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"by-average\"}}", 20);
            await WaitForHpaAsync(_cluster, ns, "average", h => h.Status?.CurrentReplicas == 2 && h.Status.DesiredReplicas == 2);
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"by-value\"}}", 0);
            await WaitForHpaAsync(_cluster, ns, "value", h => h.Status?.CurrentReplicas == 1 && h.Status.DesiredReplicas == 1);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task Object_metric_on_a_service_scales_the_deployment_behind_it()
    {
        const string ns = "prom-object";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, $"""
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  namespace: {ns}
                spec:
                  selector: {"{"}app: web{"}"}
                  ports: [{"{"}port: 80{"}"}]
                """);
            fixture.Static.Set($"service_inflight_requests{{namespace=\"{ns}\",service=\"web\"}}", 2);
            Apply(_cluster, Deployment(ns, "web", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            Apply(_cluster, Hpa(ns, "web", minReplicas: 1, maxReplicas: 6, """
                  - type: Object
                    object:
                      describedObject:
                        apiVersion: v1
                        kind: Service
                        name: web
                      metric:
                        name: service_inflight_requests
                      target:
                        type: AverageValue
                        averageValue: "5"
                """));
            var idle = await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentMetrics?.FirstOrDefault()?.ObjectProperty?.Current?.AverageValue is not null);
            Assert.Equal(1, idle.Status.CurrentReplicas);
            // Upstream's AverageValue object status names the metric only (no describedObject); kept for parity.
            Assert.Equal("service_inflight_requests", idle.Status.CurrentMetrics[0].ObjectProperty.Metric.Name);

            fixture.Static.Set($"service_inflight_requests{{namespace=\"{ns}\",service=\"web\"}}", 15);
            await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentReplicas == 3 && h.Status.DesiredReplicas == 3);
            var events = await EventsAsync(_cluster, ns, "web");
            Assert.Contains(events, e => e.Reason == "SuccessfulRescale" && e.Message.StartsWith("New size: 3; reason: ", StringComparison.Ordinal)
                // Upstream's AverageValue object path names itself "external metric NAME(selector)".
                && e.Message.Contains("external metric service_inflight_requests(", StringComparison.Ordinal)
                && e.Message.EndsWith(" above target", StringComparison.Ordinal));
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task Prometheus_outage_holds_the_replicas_with_the_condition_set_and_recovers_when_it_returns()
    {
        const string ns = "prom-outage";
        CreateNamespace(_cluster, ns);
        try
        {
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"jobs\"}}", 40);
            Apply(_cluster, Deployment(ns, "worker", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            Apply(_cluster, Hpa(ns, "worker", minReplicas: 1, maxReplicas: 10, External("jobs", "type: AverageValue\naverageValue: \"10\""), stalenessBudget: "3s"));
            await WaitForHpaAsync(_cluster, ns, "worker", h => h.Status?.CurrentReplicas == 4 && h.Status.DesiredReplicas == 4);

            await fixture.Prometheus.StopAsync();
            try
            {
                // Past the 3 s budget the metric fails: upstream's rules keep the replicas instead of
                // scaling to the minimum (kubernetes #104387), and the condition says why.
                var failed = await WaitForHpaAsync(_cluster, ns, "worker", h => Condition(h, HpaConditionType.ScalingActive)?.Status == "False");
                var active = Condition(failed, HpaConditionType.ScalingActive)!;
                Assert.Equal("FailedGetExternalMetric", active.Reason);
                Assert.Contains("staleness budget", active.Message, StringComparison.Ordinal);
                Assert.Contains($"prometheus {fixture.Prometheus.Url.AbsoluteUri.TrimEnd('/')}", active.Message, StringComparison.Ordinal);
                await Task.Delay(TimeSpan.FromSeconds(3));
                var held = await ReadHpaAsync(_cluster, ns, "worker");
                Assert.Equal(4, held.Status.CurrentReplicas);
                Assert.Equal(4, (await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("worker", ns)).Spec.Replicas);
            }
            finally
            {
                await fixture.Prometheus.StartAgainAsync();
            }

            var recovered = await WaitForHpaAsync(_cluster, ns, "worker", h => Condition(h, HpaConditionType.ScalingActive)?.Status == "True");
            Assert.Equal(4, recovered.Status.CurrentReplicas);
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"jobs\"}}", 20);
            await WaitForHpaAsync(_cluster, ns, "worker", h => h.Status?.CurrentReplicas == 2);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task External_metric_at_zero_scales_to_zero_with_min_replicas_0_and_back_when_it_rises()
    {
        const string ns = "prom-zero";
        CreateNamespace(_cluster, ns);
        try
        {
            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"idle\"}}", 0);
            Apply(_cluster, Deployment(ns, "consumer", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            // A Percent policy alone cannot leave zero (a percentage of 0 pods is 0, as upstream computes
            // it), so this HPA also allows 5 pods per second, as upstream's default adds 4 pods per 15 s.
            Apply(_cluster, Hpa(ns, "consumer", minReplicas: 0, maxReplicas: 5, External("idle", "type: AverageValue\naverageValue: \"10\""), behavior: FromZeroBehavior));

            // status.currentReplicas is omitempty: at zero it is absent.
            var zero = await WaitForHpaAsync(_cluster, ns, "consumer", h => h.Status?.DesiredReplicas == 0 && Condition(h, HpaConditionType.ScaledToZero)?.Status == "True");
            Assert.Equal("ScaledToZero", Condition(zero, HpaConditionType.ScaledToZero)!.Reason);
            Assert.Equal(0, (await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("consumer", ns)).Spec.Replicas);

            fixture.Static.Set($"queue_messages_ready{{namespace=\"{ns}\",queue=\"idle\"}}", 25);
            var woke = await WaitForHpaAsync(_cluster, ns, "consumer", h => h.Status?.CurrentReplicas == 3 && h.Status.DesiredReplicas == 3);
            Assert.Equal("False", Condition(woke, HpaConditionType.ScaledToZero)?.Status);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task Bad_rules_show_in_the_hpa_condition_naming_the_rule_and_the_metric()
    {
        const string ns = "prom-bad-rules";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "unknown", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            Apply(_cluster, Deployment(ns, "broken", null, null, new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = "1s" }));
            Apply(_cluster, Hpa(ns, "unknown", minReplicas: 1, maxReplicas: 3, PodsMetric("requests_per_minute")));
            Apply(_cluster, Hpa(ns, "broken", minReplicas: 1, maxReplicas: 3, PodsMetric("broken_requests_total")));
            // The broken rule's series: one per pod of the broken deployment, so discovery serves the metric.
            var deadline = DateTime.UtcNow + Patience;
            V1PodList pods;
            while ((pods = await _cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=broken")).Items.Count == 0 && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            var pod = pods.Items.Single().Metadata.Name;
            fixture.Static.Set($"broken_requests_total{{namespace=\"{ns}\",pod=\"{pod}\"}}", 1);

            var unknown = await WaitForHpaAsync(_cluster, ns, "unknown", h => Condition(h, HpaConditionType.ScalingActive)?.Status == "False");
            var unknownCondition = Condition(unknown, HpaConditionType.ScalingActive)!;
            Assert.Equal("FailedGetPodsMetric", unknownCondition.Reason);
            Assert.Contains($"no rule in {fixture.RulesFile} matches metric \"requests_per_minute\" for pods", unknownCondition.Message, StringComparison.Ordinal);

            var broken = await WaitForHpaAsync(_cluster, ns, "broken",
                h => Condition(h, HpaConditionType.ScalingActive)?.Message?.Contains("rejected the query", StringComparison.Ordinal) == true);
            var brokenCondition = Condition(broken, HpaConditionType.ScalingActive)!;
            Assert.Equal("False", brokenCondition.Status);
            Assert.Contains("rejected the query for metric \"broken_requests_total\" of rules[2]", brokenCondition.Message, StringComparison.Ordinal);
            Assert.Contains("bad_data", brokenCondition.Message, StringComparison.Ordinal);
            Assert.Equal(1, broken.Status.CurrentReplicas);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    private static string PodsMetric(string name) => $"""
          - type: Pods
            pods:
              metric:
                name: {name}
              target:
                type: AverageValue
                averageValue: "10"
        """;

    [Fact]
    public async Task The_member_serves_the_custom_and_external_metrics_apis_on_its_listener()
    {
        fixture.Static.Set("queue_messages_ready{namespace=\"prom-served\",queue=\"mail\"}", 17);
        using var http = new HttpClient { BaseAddress = _cluster.Members[0].ListenUri, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + Patience;
        string body;
        while (true)
        {
            // 404 NotFound until discovery has seen the new series.
            using var response = await http.GetAsync(new Uri("/apis/external.metrics.k8s.io/v1beta1/namespaces/prom-served/queue_messages_ready?labelSelector=queue%3Dmail", UriKind.Relative));
            body = await response.Content.ReadAsStringAsync();
            if (body.Contains("\"value\":\"17\"", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(250);
        }
        var list = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        Assert.Equal("ExternalMetricValueList", (string?)list["kind"]);
        Assert.Equal("mail", (string?)list["items"]![0]!["metricLabels"]!["queue"]);
        Assert.Equal("17", (string?)list["items"]![0]!["value"]);

        var discovery = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri("/apis/external.metrics.k8s.io/v1beta1", UriKind.Relative)))!;
        Assert.Contains(discovery["resources"]!.AsArray(), r => (string?)r!["name"] == "queue_messages_ready" && (string?)r["kind"] == "ExternalMetricValueList");
        var custom = await http.GetAsync(new Uri("/apis/custom.metrics.k8s.io/v1beta2/namespaces/prom-served/pods/*/nope_per_second", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, custom.StatusCode);
    }

    private static string External(string queue, string target) => $"""
          - type: External
            external:
              metric:
                name: queue_messages_ready
                selector:
                  matchLabels:
                    queue: {queue}
              target:
                {target.Replace("\n", "\n        ", StringComparison.Ordinal)}
        """;

    private const string FromZeroBehavior = """
          behavior:
            scaleUp:
              stabilizationWindowSeconds: 0
              policies:
              - type: Percent
                value: 900
                periodSeconds: 1
              - type: Pods
                value: 5
                periodSeconds: 1
            scaleDown:
              stabilizationWindowSeconds: 2
              policies:
              - type: Percent
                value: 100
                periodSeconds: 1
        """;

    private static string Hpa(string ns, string name, int minReplicas, int maxReplicas, string metrics, string? stalenessBudget = null, string? behavior = null) => $"""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: {name}
          namespace: {ns}
        {(stalenessBudget is null ? "" : $"  annotations:\n    autoscaling.actorscaler.io/metric-staleness-budget: \"{stalenessBudget}\"\n")}spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: {name}
          minReplicas: {minReplicas}
          maxReplicas: {maxReplicas}
          metrics:
        {metrics}
        {behavior ?? FastBehavior}
        """;
}
