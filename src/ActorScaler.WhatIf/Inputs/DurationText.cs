using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorScaler.WhatIf.Inputs;

/// <summary>
/// Go-style durations as kubectl and the controller-manager flags take them ("15s", "5m",
/// "1h30m", "250ms"); a bare number is seconds, as in a CSV trace.
/// </summary>
public static partial class DurationText
{
    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|s|m|h)", RegexOptions.CultureInvariant)]
    private static partial Regex Part();

    public static bool TryParse(string? text, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        error = null;
        var t = text?.Trim() ?? "";
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (!double.IsFinite(bare) || bare < 0)
            {
                error = $"\"{t}\" is not a duration: it must not be negative";
                return false;
            }
            duration = TimeSpan.FromSeconds(bare);
            return true;
        }
        if (!Whole().IsMatch(t))
        {
            error = $"\"{t}\" is not a duration (use e.g. 30s, 5m, 1h30m)";
            return false;
        }
        var seconds = 0.0;
        foreach (Match m in Part().Matches(t))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            seconds += m.Groups[2].Value switch
            {
                "ms" => n / 1000,
                "s" => n,
                "m" => n * 60,
                _ => n * 3600,
            };
        }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    /// <summary>Compact form for tables and file names: 90 s -> "1m30s".</summary>
    public static string Format(TimeSpan d)
    {
        if (d == TimeSpan.Zero)
            return "0s";
        var parts = new List<string>();
        if (d.TotalHours >= 1)
            parts.Add($"{(int)d.TotalHours}h");
        if (d.Minutes > 0)
            parts.Add($"{d.Minutes}m");
        if (d.Seconds > 0 || d.Milliseconds > 0)
            parts.Add(d.Milliseconds > 0 ? $"{d.Seconds + (d.Milliseconds / 1000.0):0.###}s" : $"{d.Seconds}s");
        return string.Concat(parts);
    }
}
