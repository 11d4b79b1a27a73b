using ActorScaler.Simulator.Kubelets;
using ActorScaler.Simulator.Metrics;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace ActorScaler.Simulator.Tests.Kubelets;

public sealed class SimulatedKubeletsTests : IAsyncLifetime
{
    private static readonly string[] Nodes = ["node-a", "node-b", "node-c"];
    private readonly SimulatorCertificateAuthority _ca = SimulatorCertificateAuthority.Create();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_750_000_000_000));
    private readonly GoLikeTls _tls = new();
    private SimulatedKubelets _kubelets = null!;

    public async Task InitializeAsync()
    {
        // Each node reports its index as CPU seconds so a test can tell which node answered.
        _kubelets = await SimulatedKubelets.StartAsync(Nodes, _ca, KubeletCertificateMode.IpSan,
            index => new KubeletResourceSnapshot(new NodeResourceSample(index * 1_000_000_000L, 4096, 1_750_000_000_000), [], []),
            _time);
    }

    public async Task DisposeAsync()
    {
        await _kubelets.DisposeAsync();
        _ca.Dispose();
    }

    private string Url(string node, string path = "/metrics/resource") => $"https://127.0.0.1:{_kubelets.PortOf(node)}{path}";

    [Fact]
    public async Task Every_node_has_its_own_port_and_answers_with_its_own_metrics()
    {
        Assert.Equal(Nodes.Length, _kubelets.Ports.Distinct().Count());
        using var client = _tls.CreateClient(_ca.Certificate);
        for (var i = 0; i < Nodes.Length; i++)
        {
            using var response = await client.GetAsync(Url(Nodes[i]));
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            var samples = PromSample.ParseAll(await response.Content.ReadAsStringAsync());
            Assert.Equal(i, samples.Single(s => s.Name == "node_cpu_usage_seconds_total").Value);
            Assert.Equal(0, samples.Single(s => s.Name == "resource_scrape_error").Value);
        }
        Assert.Null(_tls.LastError);
    }

    [Fact]
    public async Task Unknown_paths_get_Go_404_and_healthz_is_ok()
    {
        using var client = _tls.CreateClient(_ca.Certificate);
        using var missing = await client.GetAsync(Url("node-a", "/metrics/resource/v1alpha1"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("404 page not found\n", await missing.Content.ReadAsStringAsync());
        Assert.Equal("ok", await client.GetStringAsync(Url("node-a", "/healthz")));
    }

    [Fact]
    public async Task Certificate_verifies_against_the_simulator_CA_only()
    {
        using var otherCa = SimulatorCertificateAuthority.Create("someone-else");
        using var client = _tls.CreateClient(otherCa.Certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Url("node-a")));
        Assert.Equal("x509: certificate signed by unknown authority", _tls.LastError);
    }

    [Fact]
    public async Task Certificates_without_IP_SANs_fail_Go_verification_by_IP_and_can_be_switched_back()
    {
        _kubelets.CertificateMode = KubeletCertificateMode.NoIpSan;
        using (var client = _tls.CreateClient(_ca.Certificate))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Url("node-b")));
        }
        Assert.Equal("x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs", _tls.LastError);

        // Reached by a DNS name the certificate does carry, the same certificate verifies.
        using (var byName = _tls.CreateClient(_ca.Certificate))
        {
            using var ok = await byName.GetAsync($"https://localhost:{_kubelets.PortOf("node-b")}/healthz");
            Assert.True(ok.IsSuccessStatusCode);
        }

        _kubelets.CertificateMode = KubeletCertificateMode.IpSan;
        using var again = _tls.CreateClient(_ca.Certificate);
        using var response = await again.GetAsync(Url("node-b"));
        Assert.True(response.IsSuccessStatusCode);
        Assert.Null(_tls.LastError);
    }

    [Fact]
    public async Task A_down_kubelet_resets_connections_and_recovers()
    {
        Assert.True(_kubelets.SetFault("node-c", new KubeletFault(KubeletFaultMode.Down, TimeSpan.Zero)));
        using var client = _tls.CreateClient(_ca.Certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(Url("node-c")));
        // The other nodes are unaffected.
        using (var other = await client.GetAsync(Url("node-a"))) Assert.True(other.IsSuccessStatusCode);

        _kubelets.SetFault("node-c", KubeletFault.Healthy);
        using var recovered = await client.GetAsync(Url("node-c"));
        Assert.True(recovered.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Garbage_and_scrape_error_faults_change_the_body()
    {
        using var client = _tls.CreateClient(_ca.Certificate);
        _kubelets.SetFault("node-a", new KubeletFault(KubeletFaultMode.Garbage, TimeSpan.Zero));
        var garbage = await client.GetStringAsync(Url("node-a"));
        Assert.Equal(SimulatedKubelets.GarbageBody, garbage);
        Assert.ThrowsAny<FormatException>(() => PromSample.ParseAll(garbage));

        _kubelets.SetFault("node-a", new KubeletFault(KubeletFaultMode.ScrapeError, TimeSpan.Zero));
        var error = PromSample.ParseAll(await client.GetStringAsync(Url("node-a")));
        Assert.Equal(1, Assert.Single(error, s => s.Name == "resource_scrape_error").Value);
        Assert.DoesNotContain(error, s => s.Name.StartsWith("node_", StringComparison.Ordinal));

        Assert.Equal(["node-a"], _kubelets.Faults().Keys);
    }

    [Fact]
    public async Task A_slow_kubelet_answers_only_after_its_delay_on_the_simulator_clock()
    {
        _kubelets.SetFault("node-b", new KubeletFault(KubeletFaultMode.None, TimeSpan.FromSeconds(5)));
        using var client = _tls.CreateClient(_ca.Certificate, TimeSpan.FromSeconds(30));
        var request = client.GetStringAsync(Url("node-b"));
        await Task.Delay(300);
        Assert.False(request.IsCompleted);

        // Step the fake clock until the answer comes. The request may reach the handler only after
        // some steps (busy test machine), so what is asserted is that it never completes before a
        // full 5 s of simulated time has been stepped through.
        var advanced = TimeSpan.Zero;
        while (!request.IsCompleted && advanced < TimeSpan.FromMinutes(5))
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.WhenAny(request, Task.Delay(100));
        }
        var body = await request.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(advanced >= TimeSpan.FromSeconds(5), $"answered after only {advanced} of simulated time");
        Assert.Contains("node_cpu_usage_seconds_total 1 ", body);
    }

    [Theory]
    [InlineData("down", null, KubeletFaultMode.Down, 0)]
    [InlineData("slow", "250", KubeletFaultMode.None, 250)]
    [InlineData("garbage", "10", KubeletFaultMode.Garbage, 10)]
    [InlineData("scrape-error", null, KubeletFaultMode.ScrapeError, 0)]
    [InlineData("none", null, KubeletFaultMode.None, 0)]
    public void Fault_modes_parse(string mode, string? delayMs, KubeletFaultMode expected, int expectedDelayMs)
    {
        Assert.True(KubeletFault.TryParse(mode, delayMs, out var fault, out var error), error);
        Assert.Equal(expected, fault.Mode);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedDelayMs), fault.Delay);
    }

    [Theory]
    [InlineData("slow", null, "delayMs: Required value")]
    [InlineData("explode", null, "mode: Unsupported value: \"explode\"")]
    [InlineData("down", "-5", "delayMs: Invalid value: \"-5\"")]
    public void Bad_fault_input_names_the_field(string mode, string? delayMs, string expectedStart)
    {
        Assert.False(KubeletFault.TryParse(mode, delayMs, out _, out var error));
        Assert.StartsWith(expectedStart, error);
    }
}
