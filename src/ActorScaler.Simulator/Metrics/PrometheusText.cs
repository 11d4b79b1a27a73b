using System.Globalization;
using System.Text;

namespace ActorScaler.Simulator.Metrics;

/// <summary>
/// Pieces of the Prometheus text exposition format 0.0.4 exactly as client_golang's expfmt
/// writes them, so a scraper that is tested here sees the bytes a real kubelet or Go app sends.
/// </summary>
public static class PrometheusText
{
    /// <summary>The Content-Type a kubelet (and any client_golang handler) answers with.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>
    /// Formats a sample value like expfmt's writeFloat: 0, 1 and -1 verbatim, NaN/±Inf by name,
    /// otherwise Go's strconv.FormatFloat(f, 'g', -1, 64) — the shortest round-tripping digits,
    /// printed plain for decimal exponents -4..5 and as d.ddde±XX outside that range.
    /// </summary>
    public static string FormatFloat(double value)
    {
        var sb = new StringBuilder(24);
        AppendFloat(sb, value);
        return sb.ToString();
    }

    public static void AppendFloat(StringBuilder sb, double value)
    {
        if (double.IsNaN(value))
        {
            sb.Append("NaN");
            return;
        }
        if (double.IsPositiveInfinity(value))
        {
            sb.Append("+Inf");
            return;
        }
        if (double.IsNegativeInfinity(value))
        {
            sb.Append("-Inf");
            return;
        }
        if (value == 0)
        {
            sb.Append('0');
            return;
        }

        // .NET's "R" gives the same shortest round-trip digits as Go; only the layout differs,
        // so take the digits and the decimal exponent out of it and lay them out the Go way.
        var (negative, digits, pointPosition) = ShortestDigits(value);
        if (negative) sb.Append('-');
        var exponent = pointPosition - 1;
        // Go: with shortest precision, %e is used when exp < -4 || exp >= 6 (eprec = 6).
        const int GoShortestExponentLimit = 6;
        if (exponent < -4 || exponent >= GoShortestExponentLimit)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.');
                sb.Append(digits, 1, digits.Length - 1);
            }
            sb.Append('e');
            sb.Append(exponent < 0 ? '-' : '+');
            var absExponent = Math.Abs(exponent);
            if (absExponent < 10) sb.Append('0');
            sb.Append(absExponent.ToString(CultureInfo.InvariantCulture));
            return;
        }

        if (pointPosition <= 0)
        {
            sb.Append("0.");
            sb.Append('0', -pointPosition);
            sb.Append(digits);
        }
        else if (pointPosition >= digits.Length)
        {
            sb.Append(digits);
            sb.Append('0', pointPosition - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, pointPosition);
            sb.Append('.');
            sb.Append(digits, pointPosition, digits.Length - pointPosition);
        }
    }

    /// <summary>
    /// The significant digits (no leading/trailing zeros) and the position of the decimal point
    /// relative to the first digit: value = 0.DIGITS × 10^pointPosition.
    /// </summary>
    private static (bool Negative, string Digits, int PointPosition) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = text[0] == '-';
        if (negative) text = text[1..];
        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var integerDigits = dot >= 0 ? dot : text.Length;
        var allDigits = dot >= 0 ? text.Remove(dot, 1) : text;
        var leadingZeros = 0;
        while (leadingZeros < allDigits.Length - 1 && allDigits[leadingZeros] == '0') leadingZeros++;
        var significant = allDigits[leadingZeros..].TrimEnd('0');
        if (significant.Length == 0) significant = "0";
        return (negative, significant, integerDigits - leadingZeros + exponent);
    }

    /// <summary>Appends a label value with the text format's escapes (\\, \" and \n).</summary>
    public static void AppendLabelValue(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
    }

    /// <summary>Appends the "# HELP" and "# TYPE" header of one metric family.</summary>
    public static void AppendHeader(StringBuilder sb, string name, string help, string type)
    {
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }
}
