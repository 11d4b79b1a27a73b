using System.Text.Json.Nodes;
using ActorScaler.Hosting;
using ActorScaler.Simulator;
using ActorScaler.Simulator.Load;
using k8s;
using k8s.Models;

namespace ActorScaler.Integration.Tests.Controller;

/// <summary>
/// One simulator and two in-process members in control mode, shared by the controller scenarios (each
/// in its own namespace, deleted afterwards). Periods are shortened so each scenario takes seconds:
/// sync 1 s, metric resolution 1 s, CPU initialization 5 s, readiness delay 2 s, and the test HPAs
/// shorten their own stabilization windows through behavior.
/// </summary>
public sealed class ControllerFixture : IAsyncLifetime
{
    public static readonly RunOptions FastMember = new()
    {
        SyncPeriod = TimeSpan.FromSeconds(1),
        MetricResolution = TimeSpan.FromSeconds(1),
        KubeletRequestTimeout = TimeSpan.FromSeconds(2),
        DownscaleStabilization = TimeSpan.FromSeconds(3),
        CpuInitializationPeriod = TimeSpan.FromSeconds(5),
        InitialReadinessDelay = TimeSpan.FromSeconds(2),
    };

    public InProcessCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Cluster = await InProcessCluster.StartAsync(new InProcessClusterOptions { Members = 2, Nodes = 3, Member = FastMember });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ControllerCollection : ICollectionFixture<ControllerFixture>
{
    public const string Name = "controller";
}

/// <summary>What the scenarios do to the simulated cluster, as an operator with kubectl would.</summary>
public static class Scenario
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static void Apply(InProcessCluster cluster, string yaml)
    {
        foreach (var obj in Manifests.Read(yaml, "test"))
            cluster.Simulator.Handler.ApplyObject(obj);
    }

    public static void CreateNamespace(InProcessCluster cluster, string ns) =>
        Apply(cluster, $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");

    /// <summary>Deletes the namespace's HPAs so later scenarios (and the API-cost count) see none of them.</summary>
    public static async Task CleanUpAsync(InProcessCluster cluster, string ns)
    {
        var hpas = await cluster.Client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(ns);
        foreach (var hpa in hpas.Items)
            await cluster.Client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(hpa.Metadata.Name, ns);
        var deployments = await cluster.Client.AppsV1.ListNamespacedDeploymentAsync(ns);
        foreach (var deployment in deployments.Items)
            await cluster.Client.AppsV1.DeleteNamespacedDeploymentAsync(deployment.Metadata.Name, ns);
    }

    public static string Deployment(string ns, string name, string? cpuRequest, string? memoryRequest, IReadOnlyDictionary<string, string>? load = null)
    {
        var annotations = load is null || load.Count == 0
            ? ""
            : "  annotations:\n" + string.Concat(load.Select(p => $"    {p.Key}: \"{p.Value}\"\n"));
        var requests = cpuRequest is null && memoryRequest is null
            ? ""
            : "        resources:\n          requests:\n"
              + (cpuRequest is null ? "" : $"            cpu: {cpuRequest}\n")
              + (memoryRequest is null ? "" : $"            memory: {memoryRequest}\n");
        return $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {name}
              namespace: {ns}
            {annotations}spec:
              replicas: 1
              selector:
                matchLabels:
                  app: {name}
              template:
                metadata:
                  labels:
                    app: {name}
                spec:
                  containers:
                  - name: app
                    image: registry.k8s.io/hpa-example
            {requests}
            """;
    }

    /// <summary>Quick policies so scenarios take seconds: scale up or down by up to 10x per second,
    /// with a 2 s scale-down stabilization window.</summary>
    public const string FastBehavior = """
          behavior:
            scaleUp:
              stabilizationWindowSeconds: 0
              policies:
              - type: Percent
                value: 900
                periodSeconds: 1
            scaleDown:
              stabilizationWindowSeconds: 2
              policies:
              - type: Percent
                value: 100
                periodSeconds: 1
        """;

    public static async Task SetLoadAsync(InProcessCluster cluster, string ns, string deployment, IReadOnlyDictionary<string, string?> annotations)
    {
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
            values[key] = value;
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = values } };
        await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), deployment, ns);
    }

    public static Task SetCpuAsync(InProcessCluster cluster, string ns, string deployment, string? cpu) =>
        SetLoadAsync(cluster, ns, deployment, new Dictionary<string, string?> { [LoadAnnotations.CpuDemand] = cpu });

    public static Task<V2HorizontalPodAutoscaler> ReadHpaAsync(InProcessCluster cluster, string ns, string name) =>
        cluster.Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns);

    /// <summary>Polls the HPA until <paramref name="done"/> holds; fails with the last status seen.</summary>
    public static async Task<V2HorizontalPodAutoscaler> WaitForHpaAsync(InProcessCluster cluster, string ns, string name, Func<V2HorizontalPodAutoscaler, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? Patience);
        V2HorizontalPodAutoscaler hpa;
        while (true)
        {
            hpa = await ReadHpaAsync(cluster, ns, name);
            if (done(hpa))
                return hpa;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"HPA {ns}/{name} did not reach the expected state; last status: {KubernetesJson.Serialize(hpa.Status)}");
            await Task.Delay(250);
        }
    }

    public static V2HorizontalPodAutoscalerCondition? Condition(V2HorizontalPodAutoscaler hpa, string type) =>
        hpa.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static async Task<IReadOnlyList<Corev1Event>> EventsAsync(InProcessCluster cluster, string ns, string hpa)
    {
        var events = await cluster.Client.CoreV1.ListNamespacedEventAsync(ns);
        return events.Items.Where(e => e.InvolvedObject?.Name == hpa && e.InvolvedObject?.Kind == "HorizontalPodAutoscaler").ToList();
    }
}
