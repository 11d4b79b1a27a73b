using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ActorScaler.Core.Spec;

/// <summary>The YAML text is not YAML; the message follows sigs.k8s.io/yaml ("error converting YAML to JSON: yaml: line N: ...").</summary>
public sealed class YamlConversionException(string message) : FormatException(message);

/// <summary>
/// YAML documents to JSON trees and back, as kubectl does (sigs.k8s.io/yaml over go-yaml v2): plain
/// scalars resolve with YAML 1.1 rules (yes/no/on/off are booleans, ~ is null), quoted scalars stay
/// strings; output is block YAML with keys sorted, strings quoted only where go-yaml would.
/// </summary>
public static partial class YamlJson
{
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z")]
    private static partial Regex FloatRegex();

    [GeneratedRegex(@"^[-+]?[0-9][0-9_]*\z")]
    private static partial Regex DecimalIntRegex();

    // go-yaml v2 resolves these plain scalars as timestamps, so a string that looks like one is quoted.
    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?([Zz]|[-+][0-9]{2}:[0-9]{2})?)?\z")]
    private static partial Regex TimestampRegex();

    private static readonly HashSet<string> TrueWords = new(StringComparer.Ordinal) { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON" };
    private static readonly HashSet<string> FalseWords = new(StringComparer.Ordinal) { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF" };
    private static readonly HashSet<string> NullWords = new(StringComparer.Ordinal) { "", "~", "null", "Null", "NULL" };

    /// <summary>Splits a multi-document YAML text; empty documents are dropped (as kubectl does).</summary>
    public static List<JsonNode?> ParseDocuments(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new YamlConversionException(
                $"error converting YAML to JSON: yaml: line {ex.Start.Line}: {FirstSentence(ex.InnerException?.Message ?? ex.Message)}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet gives up this way (not with a YamlException) on some malformed input.
            throw new YamlConversionException("error converting YAML to JSON: yaml: the text is not well-formed YAML");
        }
        var documents = new List<JsonNode?>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Style: ScalarStyle.Plain } scalar && NullWords.Contains(scalar.Value ?? ""))
            {
                continue;
            }
            documents.Add(ToJson(document.RootNode));
        }
        return documents;
    }

    private static string FirstSentence(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; keep only the description.
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return index >= 0 ? message[(index + 3)..] : message;
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode s ? s.Value ?? "" : key.ToString();
                    // go-yaml keeps the last duplicate key; JsonObject would throw.
                    obj[name] = ToJson(value);
                }
                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                foreach (var child in sequence.Children)
                {
                    array.Add(ToJson(child));
                }
                return array;
            case YamlScalarNode scalar:
                return ResolveScalar(scalar);
            default:
                return null;
        }
    }

    private static JsonValue? ResolveScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || (!scalar.Tag.IsEmpty && scalar.Tag.Value == "tag:yaml.org,2002:str"))
        {
            return JsonValue.Create(text);
        }
        if (NullWords.Contains(text))
        {
            return null;
        }
        if (TrueWords.Contains(text))
        {
            return JsonValue.Create(true);
        }
        if (FalseWords.Contains(text))
        {
            return JsonValue.Create(false);
        }
        if (DecimalIntRegex().IsMatch(text)
            && long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }
        if (text.StartsWith("0x", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return JsonValue.Create(hex);
        }
        if (FloatRegex().IsMatch(text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            // JSON keeps the shortest round-trip text, as Go's json.Marshal of a float64 does.
            return JsonValue.Create(real);
        }
        return JsonValue.Create(text);
    }

    /// <summary>sigs.k8s.io/yaml JSONToYAML: block style, keys sorted, two-space indentation.</summary>
    public static string ToYaml(JsonNode? node)
    {
        var builder = new StringBuilder();
        WriteBlock(builder, node, 0);
        return builder.ToString();
    }

    private static void WriteBlock(StringBuilder builder, JsonNode? node, int indent)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    builder.Append(' ', indent).Append(Scalar(key));
                    WriteValueAfterKey(builder, value, indent);
                }
                break;
            case JsonArray array when array.Count > 0:
                foreach (var item in array)
                {
                    builder.Append(' ', indent).Append('-');
                    WriteValueAfterDash(builder, item, indent);
                }
                break;
            default:
                builder.Append(' ', indent).Append(Inline(node)).Append('\n');
                break;
        }
    }

    private static void WriteValueAfterKey(StringBuilder builder, JsonNode? value, int indent)
    {
        if (TryLiteral(value, out var literal))
        {
            builder.Append(": ");
            WriteLiteral(builder, literal, indent + 2);
            return;
        }
        switch (value)
        {
            case JsonObject obj when obj.Count > 0:
                builder.Append(":\n");
                WriteBlock(builder, obj, indent + 2);
                break;
            case JsonArray array when array.Count > 0:
                // go-yaml v2 writes sequences under a key at the key's own indentation.
                builder.Append(":\n");
                WriteBlock(builder, array, indent);
                break;
            default:
                builder.Append(": ").Append(Inline(value)).Append('\n');
                break;
        }
    }

    private static void WriteValueAfterDash(StringBuilder builder, JsonNode? item, int indent)
    {
        if (TryLiteral(item, out var literal))
        {
            builder.Append(' ');
            WriteLiteral(builder, literal, indent + 2);
            return;
        }
        switch (item)
        {
            case JsonObject obj when obj.Count > 0:
                var first = true;
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (first)
                    {
                        builder.Append(' ').Append(Scalar(key));
                        first = false;
                    }
                    else
                    {
                        builder.Append(' ', indent + 2).Append(Scalar(key));
                    }
                    WriteValueAfterKey(builder, value, indent + 2);
                }
                break;
            case JsonArray array when array.Count > 0:
                builder.Append('\n');
                WriteBlock(builder, array, indent + 2);
                break;
            default:
                builder.Append(' ').Append(Inline(item)).Append('\n');
                break;
        }
    }

    // go-yaml v2 writes a string with line breaks as a literal block ("|", "|-", "|+" by how it
    // ends) when the block can hold it: no control characters, no space before a break, no
    // leading space.
    private static bool TryLiteral(JsonNode? node, out string text)
    {
        text = "";
        if (node is not JsonValue value || !value.TryGetValue<string>(out var s) || !s.Contains('\n', StringComparison.Ordinal))
        {
            return false;
        }
        if (s[0] == ' ' || s.Contains(" \n", StringComparison.Ordinal) || s.Any(c => char.IsControl(c) && c != '\n'))
        {
            return false;
        }
        text = s;
        return true;
    }

    private static void WriteLiteral(StringBuilder builder, string text, int indent)
    {
        var body = text.TrimEnd('\n');
        var trailing = text.Length - body.Length;
        builder.Append(trailing switch { 0 => "|-", 1 => "|", _ => "|+" }).Append('\n');
        foreach (var line in (body + new string('\n', Math.Max(0, trailing - 1))).Split('\n'))
        {
            if (line.Length > 0)
            {
                builder.Append(' ', indent).Append(line);
            }
            builder.Append('\n');
        }
    }

    private static string Inline(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue value when value.TryGetValue<string>(out var text) => Scalar(text),
        _ => node.ToJsonString(),
    };

    /// <summary>A string as go-yaml v2 writes it: plain when it would read back as the same string.</summary>
    public static string Scalar(string text)
    {
        if (text.Contains('\n', StringComparison.Ordinal))
        {
            return DoubleQuoted(text);
        }
        var resolvesToString = !NullWords.Contains(text) && !TrueWords.Contains(text) && !FalseWords.Contains(text)
            && !DecimalIntRegex().IsMatch(text) && !FloatRegex().IsMatch(text)
            && !text.StartsWith("0x", StringComparison.Ordinal) && !TimestampRegex().IsMatch(text) && text is not (".inf" or "-.inf" or ".nan" or ".Inf" or ".NaN");
        if (!resolvesToString)
        {
            return DoubleQuoted(text);
        }
        if (PlainAllowed(text))
        {
            return text;
        }
        return text.Any(char.IsControl) ? DoubleQuoted(text) : "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static bool PlainAllowed(string text)
    {
        if (text.Length == 0 || char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            return false;
        }
        if ("-?:,[]{}#&*!|>'\"%@`".Contains(text[0], StringComparison.Ordinal)
            && !(text.Length > 1 && text[0] is '-' or '?' or ':' && !char.IsWhiteSpace(text[1])))
        {
            return false;
        }
        if (text.Contains(": ", StringComparison.Ordinal) || text.Contains(" #", StringComparison.Ordinal) || text.EndsWith(':'))
        {
            return false;
        }
        return !text.Any(c => c is '{' or '}' or '[' or ']' or ',' || char.IsControl(c));
    }

    private static string DoubleQuoted(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '\r': builder.Append("\\r"); break;
                default: builder.Append(c); break;
            }
        }
        return builder.Append('"').ToString();
    }
}
