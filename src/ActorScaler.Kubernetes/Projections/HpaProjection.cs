using System.Text.Json.Nodes;
using ActorScaler.Core.Spec;
using k8s;
using k8s.Models;

namespace ActorScaler.Kubernetes.Projections;

/// <summary>
/// autoscaling/v2 objects from the API server to the core's canonical model and back. The client's
/// JSON goes through the core's own decoder rather than a second hand-written mapping, so quantities,
/// defaults and conversions follow exactly one set of rules.
/// </summary>
public static class HpaProjection
{
    // The server already validated and defaulted what it stored; unknown fields (managedFields, a
    // newer server's additions) must not make the controller drop an HPA.
    private static readonly HpaLoadOptions ServerObjects = new() { Strict = false, ApplyDefaults = true, DefaultNamespace = null };

    /// <summary>The canonical HPA, or null with <paramref name="error"/> when the object cannot be read.</summary>
    public static HorizontalPodAutoscaler? ToCore(V2HorizontalPodAutoscaler hpa, out string? error)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        var node = JsonNode.Parse(KubernetesJson.Serialize(hpa));
        if (node is JsonObject obj)
        {
            // List items come without apiVersion/kind; the informer only ever lists autoscaling/v2.
            obj["apiVersion"] = HpaApi.V2;
            obj["kind"] = HpaApi.Kind;
        }
        var document = HpaLoader.LoadNode(node, $"{hpa.Metadata?.NamespaceProperty}/{hpa.Metadata?.Name}", ServerObjects);
        error = document.Error;
        return document.Kind == HpaDocumentKind.Hpa ? document.Hpa : null;
    }

    /// <summary>The status in the API server's autoscaling/v2 JSON (for a status write).</summary>
    public static JsonObject StatusJson(HorizontalPodAutoscaler hpa) =>
        (JsonObject)HpaEncoder.Encode(hpa, HpaApi.V2)["status"]!.DeepClone();

    /// <summary>The client's object for an autoscaling/v2 write of the whole HPA.</summary>
    public static V2HorizontalPodAutoscaler ToClient(HorizontalPodAutoscaler hpa) =>
        KubernetesJson.Deserialize<V2HorizontalPodAutoscaler>(HpaEncoder.ToJson(hpa, HpaApi.V2, indented: false));
}
