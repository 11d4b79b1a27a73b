using System.Text.Json.Nodes;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Projections;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ActorScaler.Kubernetes.Clients;

/// <summary>The result of a write to an HPA: the new resourceVersion, or the API server's error.</summary>
public sealed record HpaWriteResult(string? ResourceVersion, string? Error)
{
    public bool IsSuccess => Error is null;
}

/// <summary>
/// Writes to HPA objects: the status subresource (only called when the status changed) and the shadow
/// decision annotation. Both are JSON merge patches: the entity for an HPA is its only writer, so no
/// resourceVersion precondition is needed, and a patch cannot fail on a watch that lags behind our own
/// previous write. Every status field is sent, null when unset, so a merge patch clears what the new
/// status no longer has (lastScaleTime, currentMetrics) exactly as upstream's UpdateStatus does.
/// </summary>
public sealed class HpaStatusClient(IKubernetes client)
{
    /// <summary>The annotation shadow mode writes instead of scale and status.</summary>
    public const string ShadowDecisionAnnotation = "autoscaling.actorscaler.io/shadow-decision";

    private static readonly string[] StatusFields = ["observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas", "currentMetrics", "conditions"];

    public async Task<HpaWriteResult> UpdateStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        var encoded = HpaProjection.StatusJson(hpa with { Status = status });
        var patchStatus = new JsonObject();
        foreach (var field in StatusFields)
            patchStatus[field] = encoded[field]?.DeepClone();
        var patch = new JsonObject { ["status"] = patchStatus };
        return await WriteAsync(() => client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerStatusAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), hpa.Metadata.Name, hpa.Metadata.Namespace, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision, CancellationToken cancellationToken)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ShadowDecisionAnnotation] = decision } } };
        return await WriteAsync(() => client.AutoscalingV2.PatchNamespacedHorizontalPodAutoscalerAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), name, ns, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static async Task<HpaWriteResult> WriteAsync(Func<Task<V2HorizontalPodAutoscaler>> write)
    {
        try
        {
            var written = await write().ConfigureAwait(false);
            return new HpaWriteResult(written.Metadata?.ResourceVersion, null);
        }
        catch (HttpOperationException ex)
        {
            return new HpaWriteResult(null, KubernetesErrors.Message(ex));
        }
        catch (HttpRequestException ex)
        {
            return new HpaWriteResult(null, ex.Message);
        }
    }
}
