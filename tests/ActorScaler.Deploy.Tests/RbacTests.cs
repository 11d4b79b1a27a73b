using k8s;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using ActorScaler.Hosting;
using ActorScaler.Simulator;
using ActorScaler.Simulator.Load;
using k8s.Models;

namespace ActorScaler.Deploy.Tests;

/// <summary>One permission: what RBAC authorizes (API group, resource[/subresource], verb).</summary>
public sealed record ApiCall(string Group, string Resource, string Verb)
{
    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource}";
}

/// <summary>
/// The ClusterRole against the calls a member really makes: one member runs against the simulator with
/// HPAs that scale a Deployment and a StatefulSet, read a ReplicaSet's scale, fail on a missing target
/// (repeated warning events) and read Pods and External metrics through the API server; the calls are
/// the simulator's request audit for that member's User-Agent, plus its kubelet scrapes. Every call must
/// be allowed, and every granted verb must have been used or be justified below.
/// </summary>
public sealed class RbacTests
{
    private const string Namespace = "rbac-run";

    /// <summary>Granted but not exercised by this run, each with the reason it is still needed.</summary>
    private static readonly IReadOnlyDictionary<ApiCall, string> Justified = new Dictionary<ApiCall, string>
    {
        [new("autoscaling", "horizontalpodautoscalers", "patch")] =
            "--mode shadow writes its decision as an annotation on the HPA (HpaStatusClient); this run is in control mode",
        [new("apps", "deployments/scale", "get")] =
            "read once after a 409 Conflict on a scale write, then decided again (HpaSupervisor); nothing races this run's writes",
        [new("apps", "statefulsets/scale", "get")] = "as deployments/scale: the re-read after a 409 Conflict",
        [new("apps", "replicasets/scale", "get")] = "as deployments/scale: the re-read after a 409 Conflict",
    };

    private static readonly RunOptions Member = new()
    {
        SyncPeriod = TimeSpan.FromSeconds(1),
        MetricResolution = TimeSpan.FromSeconds(1),
        KubeletRequestTimeout = TimeSpan.FromSeconds(2),
        DownscaleStabilization = TimeSpan.FromSeconds(3),
        CpuInitializationPeriod = TimeSpan.FromSeconds(2),
        InitialReadinessDelay = TimeSpan.FromSeconds(1),
        CustomMetricsPollInterval = TimeSpan.FromSeconds(1),
        CustomMetricsFromApiServer = true,
    };

    private const string FastBehavior = """
          behavior:
            scaleUp:
              stabilizationWindowSeconds: 0
              policies:
              - type: Percent
                value: 900
                periodSeconds: 1
        """;

    private static string Workload(string kind, string name) => $$"""
        apiVersion: apps/v1
        kind: {{kind}}
        metadata:
          name: {{name}}
          namespace: {{Namespace}}
          annotations:
            {{LoadAnnotations.CpuDemand}}: "900m"
        spec:
          replicas: 1
        {{(kind == "StatefulSet" ? $"  serviceName: {name}\n" : "")}}  selector:
            matchLabels:
              app: {{name}}
          template:
            metadata:
              labels:
                app: {{name}}
            spec:
              containers:
              - name: app
                image: registry.k8s.io/hpa-example
                resources:
                  requests:
                    cpu: 100m
        """;

    private static string CpuHpa(string kind, string name, string target) => $"""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: {name}
          namespace: {Namespace}
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: {kind}
            name: {target}
          minReplicas: 1
          maxReplicas: 4
          metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 50
        {FastBehavior}
        """;

    private const string CustomMetricsHpa = $"""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: queue
          namespace: {Namespace}
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: queue
          minReplicas: 1
          maxReplicas: 4
          metrics:
          - type: Pods
            pods:
              metric:
                name: http_requests_per_second
              target:
                type: AverageValue
                averageValue: "10"
          - type: External
            external:
              metric:
                name: queue_messages_ready
              target:
                type: AverageValue
                averageValue: "30"
        """;

