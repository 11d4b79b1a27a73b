using System.Diagnostics;
using ActorScaler.Simulator.Kubelets;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Tests.Kubelets;
using k8s;
using k8s.Models;
using Xunit;

namespace ActorScaler.Simulator.Tests.Workloads;

/// <summary>
/// The whole simulator on the real clock: a KubernetesClient drives the load through the API
/// server (annotations, scale), and the kubelet found through the Node object reports it.
/// </summary>
public sealed class ThroughTheApiServerTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "s2sim-" + Guid.NewGuid().ToString("N")[..8]);
    private SimulatedCluster _cluster = null!;
    private Kubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 2,
            KubeconfigOut = Path.Combine(_directory, "kubeconfig"),
            PrometheusSdFile = Path.Combine(_directory, "targets.json"),
        });
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_cluster.KubeconfigPath!));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (clock.Elapsed > within) throw new TimeoutException($"not reached within {within}: {value}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_client_scales_and_loads_a_deployment_and_the_kubelet_reports_it()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web",
                Annotations = new Dictionary<string, string> { [LoadAnnotations.CpuDemand] = "400m", [LoadAnnotations.ReadyAfter] = "1s" },
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = 2,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "app",
                                Image = "nginx",
                                Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("200m") } },
                            },
                        ],
                    },
                },
            },
        };
        await _client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default");
        var ready = await EventuallyAsync(
            () => _client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"),
            d => d.Status?.ReadyReplicas == 2, TimeSpan.FromSeconds(20));
        Assert.Equal(2, ready.Status.UpdatedReplicas);

        var pods = await _client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web");
        var pod = pods.Items[0];
        var node = await _client.CoreV1.ReadNodeAsync(pod.Spec.NodeName);
        var port = node.Status.DaemonEndpoints.KubeletEndpoint.Port;
        Assert.Equal("127.0.0.1", node.Status.Addresses.Single(a => a.Type == "InternalIP").Address);

        // The CA file beside the kubeconfig verifies the kubelet like a Go client would.
        using var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(_cluster.CaFile!);
        using var http = new GoLikeTls().CreateClient(ca);
        async Task<PromSample> CpuAsync() =>
            PromSample.ParseAll(await http.GetStringAsync($"https://127.0.0.1:{port}/metrics/resource"))
                .Single(s => s.Name == "container_cpu_usage_seconds_total" && s.Label("pod") == pod.Metadata.Name);
        async Task<double> RateAsync()
        {
            var a = await CpuAsync();
            var b = await EventuallyAsync(CpuAsync, s => s.TimestampMs >= a.TimestampMs + 1000, TimeSpan.FromSeconds(5));
            return (b.Value - a.Value) / ((b.TimestampMs!.Value - a.TimestampMs!.Value) / 1000.0);
        }
        Assert.Equal(0.2, await RateAsync(), 3);

        // Load changed through the API: takes effect within a second (plus one stats interval to observe).
        var patch = new V1Patch(
            new System.Text.Json.Nodes.JsonObject
            {
                ["metadata"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["annotations"] = new System.Text.Json.Nodes.JsonObject { [LoadAnnotations.CpuDemand] = "1200m" },
                },
            }.ToJsonString(),
            V1Patch.PatchType.MergePatch);
        await _client.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default");
        await Task.Delay(1100);
        Assert.Equal(0.6, await RateAsync(), 3);

        // Scaled through the scale subresource: the demand is spread over three Ready pods.
        await _client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("""{"spec":{"replicas":3}}""", V1Patch.PatchType.MergePatch), "web", "default");
        await EventuallyAsync(() => _client.AppsV1.ReadNamespacedDeploymentAsync("web", "default"), d => d.Status?.ReadyReplicas == 3, TimeSpan.FromSeconds(20));
        await Task.Delay(1100);
        Assert.Equal(0.4, await RateAsync(), 3);
    }

    [Fact]
    public async Task A_fault_set_in_process_makes_the_kubelet_fail_and_nodes_from_the_api_are_not_simulated()
    {
        var sim = _cluster.Workloads!;
        var node = sim.NodeNames[0];
        sim.Kubelets.SetFault(node, new KubeletFault(KubeletFaultMode.Down, TimeSpan.Zero));
        using var http = new GoLikeTls().CreateClient(_cluster.CertificateAuthority.Certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetStringAsync($"https://127.0.0.1:{sim.Kubelets.PortOf(node)}/metrics/resource"));

        await _client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "real-node" },
            Status = new V1NodeStatus
            {
                Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "10.0.0.9" }],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
            },
        });
        Assert.False(sim.Kubelets.IsSimulated("real-node"));
        Assert.False(sim.Kubelets.SetFault("real-node", new KubeletFault(KubeletFaultMode.Garbage, TimeSpan.Zero)));
        var stored = await _client.CoreV1.ReadNodeAsync("real-node");
        Assert.Equal(10250, stored.Status?.DaemonEndpoints?.KubeletEndpoint?.Port);
    }
}
