using System.Text.Json.Nodes;
using ActorScaler.Core.Spec;
using ActorScaler.Core.Validation;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// HPA conversion, defaulting and validation through the core's loader, encoder and validator,
/// so the simulator stores exactly what kube-apiserver would (canonical autoscaling/v2) and serves
/// each version with upstream's conversion, round-trip annotations included. The core model
/// carries only part of ObjectMeta, so metadata is kept from the object itself and only the
/// conversion's annotations are exchanged.
/// </summary>
internal sealed class CoreHpaConverter : IHpaConverter
{
    private static readonly HpaLoadOptions Load = new() { DefaultNamespace = null, Strict = false, ApplyDefaults = true };

    public JsonObject ToV2(JsonObject obj, string fromVersion) => Recode(obj, HpaApi.V2);

    public JsonObject FromV2(JsonObject v2, string toVersion) => Recode(v2, "autoscaling/" + toVersion);

    /// <summary>Decodes (any version), defaults and re-encodes as <paramref name="apiVersion"/>.</summary>
    public static JsonObject Recode(JsonObject obj, string apiVersion) => Encode(obj, Decode(obj), apiVersion);

    /// <summary>
    /// fieldValidation=Strict (what kubectl sends on create and apply): unknown fields are a 400
    /// with the decoder's "strict decoding error" text, as kube-apiserver answers.
    /// </summary>
    public static void CheckStrict(JsonObject obj)
    {
        var doc = HpaLoader.LoadNode(obj, "request body", Load with { Strict = true, ApplyDefaults = false });
        if (doc.Kind == HpaDocumentKind.Error) throw StatusException.BadRequest(doc.Error ?? "invalid HorizontalPodAutoscaler");
    }

    public static HorizontalPodAutoscaler Decode(JsonObject obj)
    {
        var doc = HpaLoader.LoadNode(obj, "request body", Load);
        if (doc.Kind != HpaDocumentKind.Hpa || doc.Hpa is null)
        {
            throw StatusException.BadRequest(doc.Error ?? $"not a HorizontalPodAutoscaler: {(string?)obj["apiVersion"]}, Kind={(string?)obj["kind"]}");
        }
        return doc.Hpa;
    }

    public static JsonObject Encode(JsonObject original, HorizontalPodAutoscaler hpa, string apiVersion)
    {
        var encoded = HpaEncoder.Encode(hpa, apiVersion);
        var result = new JsonObject { ["kind"] = HpaApi.Kind, ["apiVersion"] = apiVersion };
        var metadata = original["metadata"]?.DeepClone() as JsonObject ?? [];
        var annotations = metadata["annotations"] as JsonObject ?? [];
        foreach (var key in HpaApi.RoundTripAnnotations) annotations.Remove(key);
        if (encoded["metadata"]?["annotations"] is JsonObject written)
        {
            foreach (var key in HpaApi.RoundTripAnnotations)
            {
                if (written[key] is { } value) annotations[key] = value.DeepClone();
            }
        }
        if (annotations.Count > 0) metadata["annotations"] = annotations;
        else metadata.Remove("annotations");
        result["metadata"] = metadata;
        result["spec"] = encoded["spec"]?.DeepClone();
        result["status"] = encoded["status"]?.DeepClone();
        return result;
    }

    /// <summary>
    /// Defaults and validates a stored-form HPA in place (create, update or status update, as the
    /// registry strategy would); 422 with one cause per field error.
    /// </summary>
    public static void Admit(JsonObject v2, JsonObject? old = null, bool statusUpdate = false)
    {
        var hpa = Decode(v2);
        var previous = old is null ? null : Decode(old);
        var errors = previous is null ? HpaValidator.Validate(hpa)
            : statusUpdate ? HpaValidator.ValidateStatusUpdate(hpa, previous)
            : HpaValidator.ValidateUpdate(hpa, previous);
        if (errors.Count > 0)
        {
            throw new StatusException(422, StatusReasons.Invalid, HpaValidator.InvalidMessage(hpa.Metadata.Name, errors),
                HpaApi.Group, HpaApi.Kind, hpa.Metadata.Name,
                errors.Select(e => new StatusCause(e.Type.Reason, e.Body, e.Field)).ToList());
        }
        var canonical = Encode(v2, hpa, HpaApi.V2);
        v2["spec"] = canonical["spec"]!.DeepClone();
        v2["status"] = canonical["status"]?.DeepClone();
        if (v2["status"] is null) v2.Remove("status");
    }
}
