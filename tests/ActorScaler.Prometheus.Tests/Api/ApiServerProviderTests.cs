using System.Net;
using System.Text;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Metrics;
using ActorScaler.Metrics.Custom;
using ActorScaler.Prometheus.Tests.Support;
using k8s;

namespace ActorScaler.Prometheus.Tests.Api;

/// <summary>The API-server provider's requests (the paths upstream's metrics clients use) and how it reads
/// the adapters' documents; the live test reads our own served APIs through the simulator.</summary>
public sealed class ApiServerProviderTests
{
    [Fact]
    public async Task Pods_metric_asks_pods_star_with_both_selectors_and_reads_the_fixture()
    {
        var api = new FakeApiServer((HttpStatusCode.OK, Fixtures.Read("custom-metrics-v1beta2-pods.json")));
        var provider = api.Provider();
        var selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["verb"] = "GET" } };

        var values = await provider.GetPodsMetricAsync("default", "http_requests_per_second", "app=web", [], selector, CancellationToken.None);

        Assert.Equal("/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/pods/*/http_requests_per_second?labelSelector=app%3Dweb&metricLabelSelector=verb%3DGET", api.Requests.Single());
        var at = new DateTimeOffset(2025, 6, 15, 15, 7, 5, TimeSpan.Zero);
        // No windowSeconds in the answer: upstream's one-minute assumption.
        Assert.Equal([new PodCustomMetricValue("web-7d9c8b6f5-abcde", 16_500, at, TimeSpan.FromMinutes(1)), new PodCustomMetricValue("web-7d9c8b6f5-klmno", 22_000, at, TimeSpan.FromMinutes(1))], values);
        Assert.Equal("Bearer test-token", api.Authorization);
    }

    [Theory]
    [InlineData("networking.k8s.io/v1", "Ingress", "web", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/ingresses.networking.k8s.io/web/requests_per_second")]
    [InlineData("v1", "Service", "web", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/services/web/requests_per_second")]
    [InlineData("v1", "Namespace", "default", "/apis/custom.metrics.k8s.io/v1beta2/namespaces/default/metrics/requests_per_second")]
    [InlineData("v1", "Node", "node-a", "/apis/custom.metrics.k8s.io/v1beta2/nodes/node-a/requests_per_second")]
    public async Task Object_metric_path_follows_the_objects_resource_and_scope(string apiVersion, string kind, string name, string path)
    {
        var api = new FakeApiServer((HttpStatusCode.OK, Fixtures.Read("custom-metrics-v1beta2-object.json")));
        var value = await api.Provider().GetObjectMetricAsync("default", new CrossVersionObjectReference { ApiVersion = apiVersion, Kind = kind, Name = name },
            "requests_per_second", null, CancellationToken.None);
        Assert.Equal(path, api.Requests.Single());
        Assert.Equal(new CustomMetricValue(38_417, new DateTimeOffset(2025, 6, 15, 15, 7, 5, TimeSpan.Zero), TimeSpan.FromSeconds(120)), value);
    }

    [Fact]
    public async Task External_metric_passes_the_metric_selector_as_label_selector()
    {
        var api = new FakeApiServer((HttpStatusCode.OK, Fixtures.Read("external-metrics-v1beta1.json")));
        var values = await api.Provider().GetExternalMetricAsync("default", "queue_messages_ready",
            new LabelSelector { MatchLabels = new Dictionary<string, string> { ["queue"] = "orders" } }, CancellationToken.None);
        Assert.Equal("/apis/external.metrics.k8s.io/v1beta1/namespaces/default/queue_messages_ready?labelSelector=queue%3Dorders", api.Requests.Single());
        Assert.Equal(1_204_000, Assert.Single(values).ValueMilli);
    }

    [Fact]
    public async Task Failures_carry_the_status_message_and_an_object_answer_must_hold_exactly_one_value()
    {
        var api = new FakeApiServer((HttpStatusCode.ServiceUnavailable,
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server is currently unable to handle the request (get pods.custom.metrics.k8s.io *)","reason":"ServiceUnavailable","code":503}"""));
        var error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            api.Provider().GetPodsMetricAsync("default", "m", "app=web", [], null, CancellationToken.None));
        Assert.Equal("the server is currently unable to handle the request (get pods.custom.metrics.k8s.io *)", error.Message);

        var empty = new FakeApiServer((HttpStatusCode.OK, """{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[]}"""));
        error = await Assert.ThrowsAsync<CustomMetricsException>(() =>
            empty.Provider().GetObjectMetricAsync("default", new CrossVersionObjectReference { ApiVersion = "v1", Kind = "Service", Name = "web" }, "m", null, CancellationToken.None));
        Assert.Equal("the custom metrics API server returned 0 results when we asked for exactly one", error.Message);
    }

    /// <summary>An API server answering every GET with one canned response, recording path and query.</summary>
    private sealed class FakeApiServer((HttpStatusCode Status, string Body) answer) : DelegatingHandler
    {
        public List<string> Requests { get; } = [];
        public string? Authorization { get; private set; }

        public ApiServerCustomMetricsProvider Provider()
        {
            var config = new KubernetesClientConfiguration { Host = "http://api.test:6443", AccessToken = "test-token" };
            return new ApiServerCustomMetricsProvider(new k8s.Kubernetes(config, this));
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(Uri.UnescapeDataString(request.RequestUri!.AbsolutePath).Replace("%2A", "*", StringComparison.Ordinal) + request.RequestUri.Query);
            Authorization = request.Headers.Authorization?.ToString();
            return Task.FromResult(new HttpResponseMessage(answer.Status) { Content = new StringContent(answer.Body, Encoding.UTF8, "application/json") });
        }
    }
}
