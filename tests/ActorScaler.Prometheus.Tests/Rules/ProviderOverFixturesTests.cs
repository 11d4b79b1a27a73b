using System.Net;
using System.Text;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;
using ActorScaler.Prometheus.Client;
using ActorScaler.Prometheus.Rules;
using ActorScaler.Prometheus.Tests.Support;

namespace ActorScaler.Prometheus.Tests.Rules;

/// <summary>The provider over Prometheus's recorded answers (the shared fixtures): the request it makes,
/// how it reads the answer, and its messages. The same paths run against a real Prometheus in Live/.</summary>
public sealed class ProviderOverFixturesTests
{
    private static readonly string RulesFile = Fixtures.Path("prometheus-adapter-config.yaml");
    private static readonly string[] FixturePods = ["web-7d9c8b6f5-abcde", "web-7d9c8b6f5-klmno"];

    [Fact]
    public async Task Pods_values_carry_the_sample_time_and_the_rate_window()
    {
        var http = new RecordedPrometheus { Query = (HttpStatusCode.OK, Fixtures.Read("prometheus-api-v1-query-vector.json")) };
        using var provider = Provider(http);

        var values = await provider.GetPodsMetricAsync("default", "http_requests_per_second", "app=web", FixturePods, null, CancellationToken.None);

        Assert.Equal("sum(rate(http_requests_total{namespace=\"default\",pod=~\"web-7d9c8b6f5-abcde|web-7d9c8b6f5-klmno\"}[2m])) by (pod)", http.Queries.Single());
        var sampleTime = DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_025_117);
        Assert.Equal(
            [new PodCustomMetricValue("web-7d9c8b6f5-abcde", 16_500, sampleTime, TimeSpan.FromMinutes(2)), new PodCustomMetricValue("web-7d9c8b6f5-klmno", 22_000, sampleTime, TimeSpan.FromMinutes(2))],
            values);
        // Discovery looked back the relist interval (the adapter's default max age).
        Assert.Equal(["http_requests_total{namespace!=\"\",pod!=\"\"}", "nginx_ingress_controller_requests{namespace!=\"\",ingress!=\"\"}", "{__name__=\"rabbitmq_queue_messages_ready\",queue!=\"\"}"], http.SeriesMatches);
    }

    [Fact]
    public async Task Pods_outside_the_asked_names_are_left_out()
    {
        var http = new RecordedPrometheus { Query = (HttpStatusCode.OK, Fixtures.Read("prometheus-api-v1-query-vector.json")) };
        using var provider = Provider(http);
        var values = await provider.GetPodsMetricAsync("default", "http_requests_per_second", "app=web", ["web-7d9c8b6f5-klmno"], null, CancellationToken.None);
        Assert.Equal("web-7d9c8b6f5-klmno", Assert.Single(values).Pod);
    }

    [Fact]
    public async Task A_query_prometheus_rejects_names_the_backend_the_rule_the_metric_and_the_query()
    {
        var http = new RecordedPrometheus { Query = (HttpStatusCode.BadRequest, Fixtures.Read("prometheus-api-v1-query-error.json")) };
        using var provider = Provider(http);

        var error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            provider.GetPodsMetricAsync("default", "http_requests_per_second", "app=web", FixturePods, null, CancellationToken.None));

        Assert.Equal("prometheus http://prometheus.test:9090 rejected the query for metric \"http_requests_per_second\" of rules[0] (seriesQuery \"http_requests_total{namespace!=\\\"\\\",pod!=\\\"\\\"}\"): "
            + "bad_data: invalid parameter \"query\": 1:29: parse error: unexpected \"}\" "
            + "(query: sum(rate(http_requests_total{namespace=\"default\",pod=~\"web-7d9c8b6f5-abcde|web-7d9c8b6f5-klmno\"}[2m])) by (pod))", error.Message);
    }

    [Fact]
    public async Task A_metric_no_rule_discovered_is_not_found_with_what_was_discovered()
    {
        var http = new RecordedPrometheus();
        using var provider = Provider(http);

        var error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            provider.GetPodsMetricAsync("default", "requests_per_second", "app=web", FixturePods, null, CancellationToken.None));

        Assert.Equal($"no rule in {RulesFile} matches metric \"requests_per_second\" for pods (discovered: http_requests_per_second)", error.Message);
        Assert.True(CustomMetricsErrors.IsNotFound(error));
        var external = await Assert.ThrowsAsync<CustomMetricsException>(() => provider.GetExternalMetricAsync("default", "queue_messages_ready", null, CancellationToken.None));
        Assert.Equal($"no externalRules entry in {RulesFile} matches external metric \"queue_messages_ready\" (no series discovered for it)", external.Message);
    }

    [Fact]
    public async Task A_miss_rediscovers_at_most_once_per_miss_interval_so_a_metric_that_appears_later_is_found()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var http = new RecordedPrometheus();
        using var provider = new PrometheusMetricsProvider(new PrometheusClient(new Uri("http://prometheus.test:9090"), TimeSpan.FromSeconds(5), http),
            RulesLoader.LoadFile(RulesFile), new PrometheusProviderOptions { RelistInterval = TimeSpan.FromMinutes(1), MissRelistInterval = TimeSpan.FromSeconds(5) }, time);
        int Discoveries() => http.SeriesMatches.Count(m => m.StartsWith("http_requests_total", StringComparison.Ordinal));

        await Assert.ThrowsAsync<CustomMetricsException>(() => provider.GetPodsMetricAsync("default", "requests_per_second", "", FixturePods, null, CancellationToken.None));
        await Assert.ThrowsAsync<CustomMetricsException>(() => provider.GetPodsMetricAsync("default", "requests_per_second", "", FixturePods, null, CancellationToken.None));
        Assert.Equal(1, Discoveries());

        time.Advance(TimeSpan.FromSeconds(6));
        await Assert.ThrowsAsync<CustomMetricsException>(() => provider.GetPodsMetricAsync("default", "requests_per_second", "", FixturePods, null, CancellationToken.None));
        Assert.Equal(2, Discoveries());
        // A known metric does not rediscover before the relist interval.
        await provider.GetPodsMetricAsync("default", "http_requests_per_second", "", FixturePods, null, CancellationToken.None);
        Assert.Equal(2, Discoveries());
        time.Advance(TimeSpan.FromMinutes(1));
        await provider.GetPodsMetricAsync("default", "http_requests_per_second", "", FixturePods, null, CancellationToken.None);
        Assert.Equal(3, Discoveries());
    }

    [Fact]
    public async Task An_unreachable_prometheus_is_named_as_the_backend()
    {
        using var client = new PrometheusClient(new Uri("http://127.0.0.1:1"), TimeSpan.FromSeconds(2));
        using var provider = new PrometheusMetricsProvider(client, RulesLoader.LoadFile(RulesFile));

        var error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            provider.GetExternalMetricAsync("default", "queue_messages_ready", null, CancellationToken.None));

        Assert.StartsWith("prometheus http://127.0.0.1:1: unreachable: Connection refused", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"(discovering the series of the rules in {RulesFile})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_range_the_window_is_prometheus_scrape_interval_and_nan_fails_an_external_metric()
    {
        var rules = RulesLoader.Load("""
            externalRules:
            - seriesQuery: '{__name__="queue_depth"}'
              resources: {namespaced: false}
              metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
            """, "rules.yaml");
        var http = new RecordedPrometheus
        {
            Series = """{"status":"success","data":[{"__name__":"queue_depth","queue":"orders"}]}""",
            Query = (HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"queue":"orders"},"value":[1750000000,"12.3456"]}]}}"""),
        };
        using var client = new PrometheusClient(new Uri("http://prometheus.test:9090"), TimeSpan.FromSeconds(5), http);
        using var provider = new PrometheusMetricsProvider(client, rules);

        var value = Assert.Single(await provider.GetExternalMetricAsync("default", "queue_depth", new LabelSelector { MatchLabels = new Dictionary<string, string> { ["queue"] = "orders" } }, CancellationToken.None));
        Assert.Equal(new CustomMetricValue(12_345, DateTimeOffset.FromUnixTimeSeconds(1_750_000_000), TimeSpan.FromSeconds(15)), value);
        Assert.Equal("sum(queue_depth{queue=\"orders\"}) by (queue)", http.Queries.Single());

        http.Query = (HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1750000000,"NaN"]}]}}""");
        var error = await Assert.ThrowsAsync<CustomMetricsException>(() => provider.GetExternalMetricAsync("default", "queue_depth", null, CancellationToken.None));
        Assert.Equal("the query for metric \"queue_depth\" of externalRules[0] (seriesQuery \"{__name__=\\\"queue_depth\\\"}\") returned NaN, not a number to scale on (query: sum(queue_depth{}) by (queue))", error.Message);

        http.Query = (HttpStatusCode.OK, """{"status":"success","data":{"resultType":"matrix","result":[]}}""");
        error = await Assert.ThrowsAsync<CustomMetricsException>(() => provider.GetExternalMetricAsync("default", "queue_depth", null, CancellationToken.None));
        Assert.StartsWith("the query for metric \"queue_depth\" of externalRules[0] (seriesQuery \"{__name__=\\\"queue_depth\\\"}\") returned a matrix, not an instant vector", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_lists_each_metric_for_the_resources_its_series_carry()
    {
        var http = new RecordedPrometheus();
        using var provider = Provider(http);
        var metrics = await provider.ListCustomMetricsAsync(CancellationToken.None);
        Assert.Equal(
            [new CustomMetricInfo("namespaces", "http_requests_per_second", false), new CustomMetricInfo("pods", "http_requests_per_second", true)],
            metrics);
    }

    [Fact]
    public async Task Prometheus_answers_that_are_not_its_api_are_reported_with_the_status()
    {
        var http = new RecordedPrometheus { Query = (HttpStatusCode.BadGateway, "<html>bad gateway</html>") };
        using var client = new PrometheusClient(new Uri("http://prometheus.test:9090/prefix"), TimeSpan.FromSeconds(5), http);
        var error = await Assert.ThrowsAsync<PrometheusApiException>(() => client.QueryAsync("up", null, CancellationToken.None));
        Assert.Equal("prometheus http://prometheus.test:9090/prefix: /api/v1/query answered HTTP 502 Bad Gateway that is not Prometheus's API JSON: <html>bad gateway</html>", error.Message);
        Assert.True(error.Unreachable);
        Assert.Equal("/prefix/api/v1/query", http.Paths.Last());
    }

    private static PrometheusMetricsProvider Provider(RecordedPrometheus http) =>
        new(new PrometheusClient(new Uri("http://prometheus.test:9090"), TimeSpan.FromSeconds(5), http), RulesLoader.LoadFile(RulesFile));

    /// <summary>Answers as Prometheus would from the fixtures and records what was asked.</summary>
    private sealed class RecordedPrometheus : HttpMessageHandler
    {
        public (HttpStatusCode Status, string Body) Query { get; set; } = (HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[]}}""");
        public string Series { get; init; } = Fixtures.Read("prometheus-api-v1-series.json");
        public List<string> Queries { get; } = [];
        public List<string> SeriesMatches { get; } = [];
        public List<string> Paths { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            Paths.Add(path);
            var form = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var fields = form.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
                .Select(p => (Key: Uri.UnescapeDataString(p[0].Replace('+', ' ')), Value: Uri.UnescapeDataString(p[1].Replace('+', ' ')))).ToList();
            (HttpStatusCode, string) answer;
            if (path.EndsWith("/api/v1/status/config", StringComparison.Ordinal))
            {
                answer = (HttpStatusCode.OK, """{"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n"}}""");
            }
            else if (path.EndsWith("/api/v1/series", StringComparison.Ordinal))
            {
                var match = fields.Single(f => f.Key == "match[]").Value;
                SeriesMatches.Add(match);
                // The fixture's series answer only the query that selects them.
                answer = (HttpStatusCode.OK, match.Contains("http_requests_total", StringComparison.Ordinal) || match.Contains("queue_depth", StringComparison.Ordinal)
                    ? Series
                    : """{"status":"success","data":[]}""");
            }
            else
            {
                Queries.Add(fields.Single(f => f.Key == "query").Value);
                answer = Query;
            }
            return new HttpResponseMessage(answer.Item1) { Content = new StringContent(answer.Item2, Encoding.UTF8, "application/json") };
        }
    }
}
