using System.Text;
using System.Text.Json.Nodes;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;
using ActorScaler.Prometheus.Api;
using ActorScaler.Prometheus.Tests.Support;

namespace ActorScaler.Prometheus.Tests.Api;

/// <summary>The served documents byte for byte against the fixtures (what prometheus-adapter serves).</summary>
public sealed class CustomMetricsApiTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2025-06-15T15:07:05.117Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Pods_list_is_the_adapters_metric_value_list()
    {
        var provider = new FakeProvider
        {
            Pods = [new("web-7d9c8b6f5-klmno", 22_000, At, TimeSpan.Zero), new("web-7d9c8b6f5-abcde", 16_500, At, TimeSpan.Zero)],
        };
        string? askedNamespace = null;
        var handler = new CustomMetricsApiHandler(provider, (ns, selector) =>
        {
            askedNamespace = ns;
            Assert.Equal("app=web", selector.ToString());
            return ["web-7d9c8b6f5-abcde", "web-7d9c8b6f5-klmno"];
        });
        var response = await handler.HandleAsync("GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests_per_second",
            Query(("labelSelector", "app=web")), CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        AssertSameJson(Fixtures.Read("custom-metrics-v1beta2-pods.json"), response.Body);
        Assert.Equal("default", askedNamespace);
        Assert.Equal(("default", "http_requests_per_second", "app=web"), (provider.Asked!.Value.Ns, provider.Asked.Value.Metric, provider.Asked.Value.Selector));
        Assert.Equal(["web-7d9c8b6f5-abcde", "web-7d9c8b6f5-klmno"], provider.AskedPods);
    }

    [Fact]
    public async Task Object_metric_is_a_list_of_one_with_the_metric_selector_and_window()
    {
        var provider = new FakeProvider { Object = new CustomMetricValue(38_417, At, TimeSpan.FromMinutes(2)) };
        var handler = new CustomMetricsApiHandler(provider, (_, _) => []);
        var response = await handler.HandleAsync("GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/ingresses.networking.k8s.io/web/requests_per_second",
            Query(("metricLabelSelector", "verb=GET")), CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        AssertSameJson(Fixtures.Read("custom-metrics-v1beta2-object.json"), response.Body);
        Assert.Equal(new CrossVersionObjectReference { Kind = "Ingress", Name = "web", ApiVersion = "networking.k8s.io/v1" }, provider.AskedObject);
        Assert.Equal("GET", provider.AskedSelector!.MatchLabels!["verb"]);
    }

    [Fact]
    public async Task External_list_carries_each_series_labels()
    {
        var provider = new FakeProvider
        {
            External = [new ExternalMetricSeries(new Dictionary<string, string> { ["queue"] = "orders" }, new CustomMetricValue(1_204_000, At.AddSeconds(-2), TimeSpan.Zero))],
        };
        var handler = new CustomMetricsApiHandler(provider, (_, _) => []);
        var response = await handler.HandleAsync("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready",
            Query(("labelSelector", "queue=orders")), CancellationToken.None);

        Assert.Equal(200, response.StatusCode);
        AssertSameJson(Fixtures.Read("external-metrics-v1beta1.json"), response.Body);
    }

    [Fact]
    public async Task Discovery_lists_resource_slash_metric()
    {
        var provider = new FakeProvider
        {
            Catalog =
            [
                new CustomMetricInfo("pods", "http_requests_per_second", true),
                new CustomMetricInfo("namespaces", "http_requests_per_second", false),
                new CustomMetricInfo("ingresses.networking.k8s.io", "requests_per_second", true),
            ],
        };
        var handler = new CustomMetricsApiHandler(provider, (_, _) => []);
        var response = await handler.HandleAsync("GET", "/apis/custom.metrics.k8s.io/v1beta2", Query(), CancellationToken.None);
        AssertSameJson(Fixtures.Read("custom-metrics-discovery.json"), response.Body);

        var group = JsonNode.Parse((await handler.HandleAsync("GET", "/apis/external.metrics.k8s.io", Query(), CancellationToken.None)).Body)!;
        Assert.Equal("external.metrics.k8s.io/v1beta1", (string?)group["preferredVersion"]!["groupVersion"]);
    }

    [Fact]
    public async Task Errors_are_statuses_not_found_for_a_missing_metric_and_internal_for_a_failing_backend()
    {
        var provider = new FakeProvider { Failure = CustomMetricsErrors.NotFound("no rule in rules.yaml matches metric \"x\" for pods (no series discovered for it)") };
        var handler = new CustomMetricsApiHandler(provider, (_, _) => ["a"]);
        var notFound = await handler.HandleAsync("GET", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/x", Query(), CancellationToken.None);
        Assert.Equal(404, notFound.StatusCode);
        var status = JsonNode.Parse(notFound.Body)!;
        Assert.Equal("NotFound", (string?)status["reason"]);
        Assert.Equal("no rule in rules.yaml matches metric \"x\" for pods (no series discovered for it)", (string?)status["message"]);

        provider.Failure = new CustomMetricsException("prometheus http://127.0.0.1:1: unreachable: Connection refused (127.0.0.1:1)");
        var failed = await handler.HandleAsync("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/q", Query(), CancellationToken.None);
        Assert.Equal(500, failed.StatusCode);
        Assert.Equal("Internal error occurred: unable to fetch metrics: prometheus http://127.0.0.1:1: unreachable: Connection refused (127.0.0.1:1)",
            (string?)JsonNode.Parse(failed.Body)!["message"]);

        var badSelector = await handler.HandleAsync("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/default/q", Query(("labelSelector", "a in (")), CancellationToken.None);
        Assert.Equal(400, badSelector.StatusCode);
        Assert.StartsWith("unable to parse labelSelector: ", (string?)JsonNode.Parse(badSelector.Body)!["message"], StringComparison.Ordinal);

        Assert.Equal(404, (await handler.HandleAsync("GET", "/apis/custom.metrics.k8s.io/v1beta1", Query(), CancellationToken.None)).StatusCode);
        Assert.Equal(405, (await handler.HandleAsync("POST", "/apis/custom.metrics.k8s.io/v1beta2", Query(), CancellationToken.None)).StatusCode);
    }

    [Theory]
    [InlineData("services", "Service", "", "v1")]
    [InlineData("ingresses.networking.k8s.io", "Ingress", "networking.k8s.io", "v1")]
    [InlineData("deployments.apps", "Deployment", "apps", "v1")]
    [InlineData("widgets.example.com", "Widget", "example.com", "v1")]
    public void Resource_paths_name_their_kind(string resource, string kind, string group, string version) =>
        Assert.Equal((kind, group, version), CustomMetricsApiHandler.KindOf(resource));

    [Fact]
    public void Selector_parameters_become_structured_selectors()
    {
        var selector = CustomMetricsApiHandler.ParseSelector(Query(("labelSelector", "queue=orders,zone!=b,tier in (web,api),!canary,region")), "labelSelector")!;
        Assert.Equal("orders", selector.MatchLabels!["queue"]);
        Assert.Equal(
            ["canary DoesNotExist ", "region Exists ", "tier In api,web", "zone NotIn b"],
            selector.MatchExpressions!.Select(e => $"{e.Key} {e.Operator} {string.Join(",", e.Values ?? [])}").Order(StringComparer.Ordinal));
        Assert.Null(CustomMetricsApiHandler.ParseSelector(Query(("labelSelector", "")), "labelSelector"));
    }

    private static Dictionary<string, string?> Query(params (string Key, string Value)[] parameters) =>
        parameters.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal);

    private static void AssertSameJson(string expected, byte[] actual) =>
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), JsonNode.Parse(Encoding.UTF8.GetString(actual))!.ToJsonString());

    private sealed class FakeProvider : ICustomMetricsProvider, ICustomMetricsCatalog
    {
        public IReadOnlyList<PodCustomMetricValue> Pods { get; init; } = [];
        public CustomMetricValue? Object { get; init; }
        public IReadOnlyList<ExternalMetricSeries> External { get; init; } = [];
        public IReadOnlyList<CustomMetricInfo> Catalog { get; init; } = [];
        public CustomMetricsException? Failure { get; set; }
        public (string Ns, string Metric, string Selector)? Asked { get; private set; }
        public IReadOnlyList<string>? AskedPods { get; private set; }
        public CrossVersionObjectReference? AskedObject { get; private set; }
        public LabelSelector? AskedSelector { get; private set; }

        public string Name => "fake";

        public Task<IReadOnlyList<PodCustomMetricValue>> GetPodsMetricAsync(string ns, string metricName, string podSelector, IReadOnlyList<string> podNames,
            LabelSelector? metricSelector, CancellationToken cancellationToken)
        {
            if (Failure is not null)
                throw Failure;
            Asked = (ns, metricName, podSelector);
            AskedPods = podNames;
            return Task.FromResult(Pods);
        }

        public Task<CustomMetricValue> GetObjectMetricAsync(string ns, CrossVersionObjectReference describedObject, string metricName, LabelSelector? metricSelector,
            CancellationToken cancellationToken)
        {
            AskedObject = describedObject;
            AskedSelector = metricSelector;
            return Failure is not null ? throw Failure : Task.FromResult(Object!);
        }

        public Task<IReadOnlyList<CustomMetricValue>> GetExternalMetricAsync(string ns, string metricName, LabelSelector? metricSelector, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<CustomMetricValue>>(External.Select(e => e.Value).ToList());

        public Task<IReadOnlyList<CustomMetricInfo>> ListCustomMetricsAsync(CancellationToken cancellationToken) => Task.FromResult(Catalog);

        public Task<IReadOnlyList<string>> ListExternalMetricsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>([]);

        public Task<IReadOnlyList<ExternalMetricSeries>> GetExternalSeriesAsync(string ns, string metricName, LabelSelector? metricSelector, CancellationToken cancellationToken) =>
            Failure is not null ? throw Failure : Task.FromResult(External);
    }
}
