using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>The official KubernetesClient against the in-process simulator, over HTTPS with the written kubeconfig.</summary>
public sealed class KubernetesClientTests
{
    private static V1Deployment Deployment(string name, int replicas = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx:1.27" }] },
            },
        },
    };

    [Fact]
    public async Task Create_get_list_replace_patch_delete_round_trip()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var client = sim.Client();

        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), "default");
        Assert.Equal(1, created.Metadata.Generation);
        Assert.NotNull(created.Metadata.Uid);
        Assert.Equal("RollingUpdate", created.Spec.Strategy.Type);
        Assert.Equal("IfNotPresent", created.Spec.Template.Spec.Containers[0].ImagePullPolicy);

        var list = await client.AppsV1.ListNamespacedDeploymentAsync("default");
        Assert.Equal("web", Assert.Single(list.Items).Metadata.Name);
        Assert.Equal(created.Metadata.ResourceVersion, list.Metadata.ResourceVersion);

        created.Spec.Replicas = 3;
        var replaced = await client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", "default");
        Assert.Equal(2, replaced.Metadata.Generation);

        var patch = new V1Patch("""{"metadata":{"annotations":{"team":"blue"}}}""", V1Patch.PatchType.MergePatch);
        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default");
        Assert.Equal("blue", patched.Metadata.Annotations["team"]);
        Assert.Equal(2, patched.Metadata.Generation);

        var smp = new V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}""", V1Patch.PatchType.StrategicMergePatch);
        var strategic = await client.AppsV1.PatchNamespacedDeploymentAsync(smp, "web", "default");
        var container = Assert.Single(strategic.Spec.Template.Spec.Containers);
        Assert.Equal("nginx:1.28", container.Image);
        Assert.Equal("IfNotPresent", container.ImagePullPolicy);

        var jsonPatch = new V1Patch("""[{"op":"replace","path":"/spec/replicas","value":5}]""", V1Patch.PatchType.JsonPatch);
        Assert.Equal(5, (await client.AppsV1.PatchNamespacedDeploymentAsync(jsonPatch, "web", "default")).Spec.Replicas);

        await client.AppsV1.DeleteNamespacedDeploymentAsync("web", "default");
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("deployments.apps \\\"web\\\" not found", missing.Response.Content);
    }

    [Fact]
    public async Task Stale_replace_is_409_Conflict_with_a_Status_body()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var client = sim.Client();
        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web"), "default");
        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch), "web", "default");
        created.Spec.Replicas = 7;
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.ReplaceNamespacedDeploymentAsync(created, "web", "default"));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        Assert.Equal(409, status.Code);
        Assert.Equal("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again", status.Message);
    }

    [Fact]
    public async Task Scale_subresource_reads_and_writes_replicas_with_the_selector()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var client = sim.Client();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 2), "default");
        var scale = await client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", "default");
        Assert.Equal(2, scale.Spec.Replicas);
        Assert.Equal("app=web", scale.Status.Selector);

        scale.Spec.Replicas = 4;
        var written = await client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(scale, "web", "default");
        Assert.Equal(4, written.Spec.Replicas);
        var patched = await client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch("""{"spec":{"replicas":6}}""", V1Patch.PatchType.MergePatch), "web", "default");
        Assert.Equal(6, patched.Spec.Replicas);
        Assert.Equal(6, (await client.AppsV1.ReadNamespacedDeploymentAsync("web", "default")).Spec.Replicas);
    }

    [Fact]
    public async Task Hpa_is_stored_once_and_served_in_v2_and_v1_with_status_subresource()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var client = sim.Client();
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" },
                MaxReplicas = 10,
                Metrics =
                [
                    new V2MetricSpec
                    {
                        Type = "Resource",
                        Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 50 } },
                    },
                ],
            },
        };
        var created = await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(hpa, "default");
        Assert.Equal(1, created.Spec.MinReplicas);

        var v1 = await client.AutoscalingV1.ReadNamespacedHorizontalPodAutoscalerAsync("web", "default");
        Assert.Equal(50, v1.Spec.TargetCPUUtilizationPercentage);
        Assert.Equal(10, v1.Spec.MaxReplicas);

        created.Status = new V2HorizontalPodAutoscalerStatus { CurrentReplicas = 2, DesiredReplicas = 3 };
        created.Spec.MaxReplicas = 99;
        var status = await client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerStatusAsync(created, "web", "default");
        Assert.Equal(3, status.Status.DesiredReplicas);
        Assert.Equal(10, status.Spec.MaxReplicas);
    }

    [Fact]
    public async Task Invalid_hpa_is_422_with_a_cause_per_field()
    {
        await using var sim = await SimulatorFixture.StartAsync();
        var client = sim.Client();
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "bad" },
            Spec = new V2HorizontalPodAutoscalerSpec { ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment" }, MaxReplicas = 0 },
        };
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(hpa, "default"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        Assert.Equal("Invalid", status.Reason);
        Assert.Equal("HorizontalPodAutoscaler", status.Details.Kind);
        var fields = status.Details.Causes.Select(c => c.Field).ToList();
        Assert.Contains("spec.scaleTargetRef.name", fields);
        Assert.Contains("spec.maxReplicas", fields);
        Assert.StartsWith("HorizontalPodAutoscaler.autoscaling \"bad\" is invalid: [", status.Message);
    }

    [Fact]
    public async Task Watch_reconnects_after_410_and_after_a_dropped_watch()
    {
        await using var sim = await SimulatorFixture.StartAsync(new SimulatorOptions { WatchHistory = 3 });
        var client = sim.Client();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "default");
        var listRv = (await client.CoreV1.ListNamespacedConfigMapAsync("default")).Metadata.ResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"b{i}" } }, "default");
        }

        // A watch from a compacted resourceVersion gets one ERROR event with a 410 Expired Status.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Exception? watchError = null;
        await foreach (var _ in client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: listRv,
                           allowWatchBookmarks: true, onError: e => watchError = e, cancellationToken: cts.Token))
        {
            Assert.Fail("no object event expected from an expired resourceVersion");
        }
        var expired = Assert.IsType<KubernetesException>(watchError);
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);

        // Re-list and watch again; the dropped-watch fault ends the stream and a fresh watch resumes.
        var relist = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(6, relist.Items.Count);
        var seen = new List<string>();
        var created = false;
        await foreach (var (type, obj) in client.CoreV1.WatchListNamespacedConfigMapAsync("default",
                           resourceVersion: relist.Metadata.ResourceVersion, allowWatchBookmarks: true, cancellationToken: cts.Token))
        {
            if (type == WatchEventType.Bookmark)
            {
                // The early bookmark unblocks the client; now make a change to watch.
                if (!created) await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "default");
                created = true;
                continue;
            }
            seen.Add($"{type} {obj.Metadata.Name}");
            var (status, body) = await sim.SendAsync(HttpMethod.Post, "/simulator/faults/api/drop-watches");
            Assert.Equal(200, status);
            Assert.Equal(1, (int)body!["dropped"]!);
        }
        // The stream ended (dropped); a new watch from the last seen resourceVersion resumes.
        Assert.Equal(["Added c"], seen);
        var resumed = await client.CoreV1.ListNamespacedConfigMapAsync("default");
        Assert.Equal(7, resumed.Items.Count);
    }
}
