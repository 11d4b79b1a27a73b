using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>The PATCH content types kube-apiserver accepts.</summary>
public static class PatchTypes
{
    public const string Json = "application/json-patch+json";
    public const string Merge = "application/merge-patch+json";
    public const string Strategic = "application/strategic-merge-patch+json";
    public const string Apply = "application/apply-patch+yaml";
    public const string ApplyCbor = "application/apply-patch+cbor";
}

/// <summary>
/// JSON merge patch (RFC 7386), JSON patch (RFC 6902) and the strategic merge patch as built-in
/// types use it: lists of objects merge by their patchMergeKey (containers and env by name, ports
/// by containerPort/port, taints by key, conditions by type…), with the $patch directives.
/// </summary>
public static class Patching
{
    // patchMergeKey tags of the Go types kubectl commonly patches (k8s.io/api core/v1, apps/v1, meta/v1).
    private static readonly Dictionary<string, string[]> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["ephemeralContainers"] = ["name"],
        ["volumes"] = ["name"],
        ["imagePullSecrets"] = ["name"],
        ["env"] = ["name"],
        ["envFrom"] = [],
        ["ports"] = ["containerPort", "port"],
        ["volumeMounts"] = ["mountPath"],
        ["volumeDevices"] = ["devicePath"],
        ["taints"] = ["key"],
        ["conditions"] = ["type"],
        ["ownerReferences"] = ["uid"],
        ["hostAliases"] = ["ip"],
        ["topologySpreadConstraints"] = ["topologyKey"],
        ["resourceClaims"] = ["name"],
    };

    private const string PatchDirective = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetElementOrderPrefix = "$setElementOrder/";
    private const string DeleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList/";

    public static JsonObject Apply(string patchType, JsonObject target, ReadOnlySpan<byte> body)
    {
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw StatusException.BadRequest($"error decoding patch: {e.Message}");
        }
        switch (patchType)
        {
            case PatchTypes.Json:
                if (patch is not JsonArray ops) throw StatusException.BadRequest("json patch must be an array of operations");
                return JsonPatch(target, ops);
            case PatchTypes.Merge:
            case PatchTypes.Apply:
                if (patch is not JsonObject mp) throw StatusException.BadRequest("merge patch must be a JSON object");
                return (JsonObject)MergePatch(target, mp);
            case PatchTypes.Strategic:
                if (patch is not JsonObject sp) throw StatusException.BadRequest("strategic merge patch must be a JSON object");
                return StrategicMerge(target, sp);
            default:
                throw new StatusException(415, StatusReasons.UnsupportedMediaType,
                    $"the server does not support the patch type \"{patchType}\"");
        }
    }

    /// <summary>RFC 7386: objects merge recursively, null deletes, anything else replaces.</summary>
    public static JsonNode MergePatch(JsonNode? target, JsonNode patch)
    {
        if (patch is not JsonObject patchObj) return patch.DeepClone();
        var result = target as JsonObject ?? [];
        foreach (var (key, value) in patchObj.ToList())
        {
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            var existing = result[key];
            result.Remove(key);
            result[key] = MergePatch(existing?.DeepClone(), value);
        }
        return result;
    }

    public static JsonObject StrategicMerge(JsonObject target, JsonObject patch)
    {
        MergeObject(target, patch);
        return target;
    }

    private static void MergeObject(JsonObject target, JsonObject patch)
    {
        if ((string?)patch[PatchDirective] == "replace")
        {
            target.Clear();
            foreach (var (k, v) in patch)
            {
                if (k != PatchDirective) target[k] = v?.DeepClone();
            }
            return;
        }
        if (patch[RetainKeysDirective] is JsonArray retain)
        {
            var keep = retain.Select(k => (string?)k).ToHashSet();
            foreach (var key in target.Select(p => p.Key).ToList())
            {
                if (!keep.Contains(key) && !patch.ContainsKey(key)) target.Remove(key);
            }
        }
        foreach (var (key, value) in patch.ToList())
        {
            if (key == PatchDirective || key == RetainKeysDirective || key.StartsWith(SetElementOrderPrefix, StringComparison.Ordinal)) continue;
            if (key.StartsWith(DeleteFromPrimitiveListPrefix, StringComparison.Ordinal))
            {
                var field = key[DeleteFromPrimitiveListPrefix.Length..];
                if (target[field] is JsonArray list && value is JsonArray remove)
                {
                    var drop = remove.Select(r => r?.ToJsonString()).ToHashSet();
                    foreach (var item in list.Where(i => drop.Contains(i?.ToJsonString())).ToList()) list.Remove(item);
                }
                continue;
            }
            if (value is null)
            {
                target.Remove(key);
                continue;
            }
            if (value is JsonObject po && (string?)po[PatchDirective] == "delete")
            {
                target.Remove(key);
                continue;
            }
            var existing = target[key];
            if (value is JsonObject patchChild && existing is JsonObject targetChild)
            {
                MergeObject(targetChild, patchChild);
            }
            else if (value is JsonArray patchList && existing is JsonArray targetList && MergeKeys.TryGetValue(key, out var keys) && keys.Length > 0)
            {
                MergeList(targetList, patchList, keys);
            }
            else
            {
                target.Remove(key);
                target[key] = StripDirectives(value.DeepClone());
            }
        }
    }

    private static void MergeList(JsonArray target, JsonArray patch, string[] candidateKeys)
    {
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem)
            {
                target.Add(item?.DeepClone());
                continue;
            }
            var mergeKey = candidateKeys.FirstOrDefault(patchItem.ContainsKey);
            var match = mergeKey is null ? null : target.OfType<JsonObject>().FirstOrDefault(t =>
                JsonNode.DeepEquals(t[mergeKey], patchItem[mergeKey]));
            var directive = (string?)patchItem[PatchDirective];
            if (directive == "delete")
            {
                if (match is not null) target.Remove(match);
                continue;
            }
            if (match is null)
            {
                target.Add(StripDirectives(patchItem.DeepClone()));
            }
            else
            {
                MergeObject(match, patchItem);
            }
        }
    }

    private static JsonNode? StripDirectives(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).Where(k => k.StartsWith('$')).ToList()) o.Remove(key);
                foreach (var (_, v) in o) StripDirectives(v);
                break;
            case JsonArray a:
                foreach (var v in a) StripDirectives(v);
                break;
        }
        return node;
    }

    /// <summary>RFC 6902 operations on a JSON document.</summary>
    public static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode root = target;
        foreach (var opNode in operations)
        {
            if (opNode is not JsonObject op) throw StatusException.BadRequest("json patch operation must be an object");
            var kind = (string?)op["op"] ?? "";
            var path = (string?)op["path"] ?? throw StatusException.BadRequest($"json patch {kind} operation is missing \"path\"");
            switch (kind)
            {
                case "add":
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = (string?)op["from"] ?? throw StatusException.BadRequest("json patch move operation is missing \"from\"");
                    var value = Resolve(root, from);
                    Remove(root, from);
                    Add(root, path, value?.DeepClone());
                    break;
                }
                case "copy":
                {
                    var from = (string?)op["from"] ?? throw StatusException.BadRequest("json patch copy operation is missing \"from\"");
                    Add(root, path, Resolve(root, from)?.DeepClone());
                    break;
                }
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(root, path), op["value"]))
                    {
                        throw new StatusException(422, StatusReasons.Invalid, $"the server rejected our request due to an error in our request: testing value {path} failed");
                    }
                    break;
                default:
                    throw StatusException.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return target;
    }

    private static string[] Tokens(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') throw StatusException.BadRequest($"json patch path \"{path}\" must start with '/'");
        return path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Resolve(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new StatusException(422, StatusReasons.Invalid, $"the server rejected our request due to an error in our request: path {path} does not exist"),
            };
        }
        return node;
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode root, string path)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) throw StatusException.BadRequest("json patch cannot replace the whole document");
        var parentPath = "/" + string.Join('/', tokens[..^1].Select(t => t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        var parent = tokens.Length == 1 ? root : Resolve(root, parentPath)
            ?? throw new StatusException(422, StatusReasons.Invalid, $"the server rejected our request due to an error in our request: path {path} does not exist");
        return (parent, tokens[^1]);
    }

    private static void Add(JsonNode root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o:
                o.Remove(last);
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new StatusException(422, StatusReasons.Invalid, $"the server rejected our request due to an error in our request: cannot add at {path}");
        }
    }

    private static void Remove(JsonNode root, string path)
    {
        var (parent, last) = Parent(root, path);
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new StatusException(422, StatusReasons.Invalid, $"the server rejected our request due to an error in our request: path {path} does not exist");
        }
    }

    private static bool RemoveAt(JsonArray a, int i)
    {
        a.RemoveAt(i);
        return true;
    }
}
