using System.Text;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>
/// Go's fmt output for the values upstream prints into metric names and messages, so event texts match
/// byte for byte (e.g. "external metric qps(&amp;LabelSelector{MatchLabels:map[string]string{},...})").
/// </summary>
public static class GoFormat
{
    /// <summary>%+v of a *metav1.LabelSelector: its generated String() method, or "nil".</summary>
    public static string LabelSelector(LabelSelector? selector)
    {
        if (selector is null)
        {
            return "nil";
        }
        var text = new StringBuilder("&LabelSelector{MatchLabels:map[string]string{");
        if (selector.MatchLabels is { } labels)
        {
            foreach (var key in labels.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                text.Append(key).Append(": ").Append(labels[key]).Append(',');
            }
        }
        text.Append("},MatchExpressions:[]LabelSelectorRequirement{");
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            text.Append("LabelSelectorRequirement{Key:").Append(requirement.Key)
                .Append(",Operator:").Append(requirement.Operator)
                .Append(",Values:[").AppendJoin(' ', requirement.Values ?? []).Append("],},");
        }
        return text.Append("},}").ToString();
    }

    /// <summary>%q of a plain string.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '"' => text.Append("\\\""),
                '\\' => text.Append("\\\\"),
                '\n' => text.Append("\\n"),
                '\t' => text.Append("\\t"),
                '\r' => text.Append("\\r"),
                _ when char.IsControl(c) => text.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)),
                _ => text.Append(c),
            };
        }
        return text.Append('"').ToString();
    }
}
