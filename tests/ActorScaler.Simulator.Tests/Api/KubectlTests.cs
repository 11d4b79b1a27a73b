using System.Text.Json.Nodes;
using Xunit;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>
/// The real kubectl against the simulator through the written kubeconfig. The dispatcher picks
/// the client from /version's minor, so each version here runs that kubectl release: 1.27 speaks
/// JSON only, 1.33 sends protobuf bodies for `create …` and `autoscale`.
/// </summary>
public sealed class KubectlTests
{
    private const string DeploymentManifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          replicas: 2
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              containers:
              - name: api
                image: nginx:1.27
                resources:
                  requests: {cpu: 100m}
        """;

    private const string InvalidHpaManifest = """
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: bad
        spec:
          scaleTargetRef: {kind: Deployment, name: api}
          minReplicas: 3
          maxReplicas: 0
        """;

    [Theory]
    [InlineData("v1.27.16")]
    [InlineData("v1.33.1")]
    public async Task Kubectl_works_with_the_simulator_as_with_a_cluster(string version)
    {
        await using var sim = await SimulatorFixture.StartAsync(new SimulatorOptions { KubernetesVersion = version });
        var minor = version.Split('.')[1];
        var kubectl = new KubectlRunner(sim.Kubeconfig, Path.Combine(sim.Directory, "cache"));
        async Task<string> Ok(params string[] args)
        {
            var r = await kubectl.RunAsync(args);
            Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {r}");
            return r.Stdout;
        }

        // The dispatcher chose the kubectl matching the server's minor version.
        var versions = JsonNode.Parse(await Ok("version", "-o", "json"))!;
        Assert.Equal(minor, (string?)versions["serverVersion"]!["minor"]);
        Assert.Equal(minor, (string?)versions["clientVersion"]!["minor"]);

        Assert.Contains("namespace/load created", await Ok("create", "namespace", "load"));
        Assert.Contains("deployment.apps/web created", await Ok("create", "deployment", "web", "--image=nginx:1.27", "-n", "load"));

        var manifest = Path.Combine(sim.Directory, "api.yaml");
        await File.WriteAllTextAsync(manifest, DeploymentManifest);
        Assert.Contains("deployment.apps/api created", await Ok("apply", "-f", manifest, "-n", "load"));
        await File.WriteAllTextAsync(manifest, DeploymentManifest.Replace("replicas: 2", "replicas: 4"));
        Assert.Contains("deployment.apps/api configured", await Ok("apply", "-f", manifest, "-n", "load"));
        Assert.Contains("deployment.apps/api unchanged", await Ok("apply", "-f", manifest, "-n", "load"));

        var table = await Ok("get", "deployments", "-n", "load");
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE", table);
        Assert.Matches(@"api\s+0/4\s+0\s+0\s+\d+s", table);
        Assert.Matches(@"web\s+0/1\s+0\s+0\s+\d+s", table);

        Assert.Contains("deployment.apps/web scaled", await Ok("scale", "deployment", "web", "--replicas=3", "-n", "load"));
        var scale = Assert.Single(sim.Cluster.Audit.Writes(Simulator.Api.ApiAudit.ScaleKind));
        Assert.Equal((1, 3), (scale.ReplicasBefore, scale.ReplicasAfter));
        Assert.StartsWith($"kubectl/v1.{minor}", scale.UserAgent);

        Assert.Contains("horizontalpodautoscaler.autoscaling/web autoscaled",
            await Ok("autoscale", "deployment", "web", "--max=5", "--cpu-percent=50", "-n", "load"));
        var hpas = await Ok("get", "hpa", "-n", "load");
        Assert.Matches(@"NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE", hpas);
        // kube-apiserver 1.30+ prefixes Resource metrics with their name.
        var targets = int.Parse(minor) >= 30 ? "cpu: <unknown>/50%" : "<unknown>/50%";
        Assert.Matches($@"web\s+Deployment/web\s+{System.Text.RegularExpressions.Regex.Escape(targets)}\s+1\s+5\s+0\s+\d+s", hpas);
        // Stored once, served as v2 whichever version created it.
        var v2 = JsonNode.Parse(await Ok("get", "hpa.v2.autoscaling", "web", "-n", "load", "-o", "json"))!;
        Assert.Equal(50, (int)v2["spec"]!["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]!);

        var describe = await Ok("describe", "hpa", "web", "-n", "load");
        Assert.Matches(@"Reference:\s+Deployment/web", describe);
        Assert.Matches(@"Min replicas:\s+1", describe);
        Assert.Matches(@"Max replicas:\s+5", describe);

        Assert.Matches(@"deployment.apps/web annotated?", await Ok("annotate", "deployment", "web", "team=blue", "-n", "load"));
        Assert.Equal("blue", (string?)JsonNode.Parse(await Ok("get", "deploy", "web", "-n", "load", "-o", "json"))!["metadata"]!["annotations"]!["team"]);

        Assert.Equal(minor, (string?)JsonNode.Parse(await Ok("get", "--raw", "/version"))!["minor"]);

        var invalidFile = Path.Combine(sim.Directory, "bad.yaml");
        await File.WriteAllTextAsync(invalidFile, InvalidHpaManifest);
        var invalid = await kubectl.RunAsync("apply", "-f", invalidFile, "-n", "load");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("The HorizontalPodAutoscaler \"bad\" is invalid", invalid.Stderr);
        Assert.Contains("spec.maxReplicas: Invalid value: 0", invalid.Stderr);

        await File.WriteAllTextAsync(invalidFile, InvalidHpaManifest.Replace("maxReplicas: 0", "maxReplicas: 5\n  maxReplica: 5"));
        var typo = await kubectl.RunAsync("apply", "-f", invalidFile, "-n", "load");
        Assert.Equal(1, typo.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.maxReplica\"", typo.Stderr);

        Assert.Contains("deployment.apps \"api\" deleted", await Ok("delete", "deployment", "api", "-n", "load"));
        var missing = await kubectl.RunAsync("get", "deployment", "api", "-n", "load");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): deployments.apps \"api\" not found", missing.Stderr);
    }

    [Theory]
    [InlineData("v1.27.16")]
    [InlineData("v1.33.1")]
    public async Task Kubectl_get_watch_and_top_through_an_aggregated_metrics_api(string version)
    {
        await using var sim = await SimulatorFixture.StartAsync(new SimulatorOptions { KubernetesVersion = version });
        await using var metrics = await MetricsBackend.StartAsync(sim.Cluster.CertificateAuthority);
        var registration = Path.Combine(sim.Directory, "metrics.yaml");
        await File.WriteAllTextAsync(registration, metrics.RegistrationManifest(sim.Cluster.CertificateAuthority));
        sim.Cluster.ApplyManifestFile(registration);
        var kubectl = new KubectlRunner(sim.Kubeconfig, Path.Combine(sim.Directory, "cache"));
        var created = await kubectl.RunAsync("create", "deployment", "web", "--image=nginx:1.27");
        Assert.True(created.ExitCode == 0, created.ToString());

        // `get NAME -w`: the table row, then (after the synthetic ADDED kubectl discards) the change.
        var watch = kubectl.Start("get", "deployment", "web", "-w");
        var lines = new List<string>();
        var reader = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (lines) lines.Add(line);
            }
        });
        await WaitUntilAsync(() => { lock (lines) return lines.Count >= 2; });
        var scaled = await kubectl.RunAsync("scale", "deployment", "web", "--replicas=4");
        Assert.True(scaled.ExitCode == 0, scaled.ToString());
        await WaitUntilAsync(() => { lock (lines) return lines.Count >= 3; });
        watch.Kill();
        await reader;
        Assert.Matches(@"NAME\s+READY", lines[0]);
        Assert.Matches(@"^web\s+0/1\s", lines[1]);
        Assert.Matches(@"^web\s+0/4\s", lines[2]);

        var pods = await kubectl.RunAsync("top", "pods");
        Assert.True(pods.ExitCode == 0, pods.ToString());
        Assert.Matches(@"NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)", pods.Stdout);
        Assert.Matches(@"web-abc\s+1388m\s+12Mi", pods.Stdout);
        var nodes = await kubectl.RunAsync("top", "nodes");
        Assert.Matches(@"node-a\s+250m", nodes.Stdout);
        Assert.True(metrics.Requests >= 3, $"the aggregated backend saw {metrics.Requests} requests");
        var groups = await sim.SendAsync(HttpMethod.Get, "/apis");
        Assert.Contains("metrics.k8s.io", groups.Body!.ToJsonString());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met in 20 s");
            await Task.Delay(50);
        }
    }
}
