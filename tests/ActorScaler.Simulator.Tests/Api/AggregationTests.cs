using ActorScaler.Simulator.Kubelets;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>APIService aggregation: discovery, proxying, and the backend's TLS checked as kube-aggregator checks it.</summary>
public sealed class AggregationTests
{
    [Fact]
    public async Task Aggregated_api_is_proxied_only_to_a_trusted_backend_with_endpoints()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        await using var backend = await MetricsBackend.StartAsync(sim.Cluster.CertificateAuthority);
        var manifest = Path.Combine(sim.Directory, "metrics.yaml");
        var registration = backend.RegistrationManifest(sim.Cluster.CertificateAuthority);

        // Registered, but the Service has no Endpoints yet: 503, as kube-aggregator answers.
        var withoutEndpoints = string.Join("---", registration.Split("---").Where(d => !d.Contains("kind: Endpoints", StringComparison.Ordinal)));
        await File.WriteAllTextAsync(manifest, withoutEndpoints);
        sim.Cluster.ApplyManifestFile(manifest);
        var (_, groups) = await sim.SendAsync(HttpMethod.Get, "/apis");
        Assert.Contains("metrics.k8s.io", groups!.ToJsonString());
        Assert.Equal(503, (await sim.SendAsync(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/nodes")).Status);

        await File.WriteAllTextAsync(manifest, registration);
        sim.Cluster.ApplyManifestFile(manifest);
        var (status, nodes) = await sim.SendAsync(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/nodes");
        Assert.Equal(200, status);
        Assert.Equal("NodeMetricsList", (string?)nodes!["kind"]);

        // A caBundle that did not sign the backend's certificate: the proxy refuses to talk to it.
        using var otherCa = SimulatorCertificateAuthority.Create("someone-else");
        var wrongCa = registration.Replace(
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(sim.Cluster.CertificateAuthority.CertificatePem)),
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(otherCa.CertificatePem)));
        await File.WriteAllTextAsync(manifest, wrongCa);
        sim.Cluster.ApplyManifestFile(manifest);
        Assert.Equal(503, (await sim.SendAsync(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/nodes")).Status);

        // insecureSkipTLSVerify accepts it again.
        var insecure = System.Text.RegularExpressions.Regex.Replace(wrongCa, @"caBundle: \S+", "insecureSkipTLSVerify: true");
        await File.WriteAllTextAsync(manifest, insecure);
        sim.Cluster.ApplyManifestFile(manifest);
        Assert.Equal(200, (await sim.SendAsync(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/nodes")).Status);

        // Deleting the APIService removes the group.
        Assert.Equal(200, (await sim.SendAsync(HttpMethod.Delete, "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io")).Status);
        (_, groups) = await sim.SendAsync(HttpMethod.Get, "/apis");
        Assert.DoesNotContain("metrics.k8s.io", groups!.ToJsonString());
        Assert.Equal(404, (await sim.SendAsync(HttpMethod.Get, "/apis/metrics.k8s.io/v1beta1/nodes")).Status);
    }
}
