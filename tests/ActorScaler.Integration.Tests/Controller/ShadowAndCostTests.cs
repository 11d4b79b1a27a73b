using ActorScaler.Hosting;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Simulator.Api;
using k8s;
using Xunit.Abstractions;
using static ActorScaler.Integration.Tests.Controller.Scenario;

namespace ActorScaler.Integration.Tests.Controller;

[Collection(ControllerCollection.Name)]
public sealed class ShadowAndCostTests(ControllerFixture fixture, ITestOutputHelper output)
{
    private const string MemberAgentPrefix = "actorscaler/";

    private static string Hpa(string ns, string name) => $"""
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: {name}
          minReplicas: 1
          maxReplicas: 5
          metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 50
        {FastBehavior}
        """;

    [Fact]
    public async Task Shadow_mode_decides_and_annotates_but_writes_neither_scale_nor_status()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterOptions
        {
            Members = 1,
            Nodes = 1,
            Member = ControllerFixture.FastMember with { Mode = ControllerMode.Shadow },
        });
        Apply(cluster, Deployment("default", "web", "100m", "64Mi", new Dictionary<string, string> { ["simulator.actorscaler.io/cpu-demand"] = "300m" }));
        Apply(cluster, Hpa("default", "web"));

        // 300m over one pod of 100m: 300 % against 50 % -> 6, capped at 5.
        var hpa = await WaitForHpaAsync(cluster, "default", "web", h =>
            h.Metadata.Annotations?.TryGetValue(HpaStatusClient.ShadowDecisionAnnotation, out var d) == true && d.StartsWith("desiredReplicas=5 ", StringComparison.Ordinal));
        Assert.Contains("currentReplicas=1", hpa.Metadata.Annotations[HpaStatusClient.ShadowDecisionAnnotation], StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Empty(cluster.Simulator.Audit.Writes(ApiAudit.ScaleKind));
        Assert.Empty(cluster.Simulator.Audit.Writes(ApiAudit.HpaStatusKind));
        Assert.DoesNotContain(cluster.Simulator.Audit.Requests(), r => r.UserAgent.StartsWith(MemberAgentPrefix, StringComparison.Ordinal)
            && (r.Resource.Contains("/scale", StringComparison.Ordinal) || r.Resource.Contains("/status", StringComparison.Ordinal) || r.Resource.StartsWith("events", StringComparison.Ordinal)));
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("web", "default");
        Assert.Equal(1, deployment.Spec.Replicas);
        var status = (await ReadHpaAsync(cluster, "default", "web")).Status;
        Assert.True(status?.Conditions is null || status.Conditions.Count == 0);
    }

    [Fact]
    public async Task Steady_state_costs_at_most_005_requests_per_hpa_per_sync_period()
    {
        const string ns = "cost";
        const int hpas = 5;
        var cluster = fixture.Cluster;
        CreateNamespace(cluster, ns);
        try
        {
            for (var i = 0; i < hpas; i++)
            {
                Apply(cluster, Deployment(ns, $"app-{i}", "100m", "64Mi", new Dictionary<string, string> { ["simulator.actorscaler.io/cpu-demand"] = "40m" }));
                Apply(cluster, Hpa(ns, $"app-{i}"));
            }
            for (var i = 0; i < hpas; i++)
                await WaitForHpaAsync(cluster, ns, $"app-{i}", h => h.Status?.CurrentMetrics?.FirstOrDefault()?.Resource?.Current?.AverageUtilization is 40 or 41
                    && h.Status.CurrentReplicas == 1);
            // Let the first status writes settle, then count. 40m of 100m reads as 40 % or 41 %: the
            // kubelet's rate rounds up by a nanocore now and then, which is exactly the jitter the
            // controller does not rewrite every period.
            await Task.Delay(TimeSpan.FromSeconds(3));
            cluster.Simulator.Audit.Reset();
            var periods = 10;
            var window = ControllerFixture.FastMember.SyncPeriod * periods;
            await Task.Delay(window);

            var requests = cluster.Simulator.Audit.Requests().Where(r => r.UserAgent.StartsWith(MemberAgentPrefix, StringComparison.Ordinal)).ToList();
            var total = requests.Sum(r => r.Count);
            var perHpaPerPeriod = (double)total / (hpas * periods);
            output.WriteLine($"{total} requests from {cluster.Members.Count} members for {hpas} HPAs over {periods} sync periods: {perHpaPerPeriod:0.000} per HPA per period");
            foreach (var r in requests)
                output.WriteLine($"  {r.Verb} {r.Resource} {r.UserAgent}: {r.Count}");
            foreach (var e in (await cluster.Client.CoreV1.ListEventForAllNamespacesAsync()).Items.Where(e => e.Source?.Component == "horizontal-pod-autoscaler"))
                output.WriteLine($"  event {e.Metadata.NamespaceProperty}/{e.InvolvedObject.Name} {e.Reason} x{e.Count}: {e.Message}");
            foreach (var w in cluster.Simulator.Audit.Writes(ApiAudit.HpaStatusKind))
                output.WriteLine($"  status write {w.Namespace}/{w.Name} at {w.Time:HH:mm:ss.fff}");
            Assert.True(perHpaPerPeriod <= 0.05, $"{perHpaPerPeriod:0.000} requests per HPA per sync period: "
                + string.Join(", ", requests.Select(r => $"{r.Verb} {r.Resource} x{r.Count}")));

            // And the controller was doing its job meanwhile: every HPA kept its observed state.
            for (var i = 0; i < hpas; i++)
                Assert.InRange((await ReadHpaAsync(cluster, ns, $"app-{i}")).Status.CurrentMetrics[0].Resource.Current.AverageUtilization ?? -1, 40, 41);
        }
        finally
        {
            await CleanUpAsync(cluster, ns);
        }
    }
}
