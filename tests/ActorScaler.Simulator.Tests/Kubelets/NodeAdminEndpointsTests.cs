using System.Net;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Tests.Workloads;
using ActorScaler.Simulator.Workloads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace ActorScaler.Simulator.Tests.Kubelets;

public sealed class NodeAdminEndpointsTests : IAsyncLifetime
{
    private SimulationFixture _f = null!;
    private WebApplication _admin = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _f = await SimulationFixture.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _admin = builder.Build();
        _admin.MapSimulatorNodeAdmin(_f.Simulation);
        await _admin.StartAsync();
        var address = _admin.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _http = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _admin.DisposeAsync();
        await _f.DisposeAsync();
    }

    private async Task<string> ScrapeAsync(string node)
    {
        using var client = new GoLikeTls().CreateClient(_f.Simulation.CertificateAuthority.Certificate);
        return await client.GetStringAsync($"https://127.0.0.1:{_f.Simulation.Kubelets.PortOf(node)}/metrics/resource");
    }

    [Fact]
    public async Task Lists_nodes_with_their_kubelet_ports()
    {
        var json = JsonNode.Parse(await _http.GetStringAsync("/simulator/nodes"))!;
        Assert.Equal("ip-san", (string?)json["certificateMode"]);
        var nodes = json["nodes"]!.AsArray();
        Assert.Equal(3, nodes.Count);
        Assert.Equal(_f.Simulation.Kubelets.PortOf("sim-node-0002"), (int)nodes[1]!["kubeletPort"]!);
        Assert.Equal("none", (string?)nodes[1]!["fault"]!["mode"]);
    }

    [Fact]
    public async Task A_fault_set_over_http_changes_what_the_kubelet_answers_and_can_be_cleared()
    {
        using var set = await _http.PutAsync("/simulator/nodes/sim-node-0001/fault?mode=scrape-error", null);
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("scrape-error", (string?)JsonNode.Parse(await set.Content.ReadAsStringAsync())!["fault"]!["mode"]);
        Assert.Contains("resource_scrape_error 1\n", await ScrapeAsync("sim-node-0001"));
        Assert.Contains("resource_scrape_error 0\n", await ScrapeAsync("sim-node-0002"));

        using var body = await _http.PutAsync("/simulator/nodes/sim-node-0002/fault",
            new StringContent("""{"mode":"slow","delayMs":1500}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal("slow", (string?)JsonNode.Parse(await body.Content.ReadAsStringAsync())!["fault"]!["mode"]);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), _f.Simulation.Kubelets.GetFault("sim-node-0002")!.Delay);

        using var cleared = await _http.DeleteAsync("/simulator/nodes/sim-node-0001/fault");
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Contains("resource_scrape_error 0\n", await ScrapeAsync("sim-node-0001"));
        using var all = await _http.DeleteAsync("/simulator/nodes/faults");
        Assert.Empty(_f.Simulation.Kubelets.Faults());
    }

    [Fact]
    public async Task Bad_requests_name_the_problem()
    {
        using var badMode = await _http.PutAsync("/simulator/nodes/sim-node-0001/fault?mode=melt", null);
        Assert.Equal(HttpStatusCode.BadRequest, badMode.StatusCode);
        Assert.StartsWith("mode: Unsupported value: \"melt\"", (string?)JsonNode.Parse(await badMode.Content.ReadAsStringAsync())!["error"]);

        using var unknown = await _http.PutAsync("/simulator/nodes/elsewhere/fault?mode=down", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("\\u0022elsewhere\\u0022 is not a simulated node", await unknown.Content.ReadAsStringAsync());

        using var badJson = await _http.PutAsync("/simulator/nodes/sim-node-0001/fault", new StringContent("{nope", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badJson.StatusCode);

        using var badCert = await _http.PutAsync("/simulator/kubelet-certificates?mode=selfsigned", null);
        Assert.Equal(HttpStatusCode.BadRequest, badCert.StatusCode);
    }

    [Fact]
    public async Task The_certificate_mode_switch_reproduces_the_missing_IP_SAN_error()
    {
        using var set = await _http.PutAsync("/simulator/kubelet-certificates?mode=no-ip-san", null);
        Assert.Equal("no-ip-san", (string?)JsonNode.Parse(await set.Content.ReadAsStringAsync())!["mode"]);
        var tls = new GoLikeTls();
        using (var client = tls.CreateClient(_f.Simulation.CertificateAuthority.Certificate))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"https://127.0.0.1:{_f.Simulation.Kubelets.PortOf("sim-node-0003")}/metrics/resource"));
        }
        Assert.Equal("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs", tls.LastError);
    }
}
