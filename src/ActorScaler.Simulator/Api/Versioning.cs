using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// Conversion between the version a client speaks and the one stored. As in kube-apiserver each
/// resource is stored once: HPAs as autoscaling/v2, both event APIs as core/v1 Event. Everything
/// else is served only in its stored version.
/// </summary>
public static class Versioning
{
    private const string EventsGroup = "events.k8s.io";

    // events.k8s.io/v1 field ↔ core/v1 field (pkg/apis/events/v1/conversion.go).
    private static readonly (string Events, string Core)[] EventFieldMap =
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    /// <summary>HPA conversion (the core's upstream conversion); replaceable in tests.</summary>
    internal static IHpaConverter Hpa { get; set; } = new CoreHpaConverter();

    public static string StorageApiVersion(ApiResource r) =>
        r.Storage == GroupResource.HorizontalPodAutoscalers ? "autoscaling/v2"
        : r.Storage == GroupResource.Events ? "v1"
        : r.GroupVersion;

    public static bool NeedsConversion(ApiResource r) => StorageApiVersion(r) != r.GroupVersion;

    /// <summary>Converts a request body to the stored version (kind/apiVersion set to the storage form).</summary>
    public static JsonObject ToStorage(ApiResource r, JsonObject obj)
    {
        if (r.Storage == GroupResource.HorizontalPodAutoscalers)
        {
            return r.Version == "v2" ? obj : Hpa.ToV2(obj, r.Version);
        }
        if (r.Storage == GroupResource.Events && r.Group == EventsGroup)
        {
            foreach (var (events, core) in EventFieldMap) Rename(obj, events, core);
            obj["apiVersion"] = "v1";
        }
        return obj;
    }

    /// <summary>Converts a stored object to the version the client asked for.</summary>
    public static JsonObject FromStorage(ApiResource r, JsonObject stored)
    {
        if (r.Storage == GroupResource.HorizontalPodAutoscalers)
        {
            return r.Version == "v2" ? stored : Hpa.FromV2(stored, r.Version);
        }
        if (r.Storage == GroupResource.Events && r.Group == EventsGroup)
        {
            foreach (var (events, core) in EventFieldMap) Rename(stored, core, events);
            stored["apiVersion"] = r.GroupVersion;
        }
        return stored;
    }

    /// <summary>Field selectors name fields of the served version; the store indexes the stored one.</summary>
    public static FieldSelector FieldSelectorToStorage(ApiResource r, FieldSelector selector)
    {
        if (!(r.Storage == GroupResource.Events && r.Group == EventsGroup)) return selector;
        return new FieldSelector(selector.Requirements.Select(req =>
        {
            var field = req.Field;
            if (field.StartsWith("regarding.", StringComparison.Ordinal)) field = "involvedObject." + field["regarding.".Length..];
            else if (field == "reportingController") field = "reportingComponent";
            return req with { Field = field };
        }).ToList());
    }

    private static void Rename(JsonObject obj, string from, string to)
    {
        if (!obj.TryGetPropertyValue(from, out var value)) return;
        obj.Remove(from);
        obj[to] = value;
    }
}

/// <summary>HPA version conversion to and from the stored autoscaling/v2 form.</summary>
internal interface IHpaConverter
{
    JsonObject ToV2(JsonObject obj, string fromVersion);
    JsonObject FromV2(JsonObject v2, string toVersion);
}
