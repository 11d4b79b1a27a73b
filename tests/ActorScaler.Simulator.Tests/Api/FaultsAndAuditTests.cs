using System.Diagnostics;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>API faults switched over HTTP, and the audit read over HTTP.</summary>
public sealed class FaultsAndAuditTests
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
    public async Task Error_rate_fault_answers_503_only_for_the_matching_client_until_cleared()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var controller = sim.Client("hpa-controller");
        var other = sim.Client("setup");
        var (status, body) = await sim.SendAsync(HttpMethod.Put, "/simulator/faults/api",
            """{"errorRate":1,"errorStatusCode":503,"userAgentContains":"hpa-controller"}""");
        Assert.Equal(200, status);
        Assert.Equal(1.0, (double)body!["errorRate"]!);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => controller.CoreV1.ListNamespaceAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.Response.StatusCode);
        Assert.Contains("\"reason\":\"ServiceUnavailable\"", e.Response.Content);
        Assert.NotEmpty((await other.CoreV1.ListNamespaceAsync()).Items);

        Assert.Equal(200, (await sim.SendAsync(HttpMethod.Delete, "/simulator/faults/api")).Status);
        Assert.NotEmpty((await controller.CoreV1.ListNamespaceAsync()).Items);
    }

    [Fact]
    public async Task Invalid_fault_settings_are_rejected_naming_the_field()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var (status, body) = await sim.SendAsync(HttpMethod.Put, "/simulator/faults/api", """{"errorRate":2}""");
        Assert.Equal(400, status);
        Assert.Contains("errorRate", (string?)body!["error"]);
        (status, body) = await sim.SendAsync(HttpMethod.Put, "/simulator/faults/api", "{not json");
        Assert.Equal(400, status);
        Assert.Contains("not valid JSON", (string?)body!["error"]);
    }

    [Fact]
    public async Task Latency_and_conflict_storm_faults_apply_to_the_chosen_verbs_and_resources()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var client = sim.Client("hpa-controller");
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), "default");
        await sim.SendAsync(HttpMethod.Put, "/simulator/faults/api",
            """{"conflictRate":1,"latencyMilliseconds":300,"resources":["deployments/scale"],"verbs":["patch","update"]}""");

        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "web", "default"));
        Assert.True(watch.ElapsedMilliseconds >= 280, $"the latency fault should delay the write, took {watch.ElapsedMilliseconds} ms");
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Contains("the object has been modified", e.Response.Content);

        // Reads of the scale and writes elsewhere are untouched.
        Assert.Equal(1, (await client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "default")).Spec.Replicas);
        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"metadata":{"labels":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), "web", "default");
        Assert.Empty(sim.Cluster.Audit.Writes("scale"));
    }

    [Fact]
    public async Task Watch_max_seconds_fault_closes_watches()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        await sim.SendAsync(HttpMethod.Put, "/simulator/faults/api", """{"watchMaxSeconds":1}""");
        var watch = Stopwatch.StartNew();
        var (status, body) = await sim.SendAsync(HttpMethod.Get, "/api/v1/namespaces?watch=true&resourceVersion=0");
        Assert.Equal(200, status);
        Assert.InRange(watch.Elapsed.TotalSeconds, 0.9, 10);
        // The synthetic ADDED events for the four system namespaces came before the close.
        Assert.Equal(4, ((string?)body!.GetValue<string>() ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Audit_records_scale_and_hpa_status_writers_and_counts_requests_by_user_agent()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var setup = sim.Client("setup");
        var controller = sim.Client("hpa-controller");
        await setup.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), "default");
        var hpa = await setup.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
                MaxReplicas = 5,
            },
        }, "default");

        var scale = await controller.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "default");
        scale.Spec.Replicas = 4;
        await controller.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", "default");
        hpa.Status = new V2HorizontalPodAutoscalerStatus { CurrentReplicas = 1, DesiredReplicas = 4 };
        await controller.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerStatusAsync(hpa, "web", "default");

        var (_, writes) = await sim.SendAsync(HttpMethod.Get, "/simulator/audit/writes?kind=scale");
        var record = Assert.Single(writes!["items"]!.AsArray());
        Assert.Equal("web", (string?)record!["name"]);
        Assert.Equal(1, (int)record["replicasBefore"]!);
        Assert.Equal(4, (int)record["replicasAfter"]!);
        Assert.StartsWith("hpa-controller", (string?)record["userAgent"]);
        Assert.Equal("deployments/scale", (string?)record["resource"]);

        (_, writes) = await sim.SendAsync(HttpMethod.Get, "/simulator/audit/writes?kind=hpa-status&name=web");
        var status = Assert.Single(writes!["items"]!.AsArray());
        Assert.Equal(0, (int)status!["replicasBefore"]!);
        Assert.Equal(4, (int)status["replicasAfter"]!);

        var (_, requests) = await sim.SendAsync(HttpMethod.Get, "/simulator/audit/requests?userAgent=hpa-controller");
        Assert.Equal(3, (long)requests!["total"]!);
        var resources = requests["items"]!.AsArray().Select(i => $"{(string?)i!["verb"]} {(string?)i["resource"]}").Order().ToList();
        Assert.Equal(["get deployments/scale.apps", "update deployments/scale.apps", "update horizontalpodautoscalers/status.autoscaling"], resources);

        Assert.Equal(204, (await sim.SendAsync(HttpMethod.Delete, "/simulator/audit")).Status);
        (_, writes) = await sim.SendAsync(HttpMethod.Get, "/simulator/audit/writes");
        Assert.Empty(writes!["items"]!.AsArray());
    }
}
