using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Storage;

/// <summary>
/// The field-selector labels each resource supports, as the registry strategies define them
/// (pkg/registry/*/strategy.go ToSelectableFields). Every resource has metadata.name and
/// metadata.namespace; a selector on any other field is rejected with 400, as upstream.
/// </summary>
public static class SelectableFields
{
    private static readonly Dictionary<GroupResource, string[]> ExtraFields = new()
    {
        [GroupResource.Pods] =
        [
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
        ],
        [GroupResource.Events] =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "source", "type",
        ],
        [new GroupResource("events.k8s.io", "events")] =
        [
            "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
            "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
            "reason", "reportingController", "type",
        ],
        [GroupResource.Nodes] = ["spec.unschedulable"],
        [GroupResource.Namespaces] = ["status.phase"],
        [new GroupResource("", "secrets")] = ["type"],
        [GroupResource.ReplicaSets] = ["status.replicas"],
    };

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Throws 400 if the selector names a field the resource does not support.</summary>
    public static void Check(GroupResource gr, FieldSelector selector)
    {
        foreach (var r in selector.Requirements)
        {
            if (r.Field is "metadata.name" or "metadata.namespace") continue;
            if (ExtraFields.TryGetValue(gr, out var extra) && extra.Contains(r.Field)) continue;
            throw StatusException.BadRequest($"field label not supported: {r.Field}");
        }
    }

    /// <summary>The resource-specific field values of an object (name/namespace are kept on the object itself).</summary>
    internal static IReadOnlyDictionary<string, string> Extract(GroupResource gr, JsonObject obj)
    {
        if (!ExtraFields.TryGetValue(gr, out var paths)) return Empty;
        var values = new Dictionary<string, string>(paths.Length);
        foreach (var path in paths)
        {
            var value = Resolve(gr, obj, path);
            if (value is not null) values[path] = value;
        }
        return values;
    }

    private static string? Resolve(GroupResource gr, JsonObject obj, string path)
    {
        // core/v1 events expose "source" as the source component (pkg/registry/core/event/strategy.go).
        if (gr == GroupResource.Events && path == "source") return Scalar(obj["source"]?["component"]);
        JsonNode? node = obj;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject o ? o[segment] : null;
            if (node is null) break;
        }
        var value = Scalar(node);
        // Boolean fields select as "true"/"false" and default to false, as the Go struct would.
        if (value is null && path is "spec.unschedulable" or "spec.hostNetwork") return "false";
        return value;
    }

    private static string? Scalar(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => null,
    };
}
