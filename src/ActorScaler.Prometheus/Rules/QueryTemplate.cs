using System.Text;

namespace ActorScaler.Prometheus.Rules;

/// <summary>A template could not be parsed; the message says where and why.</summary>
public sealed class QueryTemplateException(string message) : FormatException(message);

/// <summary>
/// The part of Go's text/template that prometheus-adapter's templates use, with its <c>&lt;&lt;</c>
/// <c>&gt;&gt;</c> delimiters: field references (<c>&lt;&lt;.Series&gt;&gt;</c>), map lookups
/// (<c>&lt;&lt;.LabelValuesByName.pod&gt;&gt;</c> or <c>&lt;&lt;index .LabelValuesByName "pod"&gt;&gt;</c>) and
/// the <c>&lt;&lt;-</c> / <c>-&gt;&gt;</c> whitespace trimming. Parsed once when the rules file loads, so a
/// template that cannot work fails at start and not at the first HPA sync. Values print as Go prints
/// them: a slice as <c>[a b]</c>, a map as <c>map[k:v]</c> with sorted keys.
/// </summary>
public sealed class QueryTemplate
{
    private const string Open = "<<";
    private const string Close = ">>";

    private readonly List<Part> _parts;

    private QueryTemplate(string text, List<Part> parts)
    {
        Text = text;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; <paramref name="fields"/> are the names the template may use.</summary>
    public static QueryTemplate Parse(string text, IReadOnlyCollection<string> fields)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fields);
        var parts = new List<Part>();
        var position = 0;
        var trimNextText = false;
        while (position < text.Length)
        {
            var open = text.IndexOf(Open, position, StringComparison.Ordinal);
            var literal = open < 0 ? text[position..] : text[position..open];
            if (trimNextText)
                literal = literal.TrimStart();
            if (open < 0)
            {
                if (literal.Length > 0)
                    parts.Add(new Part(literal, null, null));
                break;
            }
            var close = text.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            if (close < 0)
                throw new QueryTemplateException($"unclosed action: \"{Open}\" at column {open + 1} has no \"{Close}\"");
            var action = text[(open + Open.Length)..close];
            if (action.Contains(Open, StringComparison.Ordinal))
                throw new QueryTemplateException($"unclosed action: \"{Open}\" at column {open + 1} has no \"{Close}\" before the next \"{Open}\"");
            // Go's trim markers need a space after "<<-" and before "->>" so "<<-3>>" stays a number.
            if (action.StartsWith("- ", StringComparison.Ordinal))
            {
                literal = literal.TrimEnd();
                action = action[2..];
            }
            trimNextText = action.EndsWith(" -", StringComparison.Ordinal);
            if (trimNextText)
                action = action[..^2];
            if (literal.Length > 0)
                parts.Add(new Part(literal, null, null));
            parts.Add(ParseAction(action.Trim(), open + 1, fields));
            position = close + Close.Length;
        }
        return new QueryTemplate(text, parts);
    }

    private static Part ParseAction(string action, int column, IReadOnlyCollection<string> fields)
    {
        if (action.Length == 0)
            throw new QueryTemplateException($"missing value for command at column {column}");
        string field;
        string? key = null;
        if (action.StartsWith("index ", StringComparison.Ordinal))
        {
            var args = action[6..].Trim();
            var space = args.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || !args.StartsWith('.'))
                throw new QueryTemplateException($"bad action \"{action}\" at column {column}: index takes a field and a quoted key, as in index .LabelValuesByName \"pod\"");
            field = args[1..space];
            var quoted = args[(space + 1)..].Trim();
            if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"')
                throw new QueryTemplateException($"bad action \"{action}\" at column {column}: the key must be a quoted string");
            key = quoted[1..^1];
        }
        else if (action.StartsWith('.'))
        {
            var path = action[1..];
            var dot = path.IndexOf('.', StringComparison.Ordinal);
            field = dot < 0 ? path : path[..dot];
            key = dot < 0 ? null : path[(dot + 1)..];
            if (field.Contains(' ', StringComparison.Ordinal) || key?.Contains(' ', StringComparison.Ordinal) == true)
                throw new QueryTemplateException($"unsupported action \"{action}\" at column {column}: only fields such as .Series and map lookups such as index .LabelValuesByName \"pod\" are supported");
        }
        else
        {
            throw new QueryTemplateException($"unsupported action \"{action}\" at column {column}: only fields such as .Series and map lookups such as index .LabelValuesByName \"pod\" are supported");
        }
        if (!fields.Contains(field))
            throw new QueryTemplateException($"can't evaluate field {field} at column {column}: the fields are {string.Join(", ", fields.Select(f => "." + f))}");
        return new Part(null, field, key);
    }

    /// <summary>Renders with the given values: string, IReadOnlyList&lt;string&gt; or IReadOnlyDictionary&lt;string, string&gt;.</summary>
    public string Render(IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var builder = new StringBuilder(Text.Length + 64);
        foreach (var part in _parts)
        {
            if (part.Literal is not null)
            {
                builder.Append(part.Literal);
                continue;
            }
            values.TryGetValue(part.Field!, out var value);
            if (part.Key is not null)
            {
                // A missing key of a map[string]string is the zero value: "".
                if (value is IReadOnlyDictionary<string, string> map && map.TryGetValue(part.Key, out var entry))
                    builder.Append(entry);
                continue;
            }
            builder.Append(Format(value));
        }
        return builder.ToString();
    }

    private static string Format(object? value) => value switch
    {
        null => "<no value>",
        string s => s,
        IReadOnlyDictionary<string, string> map =>
            "map[" + string.Join(" ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}")) + "]",
        IReadOnlyList<string> list => "[" + string.Join(" ", list) + "]",
        _ => value.ToString() ?? "",
    };

    private sealed record Part(string? Literal, string? Field, string? Key);
}
