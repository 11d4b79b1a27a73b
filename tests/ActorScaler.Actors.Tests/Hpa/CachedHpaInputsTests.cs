using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Informers;
using k8s.Models;
using Xunit;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>The production inputs over real informer caches: per-namespace lookups that stay right
/// while pods, HPAs and workloads change under them.</summary>
public sealed class CachedHpaInputsTests : IDisposable
{
    private readonly ControllerCaches _controller = new();
    private readonly ClusterCaches _cluster = new();
    private readonly CachedHpaInputs _inputs;

    public CachedHpaInputsTests() => _inputs = new CachedHpaInputs(_controller, _cluster);

    public void Dispose() => _inputs.Dispose();

    private void Pod(string ns, string name, string app, string? tier = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = app };
        if (tier is not null)
            labels["tier"] = tier;
        ((IInformerHandler<V1Pod>)_cluster.Pods).OnUpsert(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
            Spec = new V1PodSpec { NodeName = "node-1", Containers = [new V1Container { Name = "app" }] },
            Status = new V1PodStatus { Phase = "Running" },
        });
    }

    private void DeletePod(string ns, string name) =>
        ((IInformerHandler<V1Pod>)_cluster.Pods).OnDelete(new V1Pod { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } });

    private void Deployment(string ns, string name, Dictionary<string, string> matchLabels) =>
        ((IInformerHandler<V1Deployment>)_controller.Deployments).OnUpsert(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = "1" },
            Spec = new V1DeploymentSpec { Replicas = 1, Selector = new V1LabelSelector { MatchLabels = matchLabels } },
        });

    private void Hpa(string ns, string name, string target, Dictionary<string, string>? annotations = null) =>
        ((IInformerHandler<V2HorizontalPodAutoscaler>)_controller.Hpas).OnUpsert(new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Annotations = annotations, Generation = 1 },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                MaxReplicas = 5,
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = target },
            },
        });

    private IReadOnlyList<string> Matching(string ns, string selector) =>
        _inputs.PodsMatching(ns, selector, Selector.Parse(selector)).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void Pods_matching_sees_only_its_namespace_and_follows_every_change()
    {
        Pod("a", "web-1", "web");
        Pod("a", "api-1", "api");
        Pod("b", "web-9", "web");
        Assert.Equal(["web-1"], Matching("a", "app=web"));
        Assert.Equal(["web-1"], Matching("a", "app=web")); // from the cache

        Pod("a", "web-2", "web");
        Assert.Equal(["web-1", "web-2"], Matching("a", "app=web"));
        Pod("a", "web-2", "api"); // relabelled
        Assert.Equal(["web-1"], Matching("a", "app=web"));
        DeletePod("a", "web-1");
        Assert.Empty(Matching("a", "app=web"));
        Assert.Equal(["web-9"], Matching("b", "app=web"));
        Assert.Empty(Matching("c", "app=web"));
        Assert.Equal(["api-1", "web-2"], Matching("a", "app in (api,db)"));
        // No equality term: found by walking the namespace.
        Assert.Equal(["api-1", "web-2"], Matching("a", "app notin (web)"));
        Pod("a", "web-3", "web", "front");
        Assert.Equal(["web-3"], Matching("a", "app=web,tier=front"));
        Assert.Equal(["web-3"], Matching("a", "tier"));
    }

    [Fact]
    public void A_relist_replaces_what_the_index_holds()
    {
        Pod("a", "web-1", "web");
        Assert.Equal(["web-1"], Matching("a", "app=web"));
        ((IInformerHandler<V1Pod>)_cluster.Pods).OnReplace([], "99");
        Assert.Empty(Matching("a", "app=web"));
    }

    [Fact]
    public void Pods_already_cached_before_the_inputs_exist_are_indexed()
    {
        Pod("a", "web-1", "web");
        using var late = new CachedHpaInputs(_controller, _cluster);
        Assert.Equal(["web-1"], late.PodsMatching("a", "app=web", Selector.Parse("app=web")).Select(p => p.Name));
    }

    [Fact]
    public void Overlapping_hpas_are_the_other_selected_hpas_whose_target_selects_one_of_the_pods()
    {
        Pod("a", "web-1", "web", "front");
        Pod("a", "api-1", "api");
        Deployment("a", "web", new() { ["app"] = "web" });
        Deployment("a", "web-front", new() { ["tier"] = "front" });
        Deployment("a", "api", new() { ["app"] = "api" });
        Hpa("a", "web", "web");
        Hpa("a", "api", "api");
        var webPods = _inputs.PodsMatching("a", "app=web", Selector.Parse("app=web"));

        Assert.Empty(_inputs.OverlappingHpas("a", "a/web", webPods, null));

        Hpa("a", "front", "web-front");
        Assert.Equal(["front"], _inputs.OverlappingHpas("a", "a/web", webPods, null).Select(r => r.Name));
        // An HPA that opted out of this controller does not count.
        Hpa("a", "front", "web-front", new() { [HpaSelection.ControllerAnnotation] = "someone-else" });
        Assert.Empty(_inputs.OverlappingHpas("a", "a/web", webPods, null));
        // A workload whose selector changes is seen at once.
        Hpa("a", "front", "web-front");
        Deployment("a", "web-front", new() { ["tier"] = "back" });
        Assert.Empty(_inputs.OverlappingHpas("a", "a/web", webPods, null));
        Deployment("a", "api", new() { ["app"] = "web" });
        Assert.Equal(["api"], _inputs.OverlappingHpas("a", "a/web", webPods, null).Select(r => r.Name));
        // Another namespace's HPAs never count.
        Assert.Empty(_inputs.OverlappingHpas("b", "b/web", webPods, null));
    }
}
