using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Core.Quantities;

namespace ActorScaler.Core.Spec;

/// <summary>A document could not be decoded; the message is what the API server's decoder says.</summary>
public sealed class HpaDecodeException(string message) : FormatException(message);

/// <summary>
/// Typed reads from a JSON object with the errors of Go's encoding/json as the API server reports
/// them ("json: cannot unmarshal string into Go struct field HorizontalPodAutoscalerSpec.spec.maxReplicas
/// of type int32"), and strict-decoding's unknown fields ("spec.metrics[0].foo").
/// </summary>
internal sealed class JsonCursor
{
    private readonly JsonObject _obj;
    private readonly List<string> _unknown;

    private JsonCursor(JsonObject obj, string goStruct, string goPath, string fullPath, List<string> unknown)
    {
        _obj = obj;
        GoStruct = goStruct;
        GoPath = goPath;
        FullPath = fullPath;
        _unknown = unknown;
    }

    /// <summary>The Go type that holds these fields (for the error text).</summary>
    public string GoStruct { get; }

    /// <summary>Dotted JSON names from the root without indices, as encoding/json prints them.</summary>
    public string GoPath { get; }

    /// <summary>Dotted JSON names with indices, as strict decoding prints unknown fields.</summary>
    public string FullPath { get; }

    public static JsonCursor Root(JsonObject obj, string goStruct, List<string> unknown) => new(obj, goStruct, "", "", unknown);

    public bool Has(string name) => _obj.ContainsKey(name);

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private HpaDecodeException TypeError(string name, JsonNode node, string goType, bool withNumber = false)
    {
        var kind = Kind(node);
        if (withNumber && kind == "number")
        {
            kind = "number " + node.ToJsonString();
        }
        return new HpaDecodeException(
            $"json: cannot unmarshal {kind} into Go struct field {GoStruct}.{Join(GoPath, name)} of type {goType}");
    }

    internal static string Kind(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => "number",
            JsonValueKind.True or JsonValueKind.False => "bool",
            _ => "null",
        },
        _ => "null",
    };

    /// <summary>Marks the fields this Go type knows; the others are strict-decoding errors.</summary>
    public void Known(params string[] names)
    {
        foreach (var (key, _) in _obj)
        {
            if (!names.Contains(key, StringComparer.Ordinal))
            {
                _unknown.Add(Join(FullPath, key));
            }
        }
    }

    public JsonNode? Raw(string name) => _obj[name];

    public string? String(string name, string goType = "string")
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return value.GetValue<string>();
        }
        throw TypeError(name, node, goType);
    }

    public int? Int32(string name) => (int?)Integer(name, "int32", int.MinValue, int.MaxValue);

    public long? Int64(string name) => Integer(name, "int64", long.MinValue, long.MaxValue);

    private long? Integer(string name, string goType, long min, long max)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            // The JSON text of the number, as Go's decoder sees it (YAML 1.0 arrives as 1).
            var text = value.ToJsonString();
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max)
            {
                return result;
            }
            throw TypeError(name, node, goType, withNumber: true);
        }
        throw TypeError(name, node, goType);
    }

    public bool? Bool(string name)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue value && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetValue<bool>();
        }
        throw TypeError(name, node, "bool");
    }

    /// <summary>resource.Quantity's UnmarshalJSON: a string or a bare number, trimmed; upstream's parse errors as they are.</summary>
    public Quantity? Quantity(string name)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        var text = node is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : node.ToJsonString();
        if (!Quantities.Quantity.TryParse(text.Trim(), out var quantity, out var error))
        {
            throw new HpaDecodeException(error!);
        }
        return quantity;
    }

    /// <summary>metav1.Time: RFC 3339 in UTC.</summary>
    public DateTimeOffset? Time(string name)
    {
        var text = String(name, "v1.Time");
        if (text is null || text.Length == 0)
        {
            return null;
        }
        if (DateTimeOffset.TryParseExact(text, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFFFK"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time.ToUniversalTime();
        }
        throw new HpaDecodeException(
            $"parsing time {GoValueQuote(text)} as \"2006-01-02T15:04:05Z07:00\": cannot parse {GoValueQuote(text)} as \"2006\"");
    }

    private static string GoValueQuote(string text) => Validation.GoValue.Quote(text);

    public JsonCursor? Object(string name, string goType, string goStruct)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonObject obj)
        {
            return new JsonCursor(obj, goStruct, Join(GoPath, name), Join(FullPath, name), _unknown);
        }
        throw TypeError(name, node, goType);
    }

    /// <summary>A list of objects; null elements decode as zero values, as in Go.</summary>
    public List<JsonCursor>? Objects(string name, string sliceType, string elemType, string goStruct)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray array)
        {
            throw TypeError(name, node, sliceType);
        }
        var result = new List<JsonCursor>();
        for (var i = 0; i < array.Count; i++)
        {
            var item = array[i] ?? new JsonObject();
            if (item is not JsonObject obj)
            {
                throw TypeError(name, item, elemType);
            }
            result.Add(new JsonCursor(obj, goStruct, Join(GoPath, name), $"{Join(FullPath, name)}[{i}]", _unknown));
        }
        return result;
    }

    public List<string>? Strings(string name)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is not JsonArray array)
        {
            throw TypeError(name, node, "[]string");
        }
        var result = new List<string>();
        foreach (var item in array)
        {
            if (item is null)
            {
                result.Add("");
                continue;
            }
            if (item is JsonValue value && value.GetValueKind() == JsonValueKind.String)
            {
                result.Add(value.GetValue<string>());
                continue;
            }
            throw TypeError(name, item, "string");
        }
        return result;
    }

    public Dictionary<string, string>? StringMap(string name)
    {
        var node = _obj[name];
        if (node is null)
        {
            return null;
        }
        if (node is not JsonObject obj)
        {
            throw TypeError(name, node, "map[string]string");
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, item) in obj)
        {
            if (item is null)
            {
                result[key] = "";
                continue;
            }
            if (item is JsonValue value && value.GetValueKind() == JsonValueKind.String)
            {
                result[key] = value.GetValue<string>();
                continue;
            }
            throw TypeError(name, item, "string");
        }
        return result;
    }
}
