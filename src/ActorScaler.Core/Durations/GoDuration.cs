using System.Globalization;
using System.Text;

namespace ActorScaler.Metrics.Api;

/// <summary>Go's time.Duration.String(), which the Metrics API uses for <c>window</c>
/// (<c>15.006s</c>, <c>12.299552768s</c>, <c>1m0.5s</c>, <c>0s</c>, <c>500ms</c>).</summary>
public static class GoDuration
{
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
