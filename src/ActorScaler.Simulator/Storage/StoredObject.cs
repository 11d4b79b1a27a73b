using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Storage;

/// <summary>
/// One immutable version of a stored object. The object is kept only as its serialized JSON
/// (what etcd would hold): 50,000 pods as DOM trees would cost many times the memory, and lists
/// and watches can write these bytes straight to the wire. Labels and selectable fields are
/// extracted once at write time so selector filtering never parses JSON.
/// </summary>
public sealed class StoredObject
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    internal StoredObject(GroupResource resource, string @namespace, string name, string uid, long resourceVersion,
        byte[] json, IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> fields)
    {
        Resource = resource;
        Namespace = @namespace;
        Name = name;
        Uid = uid;
        ResourceVersion = resourceVersion;
        Json = json;
        Labels = labels;
        Fields = fields;
    }

    public GroupResource Resource { get; }
    /// <summary>"" for cluster-scoped objects.</summary>
    public string Namespace { get; }
    public string Name { get; }
    public string Uid { get; }
    public long ResourceVersion { get; }
    /// <summary>UTF-8 JSON of the full object including kind, apiVersion and metadata.resourceVersion.</summary>
    public ReadOnlyMemory<byte> Json { get; }
    public IReadOnlyDictionary<string, string> Labels { get; }
    internal IReadOnlyDictionary<string, string> Fields { get; }

    /// <summary>A fresh mutable copy; the caller owns it.</summary>
    public JsonObject ToJsonObject() => JsonNode.Parse(Json.Span)!.AsObject();

    public T Deserialize<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(Json.Span, options)!;

    internal bool MatchesFields(FieldSelector selector)
    {
        if (selector.IsEmpty) return true;
        foreach (var r in selector.Requirements)
        {
            var value = r.Field switch
            {
                "metadata.name" => Name,
                "metadata.namespace" => Namespace,
                _ => Fields.TryGetValue(r.Field, out var v) ? v : "",
            };
            if ((value == r.Value) != r.Equal) return false;
        }
        return true;
    }

    internal static IReadOnlyDictionary<string, string> ReadLabels(JsonObject obj)
    {
        if (obj["metadata"]?["labels"] is not JsonObject labels || labels.Count == 0) return NoLabels;
        var result = new Dictionary<string, string>(labels.Count, StringComparer.Ordinal);
        foreach (var (k, v) in labels) result[k] = v?.ToString() ?? "";
        return result;
    }
}
