using System.Globalization;

namespace ActorScaler.Simulator.Tests.Kubelets;

/// <summary>One parsed sample line of Prometheus text (test-side parser, independent of the writer).</summary>
public sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? TimestampMs, string ValueText)
{
    public string? Label(string name) => Labels.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses every sample line; HELP/TYPE/comment lines are skipped. Throws on a malformed line.</summary>
    public static List<PromSample> ParseAll(string text)
    {
        var result = new List<PromSample>();
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Length == 0 || raw[0] == '#') continue;
            result.Add(ParseLine(raw));
        }
        return result;
    }

    public static PromSample ParseLine(string line)
    {
        var i = 0;
        while (i < line.Length && (char.IsLetterOrDigit(line[i]) || line[i] is '_' or ':')) i++;
        var name = line[..i];
        if (name.Length == 0) throw new FormatException($"no metric name: {line}");
        var labels = new Dictionary<string, string>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var key = line[i..eq];
                if (line[eq + 1] != '"') throw new FormatException($"unquoted label value: {line}");
                var j = eq + 2;
                var value = new System.Text.StringBuilder();
                while (line[j] != '"')
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                    }
                    else
                    {
                        value.Append(line[j]);
                    }
                    j++;
                }
                labels[key] = value.ToString();
                i = j + 1;
                if (line[i] == ',') i++;
            }
            i++;
        }
        var parts = line[i..].Trim().Split(' ');
        if (parts.Length is < 1 or > 2) throw new FormatException($"bad value/timestamp: {line}");
        var v = parts[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        long? ts = parts.Length == 2 ? long.Parse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;
        return new PromSample(name, labels, v, ts, parts[0]);
    }
}
