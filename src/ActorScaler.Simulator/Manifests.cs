using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ActorScaler.Simulator;

/// <summary>
/// Reads Kubernetes manifests (YAML with `---` separated documents, or JSON) into JSON objects, with
/// YAML scalars resolved as the Kubernetes YAML decoder does (sigs.k8s.io/yaml → JSON): plain
/// true/false, null/~ and numbers become JSON values, anything quoted stays a string.
/// </summary>
public static class Manifests
{
    public static IReadOnlyList<JsonObject> ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        return Read(text, path);
    }

    public static IReadOnlyList<JsonObject> Read(string text, string source = "manifest")
    {
        var trimmed = text.TrimStart();
        if (trimmed.StartsWith('{') || trimmed.StartsWith('['))
        {
            try
            {
                return Flatten(JsonNode.Parse(text), source).ToList();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
            }
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}: not valid YAML (line {e.Start.Line}): {e.Message}", e);
        }
        var result = new List<JsonObject>();
        foreach (var doc in stream.Documents)
        {
            result.AddRange(Flatten(Convert(doc.RootNode), source));
        }
        return result;
    }

    // A List kind (kubectl get -o yaml output) stands for its items.
    private static IEnumerable<JsonObject> Flatten(JsonNode? node, string source)
    {
        switch (node)
        {
            case null:
                yield break;
            case JsonObject o when o["items"] is JsonArray items && ((string?)o["kind"])?.EndsWith("List", StringComparison.Ordinal) == true:
                foreach (var item in items.OfType<JsonObject>()) yield return (JsonObject)item.DeepClone();
                break;
            case JsonObject o:
                yield return o;
                break;
            default:
                throw new InvalidDataException($"{source}: a manifest document must be an object, not {node.GetValueKind()}");
        }
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p =>
            new KeyValuePair<string, JsonNode?>(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return value;
        }
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
        if (value.Any(char.IsDigit) && !value.Any(char.IsLetter) || value.Contains('e', StringComparison.OrdinalIgnoreCase) && value.Length > 1 && char.IsDigit(value[0]))
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !value.EndsWith('.')) return d;
        }
        return value;
    }
}
