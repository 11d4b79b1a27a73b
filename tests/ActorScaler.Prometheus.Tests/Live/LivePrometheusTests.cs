using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Metrics;
using ActorScaler.Metrics.Custom;
using ActorScaler.Simulator.Load;

namespace ActorScaler.Prometheus.Tests.Live;

/// <summary>The provider against a real Prometheus scraping the simulator's pods, and the served APIs read
/// through the simulator's aggregation by kubectl and by the API-server provider.</summary>
[Collection(LivePrometheusCollection.Name)]
public sealed class LivePrometheusTests(LivePrometheusFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly PrometheusMetricsProvider _provider = fixture.Provider;

    [Fact]
    public async Task Pods_metric_from_a_rate_of_http_requests_total_follows_the_simulated_rps()
    {
        const string ns = "rps";
        Workload(ns, "web", replicas: 2, rps: "20");
        var pods = await PodsAsync(ns, "web", 2);

        // 20 rps spread over 2 Ready pods: 10 each, read as rate(...[5s]) from 1 s scrapes.
        var values = await EventuallyAsync(async () =>
        {
            var v = await _provider.GetPodsMetricAsync(ns, "http_requests_per_second", "app=web", pods, null, CancellationToken.None);
            return v.Count == 2 && v.All(x => x.ValueMilli is > 8_000 and < 12_000) ? v : null;
        }, "each pod's http_requests_per_second near 10");
        Assert.Equal(pods, values.Select(v => v.Pod).Order(StringComparer.Ordinal));
        Assert.All(values, v =>
        {
            Assert.Equal(TimeSpan.FromSeconds(5), v.Window);
            // The sample's own time (an instant query evaluates at "now"), not a time we made up later.
            Assert.InRange(v.Timestamp, DateTimeOffset.UtcNow.AddSeconds(-10), DateTimeOffset.UtcNow.AddSeconds(1));
        });

        Workload(ns, "web", replicas: 2, rps: "60");
        await EventuallyAsync(async () =>
        {
            var v = await _provider.GetPodsMetricAsync(ns, "http_requests_per_second", "app=web", pods, null, CancellationToken.None);
            return v.Count == 2 && v.All(x => x.ValueMilli is > 25_000 and < 35_000) ? v : null;
        }, "each pod's http_requests_per_second near 30 after the rps rose to 60");
    }

    [Fact]
    public async Task External_metric_returns_each_series_the_selector_matches_in_the_namespace()
    {
        fixture.Static.Set("queue_messages_ready{namespace=\"default\",queue=\"orders\"}", 30);
        fixture.Static.Set("queue_messages_ready{namespace=\"default\",queue=\"billing\"}", 12.5);
        fixture.Static.Set("queue_messages_ready{namespace=\"other\",queue=\"orders\"}", 99);
        var orders = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["queue"] = "orders" } };

        var value = await EventuallyAsync(async () =>
        {
            var v = await _provider.GetExternalMetricAsync("default", "queue_messages_ready", orders, CancellationToken.None);
            return v.Count == 1 && v[0].ValueMilli == 30_000 ? v[0] : null;
        }, "queue_messages_ready{queue=orders} in default = 30");
        // No range in the query: the window is one scrape, Prometheus's configured 1 s.
        Assert.Equal(TimeSpan.FromSeconds(1), value.Window);

        var all = await EventuallyAsync(async () =>
        {
            var v = await _provider.GetExternalMetricAsync("default", "queue_messages_ready", null, CancellationToken.None);
            return v.Count == 2 ? v : null;
        }, "both queues of default");
        Assert.Equal([12_500, 30_000], all.Select(v => v.ValueMilli).Order());
    }

    [Fact]
    public async Task Object_metric_on_a_service_is_the_series_of_that_service()
    {
        fixture.Static.Set("service_inflight_requests{namespace=\"default\",service=\"web\"}", 7.5);
        fixture.Static.Set("service_inflight_requests{namespace=\"default\",service=\"other\"}", 1);
        var web = new CrossVersionObjectReference { Kind = "Service", Name = "web", ApiVersion = "v1" };

        var value = await EventuallyAsync(async () =>
        {
            try
            {
                var v = await _provider.GetObjectMetricAsync("default", web, "service_inflight_requests", null, CancellationToken.None);
                return v.ValueMilli == 7_500 ? v : null;
            }
            catch (CustomMetricsException)
            {
                return null;
            }
        }, "service_inflight_requests of Service default/web = 7.5");
        Assert.Equal(TimeSpan.FromSeconds(1), value.Window);

        var missing = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            _provider.GetObjectMetricAsync("default", web with { Name = "absent" }, "service_inflight_requests", null, CancellationToken.None));
        Assert.StartsWith($"{_provider.Name}: no value of metric \"service_inflight_requests\" for service default/absent: the query of rules[1]", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_query_prometheus_rejects_fails_naming_the_rule_and_the_hpa_metric()
    {
        fixture.Static.Set("broken_requests_total{namespace=\"default\",pod=\"p-1\"}", 1);
        var error = await EventuallyAsync(async () =>
        {
            try
            {
                await _provider.GetPodsMetricAsync("default", "broken_requests_total", "", ["p-1"], null, CancellationToken.None);
                return null;
            }
            catch (CustomMetricsException ex) when (!CustomMetricsErrors.IsNotFound(ex))
            {
                return ex;
            }
            catch (CustomMetricsException)
            {
                return null;
            }
        }, "the broken rule's series discovered");
        Assert.StartsWith($"{_provider.Name} rejected the query for metric \"broken_requests_total\" of rules[2] (seriesQuery \"broken_requests_total{{namespace!=\\\"\\\",pod!=\\\"\\\"}}\"): bad_data: ",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("parse error", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(query: sum(rate(broken_requests_total{namespace=\"default\",pod=\"p-1\"}[5s]) by (pod))", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_metric_no_rule_matches_is_named_with_the_rules_file()
    {
        var error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            _provider.GetPodsMetricAsync("default", "queue_length", "", ["p-1"], null, CancellationToken.None));
        Assert.StartsWith($"no rule in {fixture.RulesFile} matches metric \"queue_length\" for pods (discovered: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_prometheus_fails_naming_the_backend_and_recovers_when_it_returns()
    {
        fixture.Static.Set("queue_messages_ready{namespace=\"outage\",queue=\"jobs\"}", 4);
        await EventuallyAsync(async () =>
        {
            var v = await _provider.GetExternalMetricAsync("outage", "queue_messages_ready", null, CancellationToken.None);
            return v.Count == 1 ? v : null;
        }, "queue_messages_ready in outage");

        await fixture.Prometheus.StopAsync();
        try
        {
            var error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
                _provider.GetExternalMetricAsync("outage", "queue_messages_ready", null, CancellationToken.None));
            Assert.StartsWith($"prometheus {fixture.Prometheus.Url.AbsoluteUri.TrimEnd('/')}: unreachable: Connection refused", error.Message, StringComparison.Ordinal);
            Assert.EndsWith("(querying metric \"queue_messages_ready\" of externalRules[0] (seriesQuery \"{__name__=\\\"queue_messages_ready\\\",queue!=\\\"\\\"}\"))", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Prometheus.StartAgainAsync();
        }
        var back = await EventuallyAsync(async () =>
        {
            try
            {
                var v = await _provider.GetExternalMetricAsync("outage", "queue_messages_ready", null, CancellationToken.None);
                return v.Count == 1 ? v : null;
            }
            catch (CustomMetricsException)
            {
                return null;
            }
        }, "queue_messages_ready after Prometheus came back");
        Assert.Equal(4_000, back[0].ValueMilli);
    }

    [Fact]
    public async Task Served_apis_read_with_kubectl_through_the_aggregation_layer()
    {
        const string ns = "served";
        Workload(ns, "api", replicas: 1, rps: "10");
        var pod = Assert.Single(await PodsAsync(ns, "api", 1));
        fixture.Static.Set("queue_messages_ready{namespace=\"served\",queue=\"orders\"}", 1204);
        fixture.Static.Set("service_inflight_requests{namespace=\"served\",service=\"api\"}", 3);

        var discovery = await EventuallyAsync(async () =>
        {
            var d = await KubectlJsonAsync("/apis/custom.metrics.k8s.io/v1beta2");
            var names = d["resources"]!.AsArray().Select(r => (string?)r!["name"]).ToList();
            return names.Contains("pods/http_requests_per_second") && names.Contains("services/service_inflight_requests") ? d : null;
        }, "pods/http_requests_per_second and services/service_inflight_requests in discovery");
        Assert.Equal("custom.metrics.k8s.io/v1beta2", (string?)discovery["groupVersion"]);
        Assert.Contains(discovery["resources"]!.AsArray(), r => (string?)r!["name"] == "namespaces/http_requests_per_second" && (bool?)r["namespaced"] == false);
        Assert.Contains(discovery["resources"]!.AsArray(), r => (string?)r!["name"] == "services/service_inflight_requests" && (string?)r["kind"] == "MetricValueList");

        var list = await EventuallyAsync(async () =>
        {
            var l = await KubectlJsonAsync($"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/pods/*/http_requests_per_second?labelSelector=app%3Dapi");
            return l["items"]!.AsArray().Count == 1 && Value(l["items"]![0]!) is > 8 and < 12 ? l : null;
        }, "kubectl get --raw of the pods metric near 10");
        Assert.Equal("MetricValueList", (string?)list["kind"]);
        var item = list["items"]![0]!;
        Assert.Equal("""{"kind":"Pod","namespace":"served","name":"POD","apiVersion":"/v1"}""".Replace("POD", pod, StringComparison.Ordinal), item["describedObject"]!.ToJsonString());
        Assert.Equal("""{"name":"http_requests_per_second","selector":null}""", item["metric"]!.ToJsonString());
        Assert.Equal(5, (int?)item["windowSeconds"]);

        var external = await EventuallyAsync(async () =>
        {
            var e = await KubectlJsonAsync($"/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/queue_messages_ready?labelSelector=queue%3Dorders");
            return e["items"]!.AsArray().Count == 1 ? e : null;
        }, "kubectl get --raw of the external metric");
        var series = external["items"]![0]!;
        Assert.Equal("queue_messages_ready", (string?)series["metricName"]);
        Assert.Equal("orders", (string?)series["metricLabels"]!["queue"]);
        Assert.Equal("1204", (string?)series["value"]);
        Assert.Equal(1, (int?)series["window"]);

        var notFound = await KubectlAsync("get", "--raw", $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/{ns}/pods/*/nope_per_second");
        Assert.NotEqual(0, notFound.ExitCode);
        Assert.Contains($"Error from server (NotFound): no rule in {fixture.RulesFile} matches metric \"nope_per_second\" for pods", notFound.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_server_provider_reads_the_served_apis_through_the_simulator()
    {
        const string ns = "through";
        Workload(ns, "web", replicas: 1, rps: "10");
        var pod = Assert.Single(await PodsAsync(ns, "web", 1));
        fixture.Static.Set("queue_messages_ready{namespace=\"through\",queue=\"orders\"}", 8);
        fixture.Static.Set("service_inflight_requests{namespace=\"through\",service=\"web\"}", 2.25);
        using var client = KubernetesClientFactory.Create(new KubernetesConnection(fixture.Cluster.KubeconfigPath, false, "actorscaler-test"));
        var provider = new ApiServerCustomMetricsProvider(client);

        var pods = await EventuallyAsync(async () =>
        {
            try
            {
                var v = await provider.GetPodsMetricAsync(ns, "http_requests_per_second", "app=web", [], null, CancellationToken.None);
                return v.Count == 1 && v[0].ValueMilli is > 8_000 and < 12_000 ? v : null;
            }
            catch (CustomMetricsException)
            {
                return null;
            }
        }, "the pods metric through the API server");
        Assert.Equal(pod, pods[0].Pod);
        Assert.Equal(TimeSpan.FromSeconds(5), pods[0].Window);

        var external = await EventuallyAsync(async () =>
        {
            var v = await provider.GetExternalMetricAsync(ns, "queue_messages_ready", new LabelSelector { MatchLabels = new Dictionary<string, string> { ["queue"] = "orders" } }, CancellationToken.None);
            return v.Count == 1 ? v : null;
        }, "the external metric through the API server");
        Assert.Equal(8_000, external[0].ValueMilli);

        var service = await EventuallyAsync(async () =>
        {
            try
            {
                return await provider.GetObjectMetricAsync(ns, new CrossVersionObjectReference { Kind = "Service", Name = "web", ApiVersion = "v1" }, "service_inflight_requests", null, CancellationToken.None);
            }
            catch (CustomMetricsException)
            {
                return null;
            }
        }, "the Service metric through the API server");
        Assert.Equal(2_250, service.ValueMilli);

        var missing = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            provider.GetExternalMetricAsync(ns, "no_such_queue", null, CancellationToken.None));
        Assert.StartsWith($"no externalRules entry in {fixture.RulesFile} matches external metric \"no_such_queue\"", missing.Message, StringComparison.Ordinal);
    }

    private void Workload(string ns, string name, int replicas, string rps) => fixture.Apply($"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
          annotations:
            {LoadAnnotations.RequestsPerSecond}: "{rps}"
            {LoadAnnotations.ReadyAfter}: "1s"
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: app
                image: registry.k8s.io/hpa-example
        """);

    private async Task<IReadOnlyList<string>> PodsAsync(string ns, string app, int count) =>
        await EventuallyAsync(() =>
        {
            var pods = fixture.PodNames(ns, Selector.Parse($"app={app}"));
            var served = fixture.Cluster.Workloads!.PodEndpoints.Targets().Where(t => t.Namespace == ns).Select(t => t.Pod).ToHashSet();
            return Task.FromResult<IReadOnlyList<string>?>(pods.Count == count && pods.All(served.Contains) ? pods : null);
        }, $"{count} pods of {ns}/{app} with /metrics endpoints");

    private static double Value(JsonNode item) =>
        Quantity.TryParse((string?)item["value"], out var q, out _) ? q.MilliValue() / 1000.0 : double.NaN;

    private async Task<JsonNode> KubectlJsonAsync(string path)
    {
        var result = await KubectlAsync("get", "--raw", path);
        return result.ExitCode == 0
            ? JsonNode.Parse(result.Stdout)!
            : throw new InvalidOperationException($"kubectl get --raw {path}: exit {result.ExitCode}: {result.Stderr}");
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(params string[] args)
    {
        var info = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        info.Environment["KUBECONFIG"] = fixture.Cluster.KubeconfigPath;
        info.Environment["KUBECACHEDIR"] = Path.Combine(fixture.Directory, "kubectl-cache");
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Polls until <paramref name="attempt"/> gives a value; fails naming what was awaited.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> attempt, string what) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await attempt() is { } value)
                    return value;
            }
            catch (Exception ex) when (ex is CustomMetricsException or InvalidOperationException)
            {
                last = ex;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what}: not within {Patience.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s" + (last is null ? "" : $"; last error: {last.Message}"));
            await Task.Delay(250);
        }
    }
}
