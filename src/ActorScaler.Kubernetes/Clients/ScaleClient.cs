using System.Net;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace ActorScaler.Kubernetes.Clients;

/// <summary>A /scale read: what the decision needs plus the resourceVersion for the write precondition.</summary>
public sealed record ScaleRead(ScaleSubresource Scale, string ResourceVersion);

public enum ScaleWriteOutcome
{
    Written,
    /// <summary>409: someone else changed the target since our read; re-read and decide again.</summary>
    Conflict,
    Failed,
}

public sealed record ScaleWriteResult(ScaleWriteOutcome Outcome, string? Error, string? ResourceVersion);

/// <summary>
/// The scale subresource of apps/v1 Deployments, StatefulSets and ReplicaSets (what the HPA's
/// scaleTargetRef names). Writes are PUTs carrying the resourceVersion that was read, so a stale writer
/// gets 409 Conflict instead of overwriting: the API server's optimistic concurrency is the final
/// guarantee of one writer per target.
/// </summary>
public sealed class ScaleClient(IKubernetes client)
{
    public async Task<ScaleRead> GetAsync(string ns, CrossVersionObjectReference target, CancellationToken cancellationToken)
    {
        var scale = await (Resolve(target) switch
        {
            "deployments" => client.AppsV1.ReadNamespacedDeploymentScaleAsync(target.Name, ns, cancellationToken: cancellationToken),
            "statefulsets" => client.AppsV1.ReadNamespacedStatefulSetScaleAsync(target.Name, ns, cancellationToken: cancellationToken),
            "replicasets" => client.AppsV1.ReadNamespacedReplicaSetScaleAsync(target.Name, ns, cancellationToken: cancellationToken),
            var other => throw new InvalidOperationException(other),
        }).ConfigureAwait(false);
        return new ScaleRead(
            new ScaleSubresource(scale.Spec?.Replicas ?? 0, scale.Status?.Replicas ?? 0, scale.Status?.Selector ?? ""),
            scale.Metadata?.ResourceVersion ?? "");
    }

    public async Task<ScaleWriteResult> UpdateAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion, CancellationToken cancellationToken)
    {
        var body = new V1Scale
        {
            ApiVersion = "autoscaling/v1",
            Kind = "Scale",
            Metadata = new V1ObjectMeta { Name = target.Name, NamespaceProperty = ns, ResourceVersion = resourceVersion },
            Spec = new V1ScaleSpec { Replicas = replicas },
        };
        try
        {
            var written = await (Resolve(target) switch
            {
                "deployments" => client.AppsV1.ReplaceNamespacedDeploymentScaleAsync(body, target.Name, ns, cancellationToken: cancellationToken),
                "statefulsets" => client.AppsV1.ReplaceNamespacedStatefulSetScaleAsync(body, target.Name, ns, cancellationToken: cancellationToken),
                "replicasets" => client.AppsV1.ReplaceNamespacedReplicaSetScaleAsync(body, target.Name, ns, cancellationToken: cancellationToken),
                var other => throw new InvalidOperationException(other),
            }).ConfigureAwait(false);
            return new ScaleWriteResult(ScaleWriteOutcome.Written, null, written.Metadata?.ResourceVersion);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            return new ScaleWriteResult(ScaleWriteOutcome.Conflict, KubernetesErrors.Message(ex), null);
        }
        catch (HttpOperationException ex)
        {
            return new ScaleWriteResult(ScaleWriteOutcome.Failed, KubernetesErrors.Message(ex), null);
        }
        catch (HttpRequestException ex)
        {
            return new ScaleWriteResult(ScaleWriteOutcome.Failed, ex.Message, null);
        }
    }

    /// <summary>The REST mapping upstream does for scaleTargetRef: apps group kinds only here. An
    /// unknown kind fails like upstream's mapper: <c>unable to determine resource for scale target reference</c>.</summary>
    public static string Resolve(CrossVersionObjectReference target)
    {
        var group = GroupOf(target.ApiVersion);
        return (group, target.Kind) switch
        {
            ("apps" or "extensions", "Deployment") => "deployments",
            ("apps", "StatefulSet") => "statefulsets",
            ("apps" or "extensions", "ReplicaSet") => "replicasets",
            _ => throw new ScaleTargetException($"unable to determine resource for scale target reference: no matches for kind \"{target.Kind}\" in group \"{group}\""),
        };
    }

    private static string GroupOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion))
            return "";
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : apiVersion[..slash];
    }
}

public sealed class ScaleTargetException(string message) : Exception(message);

public static class KubernetesErrors
{
    /// <summary>The API server's Status message when there is one (e.g. <c>deployments.apps "web" not found</c>),
    /// otherwise the HTTP status.</summary>
    public static string Message(HttpOperationException ex)
    {
        var body = ex.Response?.Content;
        if (!string.IsNullOrEmpty(body))
        {
            try
            {
                var status = KubernetesJson.Deserialize<V1Status>(body);
                if (!string.IsNullOrEmpty(status?.Message))
                    return status.Message;
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }
        return $"the server responded with status {(int?)ex.Response?.StatusCode} {ex.Response?.ReasonPhrase}";
    }
}