    [Fact]
    public async Task The_cluster_role_allows_every_call_a_member_makes_and_grants_nothing_it_does_not_use()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterOptions { Members = 1, Nodes = 2, Member = Member });
        var userAgent = cluster.Members[0].Options.UserAgent;
        Apply(cluster, $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {Namespace}\n");
        Apply(cluster, Workload("Deployment", "web"));
        Apply(cluster, CpuHpa("Deployment", "web", "web"));
        Apply(cluster, Workload("StatefulSet", "db"));
        Apply(cluster, CpuHpa("StatefulSet", "db", "db"));
        Apply(cluster, Workload("ReplicaSet", "cache"));
        Apply(cluster, CpuHpa("ReplicaSet", "cache", "cache"));
        // A target that does not exist: the FailedGetScale warning repeats every pass (a patched event).
        Apply(cluster, CpuHpa("Deployment", "orphan", "absent"));
        Apply(cluster, Workload("Deployment", "queue"));
        Apply(cluster, CustomMetricsHpa);

        await WaitForAsync(async () =>
        {
            var web = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", Namespace);
            var db = await cluster.Client.AppsV1.ReadNamespacedStatefulSetAsync("db", Namespace);
            var cache = await cluster.Client.AppsV1.ReadNamespacedReplicaSetAsync("cache", Namespace);
            return web.Spec.Replicas > 1 && db.Spec.Replicas > 1 && cache.Spec.Replicas > 1
                && Observed(await AuditAsync(cluster, userAgent)).Contains(new ApiCall("", "events", "patch"));
        }, "the Deployment, the StatefulSet and the ReplicaSet are scaled up and a repeated event is patched");

        var observed = Observed(await AuditAsync(cluster, userAgent));
        // The kubelet authorizes GET /metrics/resource as `get nodes/metrics` (SubjectAccessReview); the
        // simulated kubelets count the scrapes, and this member is the only scraper.
        if (cluster.Workloads.Kubelets.Requests.Snapshot().Sum(n => n.Requests) > 0)
            observed.Add(new ApiCall("", "nodes/metrics", "get"));

        var rules = DeployManifests.Load().Single<V1ClusterRole>().Rules;
        var denied = observed.Where(call => !rules.Any(rule => Allows(rule, call))).ToList();
        Assert.True(denied.Count == 0, $"calls the ClusterRole does not allow: {string.Join(", ", denied)}\n(observed: {string.Join(", ", observed.Select(o => o.ToString()).Order(StringComparer.Ordinal))})");

        var granted = rules.SelectMany(Grants).ToList();
        var unused = granted.Where(g => !observed.Any(call => Covers(g, call)) && !Justified.ContainsKey(g)).ToList();
        Assert.True(unused.Count == 0, $"granted but never used: {string.Join(", ", unused)}; remove them from deploy/rbac.yaml or justify them in RbacTests.Justified\n(observed: {string.Join(", ", observed.Select(o => o.ToString()).Order(StringComparer.Ordinal))})");
        foreach (var (call, reason) in Justified)
        {
            Assert.True(granted.Contains(call), $"justified but not granted: {call} ({reason})");
            Assert.False(observed.Any(o => Covers(call, o)), $"{call} was used in this run: drop its justification ({reason})");
        }
    }

    private static void Apply(InProcessCluster cluster, string yaml)
    {
        foreach (var obj in Manifests.Read(yaml, "rbac-test"))
            cluster.Simulator.Handler.ApplyObject(obj);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(250);
        }
    }

    /// <summary>GET /simulator/audit/requests for this member, over HTTPS trusting the simulator's CA.</summary>
    private static async Task<JsonArray> AuditAsync(InProcessCluster cluster, string userAgent)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(cluster.Simulator.CaFile!);
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                    return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = cluster.Simulator.ApiBaseUrl };
        var document = await http.GetFromJsonAsync<JsonObject>($"/simulator/audit/requests?userAgent={Uri.EscapeDataString(userAgent)}");
        return document?["items"] as JsonArray ?? throw new InvalidDataException("the audit answered without items");
    }

    /// <summary>Audit rows ("deployments/scale.apps", "update") to RBAC terms.</summary>
    private static HashSet<ApiCall> Observed(JsonArray items)
    {
        var calls = new HashSet<ApiCall>();
        foreach (var item in items.OfType<JsonObject>())
        {
            var resource = (string)item["resource"]!;
            var dot = resource.IndexOf('.', StringComparison.Ordinal);
            calls.Add(dot < 0 ? new ApiCall("", resource, (string)item["verb"]!) : new ApiCall(resource[(dot + 1)..], resource[..dot], (string)item["verb"]!));
        }
        return calls;
    }

    private static IEnumerable<ApiCall> Grants(V1PolicyRule rule) =>
        from g in rule.ApiGroups from r in rule.Resources from v in rule.Verbs select new ApiCall(g, r, v);

    private static bool Allows(V1PolicyRule rule, ApiCall call) => Grants(rule).Any(g => Covers(g, call));

    /// <summary>RBAC's matching: "*" matches every resource (with its subresources) or verb.</summary>
    private static bool Covers(ApiCall grant, ApiCall call) =>
        (grant.Group == "*" || grant.Group == call.Group)
        && (grant.Resource == "*" || grant.Resource == call.Resource)
        && (grant.Verb == "*" || grant.Verb == call.Verb);
}
