using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Core.Spec;

public sealed record HpaLoadOptions
{
    /// <summary>The namespace given to documents without one (kubectl's current namespace); null leaves it empty.</summary>
    public string? DefaultNamespace { get; init; } = "default";

    /// <summary>Unknown fields fail the document, as kubectl's fieldValidation=Strict does.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>Apply the autoscaling/v2 API defaults (minReplicas, the cpu metric, behavior gaps).</summary>
    public bool ApplyDefaults { get; init; } = true;
}

public enum HpaDocumentKind
{
    /// <summary>An HPA that decoded into the canonical model.</summary>
    Hpa,

    /// <summary>Some other object (a Deployment in the same file, ...): callers skip or report it.</summary>
    NotHpa,

    /// <summary>An HPA (or an unreadable document) that the API server would reject before validation.</summary>
    Error,
}

/// <summary>One document of a manifest: where it was, what it claims to be, and the result.</summary>
public sealed record HpaDocument
{
    /// <summary>"document 2" or "document 1, items[3]": where in the input it came from.</summary>
    public required string Location { get; init; }
    public required HpaDocumentKind Kind { get; init; }
    public string? ApiVersion { get; init; }
    public string? ObjectKind { get; init; }
    /// <summary>metadata.name when readable, also for non-HPA objects and errors.</summary>
    public string? Name { get; init; }
    public HorizontalPodAutoscaler? Hpa { get; init; }
    public string? Error { get; init; }
}

/// <summary>
/// Reads HPA manifests as kubectl sends them to the API server: YAML (multi-document) or JSON, any
/// served autoscaling version, converted into the canonical model and defaulted.
/// </summary>
public static class HpaLoader
{
    public static IReadOnlyList<HpaDocument> LoadText(string text, HpaLoadOptions? options = null)
    {
        options ??= new HpaLoadOptions();
        List<JsonNode?> roots;
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                var root = JsonNode.Parse(text);
                Materialize(root);
                roots = [root];
            }
            catch (JsonException ex)
            {
                return [ErrorDocument("document 1", $"error parsing JSON: {ex.Message}")];
            }
            catch (ArgumentException)
            {
                return [ErrorDocument("document 1", DuplicateField)];
            }
        }
        else
        {
            try
            {
                roots = YamlJson.ParseDocuments(text);
            }
            catch (YamlConversionException ex)
            {
                return [ErrorDocument("document 1", ex.Message)];
            }
        }

        var result = new List<HpaDocument>();
        for (var i = 0; i < roots.Count; i++)
        {
            var location = $"document {i + 1}";
            if (roots[i] is JsonObject obj && IsList(obj, out var items))
            {
                for (var j = 0; j < items.Count; j++)
                {
                    result.Add(LoadNode(items[j], $"{location}, items[{j}]", options));
                }
                continue;
            }
            result.Add(LoadNode(roots[i], location, options));
        }
        return result;
    }

    private const string DuplicateField = "error parsing JSON: an object has the same field twice";

    /// <summary>
    /// JsonNode.Parse builds objects lazily and only then notices a repeated key (ArgumentException);
    /// walking the tree once surfaces that here instead of in the middle of decoding.
    /// </summary>
    internal static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }
                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }
                break;
        }
    }

    private static bool IsList(JsonObject obj, out JsonArray items)
    {
        items = [];
        if (obj["kind"] is JsonValue kind && kind.GetValueKind() == JsonValueKind.String
            && kind.GetValue<string>().EndsWith("List", StringComparison.Ordinal) && obj["items"] is JsonArray array)
        {
            items = array;
            return true;
        }
        return false;
    }

    private static HpaDocument ErrorDocument(string location, string error) =>
        new() { Location = location, Kind = HpaDocumentKind.Error, Error = error };

    private static string? StringField(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    /// <summary>Decodes one object (a request body, a document of a file).</summary>
    public static HpaDocument LoadNode(JsonNode? node, string location, HpaLoadOptions? options = null)
    {
        options ??= new HpaLoadOptions();
        try
        {
            Materialize(node);
        }
        catch (ArgumentException)
        {
            return ErrorDocument(location, DuplicateField);
        }
        if (node is not JsonObject obj)
        {
            return ErrorDocument(location, "not a Kubernetes object (a mapping with apiVersion and kind)");
        }
        var apiVersion = StringField(obj, "apiVersion");
        var kind = StringField(obj, "kind");
        var name = (obj["metadata"] as JsonObject) is { } meta ? StringField(meta, "name") : null;
        var missing = new List<string>();
        if (string.IsNullOrEmpty(apiVersion))
        {
            missing.Add("apiVersion not set");
        }
        if (string.IsNullOrEmpty(kind))
        {
            missing.Add("kind not set");
        }
        if (missing.Count > 0)
        {
            // kubectl's client-side message for a document without type information.
            return ErrorDocument(location, "error validating data: " + Validation.GoValue.Aggregate(missing)) with
            {
                ApiVersion = apiVersion,
                ObjectKind = kind,
                Name = name,
            };
        }
        var group = apiVersion!.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        if (kind != HpaApi.Kind || group != HpaApi.Group)
        {
            return new HpaDocument { Location = location, Kind = HpaDocumentKind.NotHpa, ApiVersion = apiVersion, ObjectKind = kind, Name = name };
        }
        if (!HpaApi.Versions.Contains(apiVersion))
        {
            return ErrorDocument(location, $"no matches for kind \"{kind}\" in version \"{apiVersion}\"") with
            {
                ApiVersion = apiVersion,
                ObjectKind = kind,
                Name = name,
            };
        }

        var version = apiVersion[(group.Length + 1)..];
        var prefix = $"{HpaApi.Kind} in version \"{version}\" cannot be handled as a {HpaApi.Kind}: ";
        HorizontalPodAutoscaler hpa;
        IReadOnlyList<string> unknown;
        try
        {
            hpa = HpaDecoder.Decode(obj, apiVersion, out unknown);
        }
        catch (HpaDecodeException ex)
        {
            return ErrorDocument(location, prefix + ex.Message) with { ApiVersion = apiVersion, ObjectKind = kind, Name = name };
        }
        if (options.Strict && unknown.Count > 0)
        {
            var fields = string.Join(", ", unknown.Select(f => $"unknown field \"{f}\""));
            return ErrorDocument(location, prefix + "strict decoding error: " + fields) with
            {
                ApiVersion = apiVersion,
                ObjectKind = kind,
                Name = name,
            };
        }
        if (hpa.Metadata.Namespace.Length == 0 && options.DefaultNamespace is { } ns)
        {
            hpa = hpa with { Metadata = hpa.Metadata with { Namespace = ns } };
        }
        if (options.ApplyDefaults)
        {
            hpa = HpaDefaults.Apply(hpa);
        }
        return new HpaDocument
        {
            Location = location,
            Kind = HpaDocumentKind.Hpa,
            ApiVersion = apiVersion,
            ObjectKind = kind,
            Name = hpa.Metadata.Name,
            Hpa = hpa,
        };
    }
}
