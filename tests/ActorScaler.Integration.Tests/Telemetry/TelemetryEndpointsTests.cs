using System.Net;
using ActorScaler.Hosting;
using ActorScaler.Integration.Tests.Controller;
using static ActorScaler.Integration.Tests.Controller.Scenario;

namespace ActorScaler.Integration.Tests.Telemetry;

/// <summary>/metrics and the decisions endpoint on real members (the controller scenarios' cluster), and a
/// real Prometheus scraping them.</summary>
[Collection(ControllerCollection.Name)]
public sealed class TelemetryEndpointsTests(ControllerFixture fixture)
{
    private readonly InProcessCluster _cluster = fixture.Cluster;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<string> MetricsTextAsync(MemberHost member) =>
        await Http.GetStringAsync(new Uri(member.ListenUri, TelemetryFeature.MetricsPath));

    /// <summary>Polls a member's /metrics until every expected series has a sample; fails with what was served.</summary>
    private static async Task<IReadOnlyList<PrometheusText.Sample>> WaitForSeriesAsync(MemberHost member, params Func<PrometheusText.Sample, bool>[] expected)
    {
        var deadline = DateTimeOffset.UtcNow + Scenario.Patience;
        while (true)
        {
            var text = await MetricsTextAsync(member);
            var samples = PrometheusText.Parse(text);
            if (expected.All(e => samples.Any(e)))
                return samples;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"/metrics of {member.ListenUri} lacks {expected.Count(e => !samples.Any(e))} expected series:\n{text}");
            await Task.Delay(500);
        }
    }

    private static Func<PrometheusText.Sample, bool> Series(string name, params (string Key, string Value)[] labels) =>
        s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    [Fact]
    public async Task Every_member_serves_the_pipeline_cluster_and_api_instruments_with_bounded_labels()
    {
        foreach (var member in _cluster.Members)
        {
            var self = $"akka.tcp://actorscaler@127.0.0.1:{member.Options.Membership.Port}";
            var samples = await WaitForSeriesAsync(member,
                Series("actorscaler_kubelet_requests_total", ("code", "200")),
                Series("actorscaler_scrape_duration_seconds_bucket", ("success", "true")),
                Series("actorscaler_kubernetes_api_requests_total", ("code", "200"), ("verb", "watch")),
                Series("actorscaler_kubernetes_api_requests_total", ("code", "200"), ("verb", "list")),
                Series("actorscaler_cluster_members", ("member", self), ("reachability", "reachable")),
                Series("actorscaler_entities", ("kind", "node_scraper"), ("member", self)),
                Series("http_client_request_duration_seconds_bucket"));

            // Two members, both reachable, as this member sees them.
            Assert.Equal(2, samples.Single(Series("actorscaler_cluster_members", ("member", self), ("reachability", "reachable"))).Value);
            Assert.Equal(0, samples.Single(Series("actorscaler_cluster_members", ("member", self), ("reachability", "unreachable"))).Value);
            Assert.True(samples.Single(Series("actorscaler_kubelet_requests_total", ("code", "200"))).Value > 0);
            // Kubelets are one server each: the HTTP client series must not carry the server address.
            var http = samples.Where(s => s.Name.StartsWith("http_client_", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(http);
            Assert.DoesNotContain(http, s => s.Labels.ContainsKey("server_address") || s.Labels.ContainsKey("network_peer_address"));
            // No per-HPA series unless --per-hpa-metrics.
            Assert.DoesNotContain(samples, s => s.Name == "horizontal_pod_autoscaler_controller_desired_replicas");
        }
    }

    [Fact]
    public async Task The_decisions_endpoint_names_what_is_wrong_with_a_request()
    {
        var member = _cluster.Members[0];
        using var unknown = await Http.GetAsync(new Uri(member.ListenUri, TelemetryFeature.DecisionsPath("telemetry-none", "nope")));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("horizontalpodautoscaler telemetry-none/nope not found", await unknown.Content.ReadAsStringAsync());

        using var invalid = await Http.GetAsync(new Uri(member.ListenUri, TelemetryFeature.DecisionsPath("Bad_NS", "web")));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("invalid HPA reference \"Bad_NS/web\"", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
