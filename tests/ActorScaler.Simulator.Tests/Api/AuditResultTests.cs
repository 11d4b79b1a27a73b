using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>The audit's per-write result: the failover tests tell a writer that wrote from one that
/// only tried, so refused scale writes are recorded with their code, apart from the writes that took effect.</summary>
public sealed class AuditResultTests
{
    private static V1Deployment Deployment(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
            },
        },
    };

    [Fact]
    public async Task Refused_scale_writes_are_recorded_with_their_code_and_only_when_asked_for()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var writer = sim.Client("member-a");
        await sim.Client("setup").AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), "default");

        var scale = await writer.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "default");
        scale.Spec.Replicas = 3;
        await writer.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", "default");
        // The same stale resourceVersion again: the API server answers 409 Conflict.
        scale.Spec.Replicas = 5;
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => writer.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", "default"));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, e.Response.StatusCode);

        var applied = Assert.Single(sim.Cluster.Audit.Writes("scale"));
        Assert.Equal((200, 1, 3), (applied.Code, applied.ReplicasBefore, applied.ReplicasAfter));
        var all = sim.Cluster.Audit.Writes("scale", includeRefused: true);
        Assert.Equal([200, 409], all.Select(w => w.Code));
        Assert.All(all, w => Assert.StartsWith("member-a", w.UserAgent));
        Assert.True(all[1].Time >= all[0].Time);
        Assert.Null(all[1].ReplicasAfter);

        var (_, body) = await sim.SendAsync(HttpMethod.Get, "/simulator/audit/writes?kind=scale&includeRefused=true");
        var items = body!["items"]!.AsArray();
        Assert.Equal([200, 409], items.Select(i => (int)i!["code"]!));
        Assert.Equal("update", (string?)items[1]!["verb"]);
        (_, body) = await sim.SendAsync(HttpMethod.Get, "/simulator/audit/writes?kind=scale");
        Assert.Single(body!["items"]!.AsArray());
    }
}
