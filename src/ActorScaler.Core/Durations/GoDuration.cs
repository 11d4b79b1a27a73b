using System.Globalization;
using System.Text;

namespace ActorScaler.Core.Durations;

/// <summary>Go's time.Duration text: <see cref="Format"/> is Duration.String(), which the Metrics API
/// uses for <c>window</c> (<c>15.006s</c>, <c>12.299552768s</c>, <c>1m0.5s</c>); <see cref="TryParse"/> is
/// time.ParseDuration, the syntax of kube-controller-manager's and metrics-server's flags
/// (<c>15s</c>, <c>5m</c>, <c>1m30s</c>, <c>500ms</c>, <c>1.5h</c>).</summary>
public static class GoDuration
{
    private static readonly (string Unit, decimal Nanos)[] Units =
    [
        ("ns", 1m), ("us", 1_000m), ("µs", 1_000m), ("μs", 1_000m), ("ms", 1_000_000m),
        ("s", 1_000_000_000m), ("m", 60_000_000_000m), ("h", 3_600_000_000_000m),
    ];

    /// <summary>Parses a Go duration; the error says what is wrong, as Go's does
    /// (<c>time: invalid duration "5 minutes"</c>, <c>time: missing unit in duration "15"</c>).</summary>
    public static bool TryParse(string? text, out TimeSpan duration, out string? error)
    {
        duration = TimeSpan.Zero;
        error = null;
        var quoted = $"\"{text}\"";
        if (string.IsNullOrEmpty(text))
        {
            error = $"time: invalid duration {quoted}";
            return false;
        }
        var s = text.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        if (s.SequenceEqual("0"))
            return true;
        if (s.IsEmpty)
        {
            error = $"time: invalid duration {quoted}";
            return false;
        }
        decimal total = 0;
        while (!s.IsEmpty)
        {
            var i = 0;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (i == 0 || !decimal.TryParse(s[..i], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                error = $"time: invalid duration {quoted}";
                return false;
            }
            s = s[i..];
            var j = 0;
            while (j < s.Length && !char.IsAsciiDigit(s[j]) && s[j] != '.') j++;
            if (j == 0)
            {
                error = $"time: missing unit in duration {quoted}";
                return false;
            }
            var unit = s[..j];
            var scale = 0m;
            foreach (var (name, nanos) in Units)
            {
                if (unit.SequenceEqual(name))
                {
                    scale = nanos;
                    break;
                }
            }
            if (scale == 0)
            {
                error = $"time: unknown unit \"{unit}\" in duration {quoted}";
                return false;
            }
            total += number * scale;
            s = s[j..];
        }
        if (total / 100 > TimeSpan.MaxValue.Ticks)
        {
            error = $"time: invalid duration {quoted}";
            return false;
        }
        duration = TimeSpan.FromTicks((long)(total / 100) * (negative ? -1 : 1));
        return true;
    }

    public static TimeSpan Parse(string text) =>
        TryParse(text, out var d, out var error) ? d : throw new FormatException(error);

    public static string Format(TimeSpan duration) => Format(duration.Ticks * 100);

    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0)
            return "0s";
        var negative = nanoseconds < 0;
        // long.MinValue has no positive counterpart; Go prints it via uint64 as well.
        var u = negative ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        var sb = new StringBuilder(24);
        if (u < 1_000_000_000UL)
        {
            // Sub-second: ns, µs or ms with a fraction.
            string unit;
            int precision;
            if (u < 1_000UL) { unit = "ns"; precision = 0; }
            else if (u < 1_000_000UL) { unit = "µs"; precision = 3; }
            else { unit = "ms"; precision = 6; }
            sb.Append(FormatFraction(u, precision)).Append(unit);
        }
        else
        {
            var seconds = FormatFraction(u % 60_000_000_000UL, 9);
            var totalMinutes = u / 60_000_000_000UL;
            if (totalMinutes > 0)
            {
                var hours = totalMinutes / 60;
                var minutes = totalMinutes % 60;
                if (hours > 0)
                    sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
                sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
            }
            sb.Append(seconds).Append('s');
        }
        if (negative)
            sb.Insert(0, '-');
        return sb.ToString();
    }

    /// <summary>Prints v / 10^precision with trailing zeros (and a bare point) removed.</summary>
    private static string FormatFraction(ulong v, int precision)
    {
        if (precision == 0)
            return v.ToString(CultureInfo.InvariantCulture);
        ulong scale = 1;
        for (var i = 0; i < precision; i++) scale *= 10;
        var whole = v / scale;
        var fraction = v % scale;
        if (fraction == 0)
            return whole.ToString(CultureInfo.InvariantCulture);
        var digits = fraction.ToString(CultureInfo.InvariantCulture).PadLeft(precision, '0').TrimEnd('0');
        return whole.ToString(CultureInfo.InvariantCulture) + "." + digits;
    }
}
