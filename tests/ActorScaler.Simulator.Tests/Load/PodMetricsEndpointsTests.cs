using System.Net;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Metrics;
using ActorScaler.Simulator.Tests.Kubelets;
using Xunit;

namespace ActorScaler.Simulator.Tests.Load;

public sealed class PodMetricsEndpointsTests : IAsyncLifetime
{
    private readonly Dictionary<string, long> _totals = new() { ["a"] = 10, ["b"] = 20, ["c"] = 30 };
    private PodMetricsEndpoints _endpoints = null!;
    private readonly HttpClient _http = new();

    public Task InitializeAsync()
    {
        _endpoints = new PodMetricsEndpoints((_, pod) => _totals.TryGetValue(pod, out var v) ? v : null, blockSize: 2);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _endpoints.DisposeAsync();
    }

    private async Task<double> RequestsAsync(int port) =>
        PromSample.ParseAll(await _http.GetStringAsync($"http://127.0.0.1:{port}/metrics")).Single(s => s.Name == PodMetricsEndpoints.MetricName).Value;

    [Fact]
    public async Task Each_pod_gets_its_own_port_serving_its_counter_and_ports_are_reused()
    {
        var a = await _endpoints.AssignAsync("ns", "a");
        var b = await _endpoints.AssignAsync("ns", "b");
        var c = await _endpoints.AssignAsync("ns", "c"); // a second block
        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());
        Assert.Equal(a, await _endpoints.AssignAsync("ns", "a"));
        Assert.Equal(10, await RequestsAsync(a));
        Assert.Equal(30, await RequestsAsync(c));

        using var response = await _http.GetAsync($"http://127.0.0.1:{b}/metrics");
        Assert.Equal(PrometheusText.ContentType, response.Content.Headers.ContentType?.ToString());

        var changed = 0;
        _endpoints.Changed += () => changed++;
        _endpoints.Release("ns", "b");
        Assert.Equal(1, changed);
        using var gone = await _http.GetAsync($"http://127.0.0.1:{b}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);

        _totals["d"] = 40;
        Assert.Equal(b, await _endpoints.AssignAsync("ns", "d"));
        Assert.Equal(40, await RequestsAsync(b));
        Assert.Equal([("ns", "a", a), ("ns", "c", c), ("ns", "d", b)], _endpoints.Targets());
    }

    [Fact]
    public void File_sd_lists_targets_with_namespace_and_pod_labels()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sd-{Guid.NewGuid():N}", "targets.json");
        try
        {
            PrometheusFileSd.Write(path, [("default", "web-1", 4000), ("shop", "api-2", 4001)]);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsArray();
            Assert.Equal(2, json.Count);
            Assert.Equal("127.0.0.1:4001", (string?)json[1]!["targets"]![0]);
            Assert.Equal("shop", (string?)json[1]!["labels"]!["namespace"]);
            Assert.Equal("api-2", (string?)json[1]!["labels"]!["pod"]);
            Assert.False(File.Exists(path + ".tmp"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
