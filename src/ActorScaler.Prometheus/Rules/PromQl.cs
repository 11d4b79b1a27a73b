using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorScaler.Prometheus.Rules;

/// <summary>PromQL text helpers: label matchers as prometheus-adapter writes them (<c>label="value"</c> with
/// Go's %q quoting), and the range durations of a query.</summary>
public static partial class PromQl
{
    /// <summary>Go's strconv.Quote, which the adapter's matchers use through %q; PromQL reads the same escapes.</summary>
    public static string Quote(string value) => ActorScaler.Core.Validation.GoValue.Quote(value);

    public static string LabelEq(string label, string value) => $"{label}={Quote(value)}";

    public static string LabelNeq(string label, string value) => $"{label}!={Quote(value)}";

    public static string LabelMatches(string label, string value) => $"{label}=~{Quote(value)}";

    public static string LabelNotMatches(string label, string value) => $"{label}!~{Quote(value)}";

    // A range selector or subquery: "[2m]", "[1m30s]", "[5m:30s]".
    [GeneratedRegex(@"\[\s*((?:\d+(?:ms|s|m|h|d|w|y))+)\s*(?::[^\]]*)?\]", RegexOptions.CultureInvariant)]
    private static partial Regex RangePattern();

    [GeneratedRegex(@"(\d+)(ms|s|m|h|d|w|y)", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPart();

    /// <summary>
    /// The longest range in the query (the <c>[2m]</c> of <c>rate(x[2m])</c>), or null when it has none.
    /// The longest, because a value computed from several ranges depends on samples that far back.
    /// </summary>
    public static TimeSpan? LongestRange(string query)
    {
        TimeSpan? longest = null;
        foreach (Match match in RangePattern().Matches(query))
        {
            if (TryParseDuration(match.Groups[1].Value, out var duration) && (longest is null || duration > longest))
                longest = duration;
        }
        return longest;
    }

    /// <summary>A Prometheus duration ("1m30s", "2h", "1d"); Prometheus's units, d = 24h, w = 7d, y = 365d.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var matches = DurationPart().Matches(text);
        if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)) != text)
            return false;
        foreach (Match m in matches)
        {
            if (!long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return false;
            duration += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(n),
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                "d" => TimeSpan.FromDays(n),
                "w" => TimeSpan.FromDays(7 * n),
                _ => TimeSpan.FromDays(365 * n),
            };
        }
        return true;
    }
}
