using System.Text;
using System.Text.Json.Nodes;

namespace ActorScaler.Simulator.Storage;

/// <summary>Label selector operators (k8s.io/apimachinery/pkg/selection).</summary>
public enum SelectorOperator
{
    Equals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

public sealed record LabelRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            SelectorOperator.Equals or SelectorOperator.In => has && Values.Contains(value!),
            SelectorOperator.NotEquals or SelectorOperator.NotIn => !has || !Values.Contains(value!),
            SelectorOperator.Exists => has,
            SelectorOperator.DoesNotExist => !has,
            SelectorOperator.GreaterThan => has && long.TryParse(value, out var g) && g > long.Parse(Values[0], System.Globalization.CultureInfo.InvariantCulture),
            SelectorOperator.LessThan => has && long.TryParse(value, out var l) && l < long.Parse(Values[0], System.Globalization.CultureInfo.InvariantCulture),
            _ => false,
        };
    }

    public override string ToString() => Operator switch
    {
        SelectorOperator.Equals => $"{Key}={Values[0]}",
        SelectorOperator.NotEquals => $"{Key}!={Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(",", Values)})",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
        SelectorOperator.Exists => Key,
        SelectorOperator.DoesNotExist => $"!{Key}",
        SelectorOperator.GreaterThan => $"{Key}>{Values[0]}",
        SelectorOperator.LessThan => $"{Key}<{Values[0]}",
        _ => Key,
    };
}

/// <summary>
/// A parsed label selector: the `labelSelector` query string of list/watch, or a
/// metav1.LabelSelector object (matchLabels/matchExpressions) as workloads carry it.
/// Requirements are ANDed; the empty selector matches everything.
/// </summary>
public sealed class LabelSelector
{
    public static readonly LabelSelector Everything = new([]);

    /// <summary>Matches nothing: what a metav1.LabelSelector that is null means for a workload.</summary>
    public static readonly LabelSelector Nothing = new([]) { MatchesNothing = true };

    public LabelSelector(IReadOnlyList<LabelRequirement> requirements) => Requirements = requirements;

    public IReadOnlyList<LabelRequirement> Requirements { get; }
    public bool MatchesNothing { get; private init; }
    public bool IsEmpty => Requirements.Count == 0 && !MatchesNothing;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (MatchesNothing) return false;
        foreach (var r in Requirements)
        {
            if (!r.Matches(labels)) return false;
        }
        return true;
    }

    /// <summary>The canonical string form, e.g. "app=web,tier in (a,b)" (Scale.status.selector uses it).</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>Parses the `labelSelector` query syntax; throws a 400 StatusException naming the problem.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<LabelRequirement>();
        foreach (var term in SplitTopLevel(text))
        {
            requirements.Add(ParseRequirement(term.Trim(), text));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>Converts a metav1.LabelSelector JSON object (null → matches nothing, {} → everything).</summary>
    public static LabelSelector FromJson(JsonNode? selector)
    {
        if (selector is not JsonObject obj) return Nothing;
        var requirements = new List<LabelRequirement>();
        if (obj["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                requirements.Add(new LabelRequirement(key, SelectorOperator.Equals, [value?.ToString() ?? ""]));
            }
        }
        if (obj["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions.OfType<JsonObject>())
            {
                var key = (string?)e["key"] ?? "";
                var values = e["values"] is JsonArray vs ? vs.Select(v => v?.ToString() ?? "").ToList() : [];
                var op = ((string?)e["operator"]) switch
                {
                    "In" => SelectorOperator.In,
                    "NotIn" => SelectorOperator.NotIn,
                    "Exists" => SelectorOperator.Exists,
                    "DoesNotExist" => SelectorOperator.DoesNotExist,
                    var other => throw StatusException.BadRequest($"\"{other}\" is not a valid label selector operator"),
                };
                requirements.Add(new LabelRequirement(key, op, values));
            }
        }
        return new LabelSelector(requirements);
    }

    private static LabelRequirement ParseRequirement(string term, string whole)
    {
        if (term.Length == 0) throw StatusException.BadRequest($"unable to parse requirement: empty term in label selector \"{whole}\"");
        if (term[0] == '!') return new LabelRequirement(ValidKey(term[1..].Trim(), whole), SelectorOperator.DoesNotExist, []);
        var notIn = term.IndexOf(" notin ", StringComparison.Ordinal);
        var inIdx = term.IndexOf(" in ", StringComparison.Ordinal);
        if (notIn > 0) return SetRequirement(term, notIn, " notin ".Length, SelectorOperator.NotIn, whole);
        if (inIdx > 0) return SetRequirement(term, inIdx, " in ".Length, SelectorOperator.In, whole);
        foreach (var (token, op) in new[]
        {
            ("!=", SelectorOperator.NotEquals), ("==", SelectorOperator.Equals), ("=", SelectorOperator.Equals),
            (">", SelectorOperator.GreaterThan), ("<", SelectorOperator.LessThan),
        })
        {
            var idx = term.IndexOf(token, StringComparison.Ordinal);
            if (idx < 0) continue;
            var key = ValidKey(term[..idx].Trim(), whole);
            var value = term[(idx + token.Length)..].Trim();
            if (op is SelectorOperator.GreaterThan or SelectorOperator.LessThan && !long.TryParse(value, out _))
            {
                throw StatusException.BadRequest($"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer: \"{value}\"");
            }
            return new LabelRequirement(key, op, [value]);
        }
        return new LabelRequirement(ValidKey(term, whole), SelectorOperator.Exists, []);
    }

    private static LabelRequirement SetRequirement(string term, int at, int length, SelectorOperator op, string whole)
    {
        var key = ValidKey(term[..at].Trim(), whole);
        var rest = term[(at + length)..].Trim();
        if (rest.Length < 2 || rest[0] != '(' || rest[^1] != ')')
        {
            throw StatusException.BadRequest($"unable to parse requirement: found '{rest}', expected: '(' … ')' in label selector \"{whole}\"");
        }
        var values = rest[1..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        return new LabelRequirement(key, op, values);
    }

    private static string ValidKey(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '!' or '=' or ','))
        {
            throw StatusException.BadRequest($"unable to parse requirement: invalid label key \"{key}\" in label selector \"{whole}\"");
        }
        return key;
    }

    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (c == ',' && depth == 0)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        parts.Add(current.ToString());
        return parts;
    }
}

