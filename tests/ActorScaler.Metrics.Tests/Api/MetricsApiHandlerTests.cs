using System.Collections.Immutable;
using System.Text.Json;
using ActorScaler.Core.Quantities;
using ActorScaler.Metrics.Api;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;

namespace ActorScaler.Metrics.Tests.Api;

public sealed class MetricsApiHandlerTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 15, 15, 7, 3, 900, TimeSpan.Zero);

    [Theory]
    [InlineData(250_000_000L, "250m")]
    [InlineData(1_387_500_000L, "1387500u")]
    [InlineData(2_134_700L, "2134700n")]
    [InlineData(1_000_000_000L, "1")]
    [InlineData(0L, "0")]
    [InlineData(1_387_411_600L, "1387411600n")]
    public void Cpu_is_integer_nanocores_in_canonical_form(long nanoCores, string expected) =>
        Assert.Equal(expected, MetricsJson.Cpu(nanoCores));

    [Theory]
    [InlineData(270_532_608L, "258Mi")]
    [InlineData(5_381_234_688L, "5255112Ki")]
    [InlineData(52_441_088L, "51212Ki")]
    [InlineData(1000L, "1k")] // below 1024 apimachinery switches to DecimalSI
    [InlineData(1025L, "1025")]
    [InlineData(0L, "0")]
    public void Memory_is_bytes_in_binary_si_form(long bytes, string expected) =>
        Assert.Equal(expected, MetricsJson.Memory(bytes));

    [Fact]
    public void Timestamps_are_whole_seconds_and_windows_go_durations()
    {
        Assert.Equal("2025-06-15T15:06:55Z", MetricsJson.TimeFromUnixNanos(1_750_000_015_999_000_000));
        Assert.Equal("15.006s", MetricsJson.Window(15_006_000_000));
        Assert.Equal("12.299552768s", MetricsJson.Window(12_299_552_768));
        Assert.Equal("1m0.5s", MetricsJson.Window(60_500_000_000));
        Assert.Equal("980ms", MetricsJson.Window(980_000_000));
    }

    /// <summary>The fixtures' two scrapes through the production parser and calculator, served as JSON:
    /// the numbers metrics-server serves for the ordinary containers and the node.</summary>
    [Fact]
    public void The_fixture_scrapes_serve_metrics_servers_documents()
    {
        var calculator = new NodeRateCalculator("worker-1", TimeSpan.FromSeconds(15));
        var parser = new ResourceMetricsParser();
        var scrape = new ResourceMetricsScrape();
        parser.Parse(Fixture.Bytes("kubelet-metrics-resource.txt"), Fixture.Ms(1750000005000), scrape);
        calculator.Apply(scrape, Fixture.Ms(1750000005000));
        parser.Parse(Fixture.Bytes("kubelet-metrics-resource-t15s.txt"), Fixture.Ms(1750000020000), scrape);
        var batch = calculator.Apply(scrape, Fixture.Ms(1750000020000));
        var handler = new MetricsApiHandler(new Source(batch));

        var node = Get(handler, "/apis/metrics.k8s.io/v1beta1/nodes/worker-1");
        Assert.Equal("NodeMetrics", node.GetProperty("kind").GetString());
        Assert.Equal("worker-1", node.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("2025-06-15T15:07:03Z", node.GetProperty("metadata").GetProperty("creationTimestamp").GetString());
        Assert.Equal("2025-06-15T15:06:56Z", node.GetProperty("timestamp").GetString());
        Assert.Equal("15.006s", node.GetProperty("window").GetString());
        var nodeCpu = Quantity.Parse(node.GetProperty("usage").GetProperty("cpu").GetString()!);
        Assert.InRange(nodeCpu.ScaledValue(-9), 1_387_411_599, 1_387_411_601);
        Assert.EndsWith("n", node.GetProperty("usage").GetProperty("cpu").GetString());

        var pods = Get(handler, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods");
        var names = pods.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("metadata").GetProperty("name").GetString()).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names); // sorted as metrics-server sorts
        var fresh = pods.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("metadata").GetProperty("name").GetString() == "web-7d9c8b6f5-klmno");
        Assert.Equal("12.299552768s", fresh.GetProperty("window").GetString());
        Assert.Equal("94Mi", fresh.GetProperty("containers")[0].GetProperty("usage").GetProperty("memory").GetString());
        var abcde = pods.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("metadata").GetProperty("name").GetString() == "web-7d9c8b6f5-abcde");
        Assert.Equal("15.05s", abcde.GetProperty("window").GetString());
        Assert.Equal("web", abcde.GetProperty("metadata").GetProperty("labels").GetProperty("app").GetString());
        Assert.Equal(["app", "istio-proxy"], abcde.GetProperty("containers").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public void Lists_filter_by_label_and_field_selectors_and_errors_are_statuses()
    {
        var batch = new NodeMetricsBatch("n1", 1, new NodeUsage("n1", 1_750_000_000_000_000_000, 15_000_000_000, 1, 1024),
            [Pod("default", "web-1"), Pod("default", "web-2"), Pod("shop", "db-1")], ImmutableArray<string>.Empty);
        var handler = new MetricsApiHandler(new Source(batch));

        Assert.Equal(["web-1", "web-2"], Names(Get(handler, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")));
        Assert.Equal(["web-1", "web-2", "db-1"], Names(Get(handler, "/apis/metrics.k8s.io/v1beta1/pods")));
        Assert.Equal(["db-1"], Names(Get(handler, "/apis/metrics.k8s.io/v1/pods", ("labelSelector", "app notin (web)"))));
        Assert.Equal(["web-2"], Names(Get(handler, "/apis/metrics.k8s.io/v1beta1/pods", ("fieldSelector", "metadata.name!=web-1,metadata.namespace=default"))));
        Assert.Equal(["n1"], Names(Get(handler, "/apis/metrics.k8s.io/v1beta1/nodes", ("fieldSelector", "metadata.name=n1"))));
        Assert.Empty(Names(Get(handler, "/apis/metrics.k8s.io/v1beta1/nodes", ("labelSelector", "zone=b"))));

        var notFound = handler.Handle("GET", "/apis/metrics.k8s.io/v1beta1/nodes/nosuch", new Dictionary<string, string?>(), Now);
        Assert.Equal(404, notFound.StatusCode);
        var status = JsonDocument.Parse(notFound.Body).RootElement;
        Assert.Equal("Status", status.GetProperty("kind").GetString());
        Assert.Equal("NotFound", status.GetProperty("reason").GetString());
        Assert.Equal("nodemetrics.metrics.k8s.io \"nosuch\" not found", status.GetProperty("message").GetString());
        Assert.Equal(404, status.GetProperty("code").GetInt32());

        var badLabels = handler.Handle("GET", "/apis/metrics.k8s.io/v1beta1/pods", new Dictionary<string, string?> { ["labelSelector"] = "app in (" }, Now);
        Assert.Equal(400, badLabels.StatusCode);
        var badFields = handler.Handle("GET", "/apis/metrics.k8s.io/v1beta1/nodes", new Dictionary<string, string?> { ["fieldSelector"] = "metadata.namespace=x" }, Now);
        Assert.Equal(400, badFields.StatusCode);
        Assert.Contains("field label not supported: metadata.namespace", JsonDocument.Parse(badFields.Body).RootElement.GetProperty("message").GetString());
        Assert.Equal(405, handler.Handle("DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/n1", new Dictionary<string, string?>(), Now).StatusCode);
        Assert.Equal(404, handler.Handle("GET", "/apis/metrics.k8s.io/v2/nodes", new Dictionary<string, string?>(), Now).StatusCode);
    }

    [Fact]
    public void Discovery_matches_metrics_servers_resource_list()
    {
        var handler = new MetricsApiHandler(new Source(null));
        // shared/fixtures/metrics-api-discovery.json, metrics-server's answer.
        var expected = JsonDocument.Parse("""
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"metrics.k8s.io/v1beta1","resources":[
              {"name":"nodes","singularName":"","namespaced":false,"kind":"NodeMetrics","verbs":["get","list"]},
              {"name":"pods","singularName":"","namespaced":true,"kind":"PodMetrics","verbs":["get","list"]}]}
            """).RootElement;
        var actual = Get(handler, "/apis/metrics.k8s.io/v1beta1");
        Assert.True(JsonElement.DeepEquals(expected, actual), actual.ToString());
        var group = Get(handler, "/apis/metrics.k8s.io");
        Assert.Equal("v1beta1", group.GetProperty("preferredVersion").GetProperty("version").GetString());
        Assert.Equal(["v1beta1", "v1"], group.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
    }

    private static PodUsage Pod(string ns, string name) => new(ns, name, 1_750_000_000_000_000_000, 15_000_000_000, [new ContainerUsage("app", 5_000_000, 4096)]);

    private static List<string?> Names(JsonElement list) =>
        list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()).ToList();

    private static JsonElement Get(MetricsApiHandler handler, string path, params (string Key, string Value)[] query)
    {
        var response = handler.Handle("GET", path, query.ToDictionary(q => q.Key, q => (string?)q.Value), Now);
        Assert.Equal(200, response.StatusCode);
        return JsonDocument.Parse(response.Body).RootElement.Clone();
    }

    private sealed class Source(NodeMetricsBatch? batch) : IMetricsApiSource
    {
        private static readonly Dictionary<string, string> WebLabels = new() { ["app"] = "web" };
        private static readonly Dictionary<string, string> DbLabels = new() { ["app"] = "db" };

        public IReadOnlyList<NodeUsage> Nodes() => batch?.NodeUsage is { } n ? [n] : [];
        public bool TryGetNode(string name, out NodeUsage usage)
        {
            usage = batch?.NodeUsage!;
            return usage is not null && usage.Name == name;
        }
        public IReadOnlyList<PodUsage> AllPods() => batch is null ? [] : batch.Pods;
        public IReadOnlyList<PodUsage> PodsInNamespace(string ns) => AllPods().Where(p => p.Namespace == ns).ToList();
        public bool TryGetPod(string ns, string name, out PodUsage usage)
        {
            usage = AllPods().FirstOrDefault(p => p.Namespace == ns && p.Name == name)!;
            return usage is not null;
        }
        public IReadOnlyDictionary<string, string>? NodeLabels(string name) => new Dictionary<string, string> { ["zone"] = "a" };
        public IReadOnlyDictionary<string, string>? PodLabels(string ns, string name) => name.StartsWith("web", StringComparison.Ordinal) ? WebLabels : DbLabels;
    }
}
