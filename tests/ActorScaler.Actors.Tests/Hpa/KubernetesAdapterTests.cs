using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Projections;
using k8s.Models;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>The controller's adapters from the client's objects to the core's model.</summary>
public sealed class KubernetesAdapterTests
{
    [Fact]
    public void A_deployment_reads_as_its_scale_subresource()
    {
        var deployment = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", ResourceVersion = "42" },
            Spec = new V1DeploymentSpec
            {
                Replicas = 3,
                Selector = new V1LabelSelector
                {
                    MatchLabels = new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" },
                    MatchExpressions = [new V1LabelSelectorRequirement { Key = "track", OperatorProperty = "In", Values = ["stable", "canary"] }],
                },
                Template = new V1PodTemplateSpec(),
            },
            Status = new V1DeploymentStatus { Replicas = 4 },
        };
        var target = ScaleTargetProjection.FromDeployment(deployment);

        Assert.Equal(("shop", "web", "42"), (target.Namespace, target.Name, target.ResourceVersion));
        Assert.Equal(3, target.Scale.SpecReplicas);
        Assert.Equal(4, target.Scale.StatusReplicas);
        // metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key, set values sorted.
        Assert.Equal("app=web,tier=front,track in (canary,stable)", target.Scale.Selector);
    }

    [Fact]
    public void A_workload_without_replicas_or_selector_reads_as_one_replica_and_no_selector()
    {
        var target = ScaleTargetProjection.FromStatefulSet(new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "data", ResourceVersion = "7" },
            Spec = new V1StatefulSetSpec { Template = new V1PodTemplateSpec() },
        });
        Assert.Equal((1, 0, ""), (target.Scale.SpecReplicas, target.Scale.StatusReplicas, target.Scale.Selector));
    }

    [Fact]
    public void An_autoscaling_v2_object_converts_to_the_canonical_model_with_defaults()
    {
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web", NamespaceProperty = "shop", Uid = "u-1", ResourceVersion = "9", Generation = 2,
                Labels = new Dictionary<string, string> { ["team"] = "a" },
                ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Update" }],
            },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                MaxReplicas = 10,
                Metrics =
                [
                    new V2MetricSpec
                    {
                        Type = "Resource",
                        Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("80Mi") } },
                    },
                ],
            },
            Status = new V2HorizontalPodAutoscalerStatus
            {
                CurrentReplicas = 2,
                DesiredReplicas = 3,
                Conditions = [new V2HorizontalPodAutoscalerCondition { Type = "AbleToScale", Status = "True", Reason = "ReadyForNewScale", Message = "ok", LastTransitionTime = new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc) }],
            },
        };
        var model = HpaProjection.ToCore(hpa, out var error);

        Assert.Null(error);
        Assert.NotNull(model);
        Assert.Equal(("shop/web", "u-1", "9", 2L), (model.Key, model.Metadata.Uid, model.Metadata.ResourceVersion, model.Metadata.Generation));
        Assert.Equal(1, model.Spec.MinReplicas); // API defaulting
        Assert.Equal(80L * 1024 * 1024 * 1000, Assert.Single(model.Spec.Metrics).Resource!.Target.AverageValue!.Value.MilliValue());
        Assert.Equal((2, 3), (model.Status.CurrentReplicas, model.Status.DesiredReplicas));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), Assert.Single(model.Status.Conditions).LastTransitionTime);

        // The status written back is the API server's v2 JSON.
        var status = HpaProjection.StatusJson(model);
        Assert.Equal(3, (int)status["desiredReplicas"]!);
        Assert.Equal("ReadyForNewScale", (string?)status["conditions"]![0]!["reason"]);
    }
}
