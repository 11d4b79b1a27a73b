using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Metrics.Scraping;

namespace ActorScaler.Actors.Tests.Telemetry;

/// <summary>The scrape path's and the API client's instruments, which live in projects without the actors.</summary>
public sealed class ScrapeAndApiTelemetryTests
{
    [Fact]
    public void Every_project_uses_the_members_meter_and_source_name()
    {
        // One AddMeter/AddSource(ActorScalerTelemetry.Name) in the host exports all of them.
        Assert.Equal(ActorScalerTelemetry.Name, ScrapeTelemetry.Name);
        Assert.Equal(ActorScalerTelemetry.Name, ApiRequestTelemetryHandler.MeterName);
        Assert.Equal(ActorScalerTelemetry.Name, ScrapeTelemetry.Meter.Name);
        Assert.Equal(ActorScalerTelemetry.Name, ControllerTelemetry.Source.Name);
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/shop/pods", "list")]
    [InlineData("GET", "/api/v1/namespaces/shop/pods?watch=true&resourceVersion=5", "watch")]
    [InlineData("GET", "/api/v1/nodes", "list")]
    [InlineData("GET", "/api/v1/nodes/node-1", "get")]
    [InlineData("GET", "/api/v1/namespaces", "list")]
    [InlineData("GET", "/api/v1/namespaces/shop", "get")]
    [InlineData("GET", "/apis/apps/v1/namespaces/shop/deployments/web/scale", "get")]
    [InlineData("GET", "/apis/autoscaling/v2/horizontalpodautoscalers?watch=1", "watch")]
    [InlineData("PUT", "/apis/apps/v1/namespaces/shop/deployments/web/scale", "update")]
    [InlineData("PUT", "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web/status", "update")]
    [InlineData("POST", "/api/v1/namespaces/shop/events", "create")]
    [InlineData("PATCH", "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web", "patch")]
    [InlineData("DELETE", "/api/v1/namespaces/shop/pods/web-1", "delete")]
    [InlineData("DELETE", "/api/v1/namespaces/shop/pods", "deletecollection")]
    [InlineData("OPTIONS", "/api/v1/nodes", "other")]
    public void Api_requests_are_labelled_with_the_api_servers_verb(string method, string pathAndQuery, string verb) =>
        Assert.Equal(verb, ApiRequestTelemetryHandler.Verb(new HttpMethod(method), new Uri(new Uri("https://127.0.0.1:6443"), pathAndQuery)));

    [Fact]
    public async Task A_failed_scrape_counts_an_error_by_reason_and_a_request_without_an_answer()
    {
        var mine = new AsyncLocal<bool>();
        var measured = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, ScrapeTelemetry.Meter))
                l.EnableMeasurementEvents(instrument);
        };
        // Other tests scrape in parallel: keep only what this test's own call records (same async flow).
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (!mine.Value)
                return;
            lock (measured)
                measured.Add($"{instrument.Name} {value} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}");
        });
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            if (!mine.Value)
                return;
            lock (measured)
                measured.Add($"{instrument.Name} {string.Join(",", tags.ToArray().Select(t => $"{t.Key}={t.Value}"))}");
        });
        listener.Start();

        using var client = new KubeletClient(new KubeletClientOptions { RequestTimeout = TimeSpan.FromSeconds(5), InsecureSkipTlsVerify = true });
        mine.Value = true;
        var failure = await Assert.ThrowsAsync<KubeletScrapeException>(() => client.GetAsync(new Uri($"https://127.0.0.1:{ClosedPort()}/metrics/resource"), CancellationToken.None));

        Assert.Equal(ScrapeReasons.Unreachable, failure.Reason);
        Assert.Equal(
        [
            "actorscaler_scrape_duration_seconds success=false",
            "actorscaler_scrape_errors_total 1 reason=KubeletUnreachable",
            "actorscaler_kubelet_requests_total 1 code=none",
        ], measured);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