public sealed record FieldRequirement(string Field, bool Equal, string Value)
{
    public override string ToString() => $"{Field}{(Equal ? "=" : "!=")}{Value}";
}

/// <summary>
/// A parsed `fieldSelector` (only `=`, `==` and `!=`, ANDed, as in apimachinery/pkg/fields).
/// Which fields a resource supports is decided by <see cref="SelectableFields"/>.
/// </summary>
public sealed class FieldSelector
{
    public static readonly FieldSelector Everything = new([]);

    public FieldSelector(IReadOnlyList<FieldRequirement> requirements) => Requirements = requirements;

    public IReadOnlyList<FieldRequirement> Requirements { get; }
    public bool IsEmpty => Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        foreach (var r in Requirements)
        {
            var value = fields.TryGetValue(r.Field, out var v) ? v : "";
            if ((value == r.Value) != r.Equal) return false;
        }
        return true;
    }

    /// <summary>The value an equality term requires for a field, e.g. the name of a named watch.</summary>
    public string? RequiredValue(string field) =>
        Requirements.FirstOrDefault(r => r.Equal && r.Field == field)?.Value;

    public override string ToString() => string.Join(",", Requirements);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var requirements = new List<FieldRequirement>();
        foreach (var raw in SplitUnescaped(text))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            int idx;
            if ((idx = term.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                requirements.Add(new FieldRequirement(term[..idx].Trim(), false, Unescape(term[(idx + 2)..].Trim())));
            }
            else if ((idx = term.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                requirements.Add(new FieldRequirement(term[..idx].Trim(), true, Unescape(term[(idx + 2)..].Trim())));
            }
            else if ((idx = term.IndexOf('=', StringComparison.Ordinal)) > 0)
            {
                requirements.Add(new FieldRequirement(term[..idx].Trim(), true, Unescape(term[(idx + 1)..].Trim())));
            }
            else
            {
                throw StatusException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }
        }
        return new FieldSelector(requirements);
    }

    // fields.EscapeValue escapes '\', ',' and '=' with a backslash.
    private static IEnumerable<string> SplitUnescaped(string text)
    {
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                current.Append(text[i]).Append(text[i + 1]);
                i++;
                continue;
            }
            if (text[i] == ',')
            {
                yield return current.ToString();
                current.Clear();
                continue;
            }
            current.Append(text[i]);
        }
        yield return current.ToString();
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\', StringComparison.Ordinal)) return value;
        var sb = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length) i++;
            sb.Append(value[i]);
        }
        return sb.ToString();
    }
}
