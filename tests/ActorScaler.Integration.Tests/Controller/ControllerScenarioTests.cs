using ActorScaler.Core.Spec;
using ActorScaler.Hosting;
using ActorScaler.Simulator.Api;
using ActorScaler.Simulator.Load;
using k8s;
using k8s.Models;
using static ActorScaler.Integration.Tests.Controller.Scenario;

namespace ActorScaler.Integration.Tests.Controller;

/// <summary>The seeds' scenarios end to end: simulator API server and kubelets, the members' scrapers
/// and HPA entities, everything over HTTP.</summary>
[Collection(ControllerCollection.Name)]
public sealed class ControllerScenarioTests(ControllerFixture fixture)
{
    private readonly InProcessCluster _cluster = fixture.Cluster;

    [Fact]
    public async Task Cpu_bootcamp_scales_from_1_to_10_under_load_and_back_to_1_without_it()
    {
        const string ns = "bootcamp";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "kubernetes-bootcamp", "50m", "50Mi"));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: kubernetes-bootcamp
                  namespace: {ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: kubernetes-bootcamp
                  minReplicas: 1
                  maxReplicas: 10
                  metrics:
                  - type: Resource
                    resource:
                      name: cpu
                      target:
                        type: Utilization
                        averageUtilization: 10
                {FastBehavior}
                """);
            // Idle: a couple of percent, within the target, one replica.
            var idle = await WaitForHpaAsync(_cluster, ns, "kubernetes-bootcamp", h => h.Status?.CurrentMetrics?.FirstOrDefault()?.Resource?.Current?.AverageUtilization is not null);
            Assert.Equal(1, idle.Status.CurrentReplicas);
            Assert.InRange(idle.Status.CurrentMetrics[0].Resource.Current.AverageUtilization ?? -1, 0, 9);

            // The tutorial's load: 1.1 cores is 219 % of 10 x 50m, still above target at the maximum.
            await SetCpuAsync(_cluster, ns, "kubernetes-bootcamp", "1100m");
            var scaled = await WaitForHpaAsync(_cluster, ns, "kubernetes-bootcamp", h => h.Status?.CurrentReplicas == 10
                && Condition(h, HpaConditionType.ScalingLimited)?.Status == "True");
            var limited = Condition(scaled, HpaConditionType.ScalingLimited)!;
            Assert.Equal("TooManyReplicas", limited.Reason);
            Assert.Equal("the desired replica count is more than the maximum replica count", limited.Message);
            var deployment = await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("kubernetes-bootcamp", ns);
            Assert.Equal(10, deployment.Spec.Replicas);

            await SetCpuAsync(_cluster, ns, "kubernetes-bootcamp", null);
            await WaitForHpaAsync(_cluster, ns, "kubernetes-bootcamp", h => h.Status?.CurrentReplicas == 1 && h.Status.DesiredReplicas == 1);
            var events = await EventsAsync(_cluster, ns, "kubernetes-bootcamp");
            Assert.Contains(events, e => e.Reason == "SuccessfulRescale" && e.Message.EndsWith("reason: cpu resource utilization (percentage of request) above target", StringComparison.Ordinal));
            Assert.Contains(events, e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 1; reason: All metrics below target");
            Assert.All(events, e => Assert.Equal("horizontal-pod-autoscaler", e.Source.Component));

            // One writer: every /scale write of this target came from the entity's single member at a time.
            var writes = _cluster.Simulator.Audit.Writes(ApiAudit.ScaleKind).Where(w => w.Namespace == ns).ToList();
            Assert.NotEmpty(writes);
            Assert.All(writes, w => Assert.StartsWith("actorscaler/", w.UserAgent, StringComparison.Ordinal));
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task Memory_utilization_60_percent_reports_usage_and_scales_when_it_rises()
    {
        const string ns = "memory";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "web", "100m", "50Mi", new Dictionary<string, string> { [LoadAnnotations.MemoryPerPod] = "20Mi" }));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                  namespace: {ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: web
                  minReplicas: 1
                  maxReplicas: 3
                  metrics:
                  - type: Resource
                    resource:
                      name: memory
                      target:
                        type: Utilization
                        averageUtilization: 60
                {FastBehavior}
                """);
            // 20Mi of 50Mi: 40 % (41 % with the pod's own overhead counted), below 60 %.
            var below = await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentMetrics?.FirstOrDefault()?.Resource?.Current?.AverageUtilization is not null);
            Assert.Equal("memory", below.Status.CurrentMetrics[0].Resource.Name);
            Assert.InRange(below.Status.CurrentMetrics[0].Resource.Current.AverageUtilization ?? -1, 40, 42);
            Assert.Equal(1, below.Status.CurrentReplicas);

            // Every pod now holds 45Mi (90 %): memory does not spread over replicas, so it climbs to the maximum.
            await SetLoadAsync(_cluster, ns, "web", new Dictionary<string, string?> { [LoadAnnotations.MemoryPerPod] = "45Mi" });
            var scaled = await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentReplicas == 3);
            Assert.Contains(await EventsAsync(_cluster, ns, "web"), e => e.Reason == "SuccessfulRescale"
                && e.Message.EndsWith("reason: memory resource utilization (percentage of request) above target", StringComparison.Ordinal));
            Assert.InRange(scaled.Status.CurrentMetrics[0].Resource.Current.AverageUtilization ?? -1, 88, 93);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task Php_apache_with_cpu_and_memory_is_limited_at_3_replicas()
    {
        const string ns = "php";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "php-apache", "200m", "128Mi", new Dictionary<string, string> { [LoadAnnotations.MemoryPerPod] = "30Mi" }));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2beta2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: php-apache
                  namespace: {ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: php-apache
                  minReplicas: 1
                  maxReplicas: 3
                  metrics:
                  - type: Resource
                    resource:
                      name: cpu
                      target:
                        type: Utilization
                        averageUtilization: 30
                  - type: Resource
                    resource:
                      name: memory
                      target:
                        type: AverageValue
                        averageValue: 80Mi
                {FastBehavior}
                """);
            await SetCpuAsync(_cluster, ns, "php-apache", "2");
            var hpa = await WaitForHpaAsync(_cluster, ns, "php-apache", h => h.Status?.CurrentReplicas == 3
                && Condition(h, HpaConditionType.ScalingLimited)?.Reason == "TooManyReplicas");
            Assert.Equal(2, hpa.Status.CurrentMetrics.Count);
            Assert.Equal(["cpu", "memory"], hpa.Status.CurrentMetrics.Select(m => m.Resource.Name));
            var memory = hpa.Status.CurrentMetrics[1].Resource.Current.AverageValue;
            Assert.NotNull(memory);
            Assert.Equal("True", Condition(hpa, HpaConditionType.ScalingActive)!.Status);
            Assert.Equal("True", Condition(hpa, HpaConditionType.AbleToScale)!.Status);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task A_deployment_without_a_cpu_request_gets_upstreams_condition_and_event()
    {
        const string ns = "norequest";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "web", cpuRequest: null, memoryRequest: "64Mi"));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                  namespace: {ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: web
                  minReplicas: 1
                  maxReplicas: 5
                  metrics:
                  - type: Resource
                    resource:
                      name: cpu
                      target:
                        type: Utilization
                        averageUtilization: 50
                """);
            // Until the first scrape the failure is "no metrics returned"; then the missing request.
            var hpa = await WaitForHpaAsync(_cluster, ns, "web", h => Condition(h, HpaConditionType.ScalingActive) is { Status: "False" } c
                && c.Message.Contains("missing request", StringComparison.Ordinal));
            var active = Condition(hpa, HpaConditionType.ScalingActive)!;
            Assert.Equal("FailedGetResourceMetric", active.Reason);
            Assert.StartsWith("the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod web-", active.Message, StringComparison.Ordinal);
            var events = await EventsAsync(_cluster, ns, "web");
            var failed = Assert.Single(events, e => e.Reason == "FailedGetResourceMetric" && e.Message.Contains("missing request", StringComparison.Ordinal));
            Assert.Equal("Warning", failed.Type);
            Assert.StartsWith("failed to get cpu utilization: missing request for cpu", failed.Message, StringComparison.Ordinal);
            // Repeats are counted on the same Event instead of flooding.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var repeated = Assert.Single(await EventsAsync(_cluster, ns, "web"), e => e.Reason == "FailedGetResourceMetric" && e.Message == failed.Message);
            Assert.True(repeated.Count > 1, $"count {repeated.Count}");
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task An_autoscaling_v1_hpa_as_kubectl_autoscale_creates_it_scales_and_reports_v1_status()
    {
        const string ns = "v1";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "web", "100m", "64Mi"));
            // kubectl autoscale deployment web --cpu-percent=50 --min=1 --max=4
            await _cluster.Client.AutoscalingV1.CreateNamespacedHorizontalPodAutoscalerAsync(new V1HorizontalPodAutoscaler
            {
                Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns },
                Spec = new V1HorizontalPodAutoscalerSpec
                {
                    ScaleTargetRef = new V1CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                    MinReplicas = 1,
                    MaxReplicas = 4,
                    TargetCPUUtilizationPercentage = 50,
                },
            }, ns);
            // 200m over a 100m request: 200 % -> 4 replicas at 50 m each, exactly the target.
            await SetCpuAsync(_cluster, ns, "web", "200m");
            await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentReplicas == 4);
            var v1 = await _cluster.Client.AutoscalingV1.ReadNamespacedHorizontalPodAutoscalerAsync("web", ns);
            Assert.Equal(4, v1.Status.CurrentReplicas);
            Assert.NotNull(v1.Status.CurrentCPUUtilizationPercentage);
            Assert.NotNull(v1.Status.LastScaleTime);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }

    [Fact]
    public async Task With_several_metrics_the_largest_recommendation_wins()
    {
        const string ns = "multi";
        CreateNamespace(_cluster, ns);
        try
        {
            Apply(_cluster, Deployment(ns, "web", "100m", "50Mi", new Dictionary<string, string> { [LoadAnnotations.MemoryPerPod] = "20Mi" }));
            Apply(_cluster, $"""
                apiVersion: autoscaling/v2
                kind: HorizontalPodAutoscaler
                metadata:
                  name: web
                  namespace: {ns}
                spec:
                  scaleTargetRef:
                    apiVersion: apps/v1
                    kind: Deployment
                    name: web
                  minReplicas: 1
                  maxReplicas: 8
                  metrics:
                  - type: Resource
                    resource:
                      name: memory
                      target:
                        type: Utilization
                        averageUtilization: 60
                  - type: Resource
                    resource:
                      name: cpu
                      target:
                        type: Utilization
                        averageUtilization: 50
                {FastBehavior}
                """);
            await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentMetrics?.Count == 2 && h.Status.CurrentMetrics.All(m => m.Resource?.Current?.AverageUtilization is not null));
            // Memory (~40 %) wants 1 replica; cpu at 200 m of 100 m (200 % vs 50 %) wants 4: 4 wins.
            await SetCpuAsync(_cluster, ns, "web", "200m");
            var hpa = await WaitForHpaAsync(_cluster, ns, "web", h => h.Status?.CurrentReplicas == 4);
            var rescale = (await EventsAsync(_cluster, ns, "web")).Where(e => e.Reason == "SuccessfulRescale").ToList();
            Assert.Contains(rescale, e => e.Message == "New size: 4; reason: cpu resource utilization (percentage of request) above target");
            Assert.DoesNotContain(rescale, e => e.Message.Contains("memory", StringComparison.Ordinal));
            Assert.Equal(4, hpa.Status.DesiredReplicas);
        }
        finally
        {
            await CleanUpAsync(_cluster, ns);
        }
    }
}
