using System.Net.Sockets;
using k8s;
using k8s.Models;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>Starting and stopping the whole simulated cluster in process, as `sim serve` does.</summary>
public sealed class SimulatedClusterTests
{
    [Fact]
    public async Task Starts_on_a_free_port_with_nodes_kubeconfig_and_manifests_and_stops_cleanly()
    {
        var directory = Path.Combine(Path.GetTempPath(), "s1cluster-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var manifest = Path.Combine(directory, "app.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Namespace
            metadata: {name: shop}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: cart, namespace: shop}
            spec:
              replicas: 2
              selector: {matchLabels: {app: cart}}
              template:
                metadata: {labels: {app: cart}}
                spec:
                  containers: [{name: cart, image: "shop/cart:1", resources: {requests: {cpu: 100m}}}]
            """);
        var options = new SimulatorOptions
        {
            Nodes = 2,
            Port = 0,
            KubeconfigOut = Path.Combine(directory, "kubeconfig"),
            PrometheusSdFile = Path.Combine(directory, "sd.json"),
            Manifests = [manifest],
        };
        var cluster = await SimulatedCluster.StartAsync(options);
        int port;
        await using (cluster)
        {
            port = cluster.Port;
            Assert.NotEqual(0, port);
            var kubeconfig = await File.ReadAllTextAsync(cluster.KubeconfigPath!);
            Assert.Contains($"server: https://127.0.0.1:{port}", kubeconfig);
            Assert.Contains($"certificate-authority: {cluster.CaFile}", kubeconfig);
            Assert.True(File.Exists(options.PrometheusSdFile));

            // The official client trusts the cluster through the written kubeconfig and CA alone.
            var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath));
            var nodes = await client.CoreV1.ListNodeAsync();
            Assert.Equal(2, nodes.Items.Count);
            Assert.All(nodes.Items, n => Assert.Contains(n.Status.Conditions, c => c.Type == "Ready" && c.Status == "True"));

            var deadline = DateTime.UtcNow.AddSeconds(30);
            V1PodList pods;
            do
            {
                pods = await client.CoreV1.ListNamespacedPodAsync("shop", labelSelector: "app=cart", fieldSelector: "status.phase=Running");
                if (pods.Items.Count == 2) break;
                await Task.Delay(200);
            }
            while (DateTime.UtcNow < deadline);
            Assert.Equal(2, pods.Items.Count);
            Assert.All(pods.Items, p => Assert.StartsWith("sim-node-", p.Spec.NodeName));
        }

        // Stopped: the port no longer accepts connections.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync("127.0.0.1", port));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Bad_options_and_bad_manifests_are_reported_by_field()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => SimulatedCluster.StartAsync(new SimulatorOptions { Nodes = -1, KubernetesVersion = "one" }));
        Assert.Contains("nodes: Invalid value: -1", e.Message);
        Assert.Contains("kubernetesVersion: Invalid value: \"one\"", e.Message);

        var manifest = Path.Combine(Path.GetTempPath(), "s1bad-" + Guid.NewGuid().ToString("N")[..8] + ".yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: bad}\nspec: {scaleTargetRef: {kind: Deployment, name: x}, maxReplicas: 0}\n");
        var invalid = await Assert.ThrowsAsync<InvalidDataException>(() =>
            SimulatedCluster.StartAsync(new SimulatorOptions { Nodes = 0, SimulateWorkloads = false, Manifests = [manifest] }));
        Assert.Contains("HorizontalPodAutoscaler \"bad\"", invalid.Message);
        Assert.Contains("spec.maxReplicas", invalid.Message);
        File.Delete(manifest);
    }
}
