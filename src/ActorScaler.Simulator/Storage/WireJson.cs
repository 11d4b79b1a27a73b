using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Storage;

/// <summary>
/// JSON as Go's encoding/json writes it for the API: quotes as \" and no HTML escaping of
/// &lt;, &gt;, &amp;, ' or + (System.Text.Json's default would write \u0022 and \u002B, which
/// clients decode but people and string assertions do not expect).
/// </summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Options);

    public static string ToText(JsonNode node) => node.ToJsonString(Options);
}

/// <summary>Numbers from JSON nodes whatever they wrap (parsed JSON, or an int/long set in code).</summary>
public static class JsonNumbers
{
    public static double? Double(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
        && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d
            : null;

    public static long? Long(JsonNode? node) => Double(node) is { } d ? (long)d : null;
}
