using System.Globalization;
using System.Numerics;
using System.Text;

namespace ActorScaler.Core.Quantities;

/// <summary>
/// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource), value for value and
/// string for string: value = unscaled × 10^scale, held exactly in a BigInteger, never in a double.
/// </summary>
/// <remarks>
/// Why not KubernetesClient's <c>k8s.Models.ResourceQuantity</c> (21.x): it holds an exact
/// <c>Fractions.Fraction</c>, but it is not apimachinery's Quantity:
/// (1) it does not validate the syntax: it splits at the first suffix character and hands the rest
///     to <c>Fraction.FromString</c>, so inputs apimachinery rejects with "quantities must match the
///     regular expression ..." either parse or throw a FormatException/ArgumentException of its own;
/// (2) it does not round to nano on parse (upstream turns 0.1n into 1n when parsing; it keeps 1/10n
///     and only rounds while printing), so comparisons and sums differ from the API server's;
/// (3) printing goes through <c>System.Decimal</c> (<c>$"{(decimal)lastv}"</c>), which overflows above
///     about 7.9e28 where upstream's DecimalSI is unbounded;
/// (4) it forgets the original text, while upstream's ParseQuantity keeps it when it is already in
///     canonical form ("1E3" and "+1" are echoed back as written, see <see cref="ToString"/>);
/// (5) <c>ToInt64()</c> truncates, where Value()/MilliValue() round up, and record equality compares the
///     format too ("1Ki" != "1024"), where upstream compares values.
/// </remarks>
public readonly partial struct Quantity : IEquatable<Quantity>, IComparable<Quantity>
{
    // apimachinery splitREString: quoted in ErrFormatWrong's text.
    public const string SplitRegex = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
    public const string ErrFormatWrong = "quantities must match the regular expression '" + SplitRegex + "'";
    public const string ErrNumeric = "unable to parse numeric part of quantity";
    public const string ErrSuffix = "unable to parse quantity's suffix";

    // Parsing keeps values down to nano (10^-9), rounding finer ones away from zero (resource.Nano).
    private const int NanoScale = -9;
    // apimachinery maxInt64Factors: the decimal fast path handles up to 18 digits.
    private const int MaxInt64Factors = 18;
    private const string SuffixChars = "eEinumkKMGTP";

    private static readonly (string Suffix, int Exponent)[] DecimalSuffixes =
    [
        ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18),
    ];

    private static readonly (string Suffix, int Exponent)[] BinarySuffixes =
    [
        ("", 0), ("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60),
    ];

    private static readonly BigInteger MaxInt64 = long.MaxValue;
    private static readonly BigInteger MinInt64 = long.MinValue;

    private readonly BigInteger _unscaled;
    private readonly int _scale;
    private readonly QuantityFormat _format;
    // The parsed text when upstream would keep it (already canonical); otherwise null.
    private readonly string? _text;
    // How upstream holds the value: int64Amount (fast path) or inf.Dec (slow path); the two round
    // negative values differently in ScaledValue.
    private readonly GoRepresentation _go;

    private enum GoRepresentation
    {
        Int64Amount,
        InfDec,
    }

    private Quantity(BigInteger unscaled, int scale, QuantityFormat format, string? text = null, GoRepresentation go = GoRepresentation.Int64Amount)
    {
        _unscaled = unscaled;
        _scale = scale;
        _format = format;
        _text = text;
        _go = go;
    }

    public static Quantity Zero => default;

    public QuantityFormat Format => _format;

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => _unscaled.Sign;

    public bool IsZero => _unscaled.IsZero;

    /// <summary>apimachinery ParseQuantity; throws <see cref="FormatException"/> with upstream's error text.</summary>
    public static Quantity Parse(string text)
    {
        if (!TryParse(text, out var quantity, out var error))
        {
            throw new FormatException(error);
        }
        return quantity;
    }

    /// <summary>apimachinery ParseQuantity. <paramref name="error"/> is upstream's error text.</summary>
    public static bool TryParse(string? text, out Quantity quantity, out string? error)
    {
        quantity = default;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = ErrFormatWrong;
            return false;
        }
        if (text == "0")
        {
            quantity = new Quantity(BigInteger.Zero, 0, QuantityFormat.DecimalSI, text);
            return true;
        }

        if (!Scan(text, out var positive, out var num, out var denom, out var suffix))
        {
            error = ErrFormatWrong;
            return false;
        }
        if (!Interpret(suffix, out var baseTwo, out var exponent, out var format))
        {
            error = ErrSuffix;
            return false;
        }

        var digits = BigInteger.Parse(num + denom, NumberStyles.None, CultureInfo.InvariantCulture);

        // Upstream's int64 fast path: when it applies, the result is exact and, if the text was
        // already canonical, the text itself is kept and printed back unchanged.
        if (TryFastPath(text, positive, num, denom, exponent, format, digits, out quantity))
        {
            return true;
        }

        // Slow path (inf.Dec): exact value, then suffix, then round to nano and cap.
        var unscaled = digits;
        long scale = -denom.Length;
        if (baseTwo)
        {
            unscaled <<= exponent;
        }
        else
        {
            scale += exponent;
        }

        (unscaled, scale) = RoundUpToScale(unscaled, scale, NanoScale);

        if (format == QuantityFormat.BinarySI && Compare(unscaled, scale, MaxInt64, 0) > 0)
        {
            // The max is just a simple cap, as upstream's maxAllowed (2^63-1), for BinarySI only.
            unscaled = MaxInt64;
            scale = 0;
        }
        if (format == QuantityFormat.BinarySI && !unscaled.IsZero && Compare(unscaled, scale, BigInteger.One, 0) < 0)
        {
            format = QuantityFormat.DecimalSI;
        }
        if (!positive)
        {
            unscaled = -unscaled;
        }
        quantity = new Quantity(unscaled, checked((int)scale), format, null, GoRepresentation.InfDec);
        return true;
    }

    private static bool TryFastPath(
        string text, bool positive, string num, string denom, int exponent, QuantityFormat format,
        BigInteger digits, out Quantity quantity)
    {
        quantity = default;
        var precision = 0;
        var scale = 0L;
        var mantissa = 1L;
        switch (format)
        {
            case QuantityFormat.DecimalExponent:
            case QuantityFormat.DecimalSI:
                scale = exponent;
                precision = MaxInt64Factors - (num.Length + denom.Length);
                break;
            default:
                if (exponent >= 0 && denom.Length == 0)
                {
                    mantissa = 1L << exponent;
                    // As upstream: 1Mi (2^20) has ~6 digits of decimal precision (float32 arithmetic).
                    precision = 15 - num.Length - (int)((float)exponent * 3 / 10) - 1;
                }
                else
                {
                    precision = -1;
                }
                break;
        }
        if (precision < 0)
        {
            return false;
        }
        scale -= denom.Length;
        if (scale < NanoScale)
        {
            return false;
        }
        var value = (long)digits;
        var product = (BigInteger)value * mantissa;
        if (product > MaxInt64 || product < MinInt64)
        {
            return false;
        }
        var result = positive ? product : -product;
        var shifted = num + denom;
        var canonical = format == QuantityFormat.BinarySI
            ? exponent % 10 == 0 && (value & 0x07) != 0
            : scale % 3 == 0 && !shifted.EndsWith("000", StringComparison.Ordinal) && shifted[0] != '0';
        quantity = new Quantity(result, (int)scale, format, canonical ? text : null);
        return true;
    }

    // apimachinery parseQuantityString: a scanner, not a regex, so its quirks are kept
    // ("." and "-" parse as 0, "1.G" is allowed).
    private static bool Scan(string str, out bool positive, out string num, out string denom, out string suffix)
    {
        positive = true;
        num = "";
        denom = "";
        suffix = "";
        var pos = 0;
        var end = str.Length;
        if (str[0] == '-')
        {
            positive = false;
            pos++;
        }
        else if (str[0] == '+')
        {
            pos++;
        }

        while (pos < end && str[pos] == '0')
        {
            pos++;
        }
        if (pos >= end)
        {
            num = "0";
            return true;
        }

        var start = pos;
        while (pos < end && char.IsAsciiDigit(str[pos]))
        {
            pos++;
        }
        num = str[start..pos];
        if (pos >= end)
        {
            return true;
        }
        if (num.Length == 0)
        {
            num = "0";
        }

        if (str[pos] == '.')
        {
            pos++;
            start = pos;
            while (pos < end && char.IsAsciiDigit(str[pos]))
            {
                pos++;
            }
            denom = str[start..pos];
            if (pos >= end)
            {
                return true;
            }
        }

        var suffixStart = pos;
        while (pos < end && SuffixChars.Contains(str[pos], StringComparison.Ordinal))
        {
            pos++;
        }
        if (pos >= end)
        {
            suffix = str[suffixStart..];
            return true;
        }
        if (str[pos] is '-' or '+')
        {
            pos++;
        }
        while (pos < end && char.IsAsciiDigit(str[pos]))
        {
            pos++;
        }
        if (pos >= end)
        {
            suffix = str[suffixStart..];
            return true;
        }
        return false;
    }

    // apimachinery suffixHandler.interpret.
    private static bool Interpret(string suffix, out bool baseTwo, out int exponent, out QuantityFormat format)
    {
        foreach (var (s, e) in DecimalSuffixes)
        {
            if (s == suffix)
            {
                (baseTwo, exponent, format) = (false, e, QuantityFormat.DecimalSI);
                return true;
            }
        }
        foreach (var (s, e) in BinarySuffixes)
        {
            if (s.Length > 0 && s == suffix)
            {
                (baseTwo, exponent, format) = (true, e, QuantityFormat.BinarySI);
                return true;
            }
        }
        (baseTwo, exponent, format) = (false, 0, QuantityFormat.DecimalExponent);
        if (suffix.Length > 1 && suffix[0] is 'e' or 'E'
            && long.TryParse(suffix.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            // Go: int32(parsed); an exponent outside int32 is no quantity anyone can mean.
            if (parsed is > int.MaxValue / 2 or < int.MinValue / 2)
            {
                return false;
            }
            exponent = (int)parsed;
            return true;
        }
        return false;
    }

    /// <summary>A milli-valued quantity, e.g. FromMilli(1500, QuantityFormat.DecimalSI) prints "1500m".</summary>
    public static Quantity FromMilli(long milli, QuantityFormat format = QuantityFormat.DecimalSI) =>
        new(milli, -3, format);

    public static Quantity FromInt64(long value, QuantityFormat format = QuantityFormat.DecimalSI) =>
        new(value, 0, format);

    /// <summary>apimachinery NewScaledQuantity: value × 10^scale, DecimalSI.</summary>
    public static Quantity FromScaled(long value, int scale) => new(value, scale, QuantityFormat.DecimalSI);

    /// <summary>The same value in another format (as assigning Quantity.Format upstream).</summary>
    public Quantity WithFormat(QuantityFormat format) => new(_unscaled, _scale, format);

    /// <summary>apimachinery MilliValue(): ceil(q × 1000), saturating at the int64 bounds.</summary>
    /// <remarks>Upstream leaves an overflowed result undefined; saturating keeps callers' comparisons sane.
    /// A negative value rounds as upstream holds it: away from zero in the int64 form (parsed on the
    /// fast path, FromMilli, ...), towards zero (ceil) in the inf.Dec form (scaledValue).</remarks>
    public long MilliValue() => ScaledValue(-3);

    /// <summary>apimachinery Value(): rounded up to an integer, saturating at the int64 bounds.</summary>
    public long Value() => ScaledValue(0);

    /// <summary>apimachinery ScaledValue(scale): ceil(q / 10^scale), saturating.</summary>
    public long ScaledValue(int scale)
    {
        var (unscaled, newScale) = RoundUpToScale(_unscaled, _scale, scale);
        if (_go == GoRepresentation.InfDec && _unscaled.Sign < 0 && newScale != _scale)
        {
            // inf.Dec path: DivMod truncates towards zero, then a remainder adds one (ceil).
            var (magnitude, _) = RoundUpToScale(-_unscaled, _scale, scale);
            var exact = Compare(magnitude, newScale, -_unscaled, _scale) == 0;
            unscaled = exact ? -magnitude : -(magnitude - 1);
        }
        if (unscaled.IsZero)
        {
            return 0;
        }
        var shift = newScale - scale;
        // 10^19 > long.MaxValue: any larger shift of a non-zero value saturates.
        if (shift > 19)
        {
            return unscaled.Sign > 0 ? long.MaxValue : long.MinValue;
        }
        var result = unscaled * BigInteger.Pow(10, (int)shift);
        if (result > MaxInt64)
        {
            return long.MaxValue;
        }
        if (result < MinInt64)
        {
            return long.MinValue;
        }
        return (long)result;
    }

    /// <summary>An approximation for display and ratios; decisions use exact integers.</summary>
    public double ToDouble() =>
        double.Parse(
            _unscaled.ToString(CultureInfo.InvariantCulture) + "E" + _scale.ToString(CultureInfo.InvariantCulture),
            NumberStyles.Float,
            CultureInfo.InvariantCulture);

    /// <summary>The exact value as a decimal when it fits (28 significant digits), else null.</summary>
    public decimal? ToDecimal()
    {
        var (n, s) = Normalize(_unscaled, _scale);
        if (s > 28 || s < -28 || BigInteger.Abs(n) > (BigInteger)decimal.MaxValue)
        {
            return null;
        }
        try
        {
            var d = (decimal)n;
            return s >= 0 ? d * Pow10Decimal(s) : d / Pow10Decimal(-s);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static decimal Pow10Decimal(long exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10m;
        }
        return result;
    }

    public Quantity Add(Quantity other)
    {
        var scale = Math.Min(_scale, other._scale);
        var sum = _unscaled * BigInteger.Pow(10, _scale - scale) + other._unscaled * BigInteger.Pow(10, other._scale - scale);
        // As upstream Add: a zero receiver takes the other's format.
        return new Quantity(sum, scale, IsZero ? other._format : _format);
    }

    public Quantity Negate() => new(-_unscaled, _scale, _format);

    public bool Equals(Quantity other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is Quantity q && Equals(q);

    public override int GetHashCode()
    {
        var (n, s) = Normalize(_unscaled, _scale);
        return HashCode.Combine(n, n.IsZero ? 0 : s);
    }

    public int CompareTo(Quantity other) => Compare(_unscaled, _scale, other._unscaled, other._scale);

    private static int Compare(BigInteger a, long aScale, BigInteger b, long bScale)
    {
        if (a.Sign != b.Sign)
        {
            return a.Sign.CompareTo(b.Sign);
        }
        if (a.IsZero)
        {
            return 0;
        }
        (a, aScale) = Normalize(a, aScale);
        (b, bScale) = Normalize(b, bScale);
        // Order of magnitude first, so a huge exponent never materialises as a huge BigInteger.
        var aMagnitude = DigitCount(a) + aScale;
        var bMagnitude = DigitCount(b) + bScale;
        if (aMagnitude != bMagnitude)
        {
            return a.Sign * aMagnitude.CompareTo(bMagnitude);
        }
        var scale = Math.Min(aScale, bScale);
        var left = a * BigInteger.Pow(10, (int)(aScale - scale));
        var right = b * BigInteger.Pow(10, (int)(bScale - scale));
        return left.CompareTo(right);
    }

    private static long DigitCount(BigInteger value) =>
        BigInteger.Abs(value).ToString(CultureInfo.InvariantCulture).Length;

    // Moves trailing decimal zeros into the scale.
    private static (BigInteger Unscaled, long Scale) Normalize(BigInteger unscaled, long scale)
    {
        if (unscaled.IsZero)
        {
            return (unscaled, 0);
        }
        while (true)
        {
            var quotient = BigInteger.DivRem(unscaled, 10, out var remainder);
            if (!remainder.IsZero)
            {
                return (unscaled, scale);
            }
            unscaled = quotient;
            scale++;
        }
    }

    // Rounds |value| up (away from zero) so that scale >= minScale.
    private static (BigInteger Unscaled, long Scale) RoundUpToScale(BigInteger unscaled, long scale, long minScale)
    {
        if (scale >= minScale || unscaled.IsZero)
        {
            return (unscaled, scale);
        }
        var shift = minScale - scale;
        var sign = unscaled.Sign;
        var magnitude = BigInteger.Abs(unscaled);
        if (shift > DigitCount(magnitude))
        {
            return (sign, minScale);
        }
        var quotient = BigInteger.DivRem(magnitude, BigInteger.Pow(10, (int)shift), out var remainder);
        if (!remainder.IsZero)
        {
            quotient += 1;
        }
        return (sign * quotient, minScale);
    }

    /// <summary>
    /// apimachinery Quantity.String(): the parsed text when upstream keeps it (it was already in
    /// canonical form, e.g. "100m", "1Ki", but also "1E3" and "+1", which upstream echoes), otherwise
    /// the canonical form (<see cref="ToCanonicalString"/>).
    /// </summary>
    public override string ToString() => _text ?? ToCanonicalString();

    /// <summary>apimachinery CanonicalizeBytes: mantissa and suffix, never a fraction.</summary>
    public string ToCanonicalString()
    {
        if (_unscaled.IsZero)
        {
            return "0";
        }
        var format = _format;
        BigInteger rounded = default;
        if (format == QuantityFormat.BinarySI)
        {
            if (Compare(_unscaled, _scale, -1024, 0) > 0 && Compare(_unscaled, _scale, 1024, 0) < 0)
            {
                format = QuantityFormat.DecimalSI;
            }
            else
            {
                var (r, s) = RoundUpToScale(_unscaled, _scale, 0);
                var exact = Compare(r, s, _unscaled, _scale) == 0;
                if (!exact)
                {
                    format = QuantityFormat.DecimalSI;
                }
                else
                {
                    rounded = r * BigInteger.Pow(10, (int)s);
                }
            }
        }

        var builder = new StringBuilder();
        if (format == QuantityFormat.BinarySI)
        {
            var amount = rounded;
            var times = 0;
            while (BigInteger.Abs(amount) >= 1024 && (amount % 1024).IsZero)
            {
                amount /= 1024;
                times++;
            }
            builder.Append(amount.ToString(CultureInfo.InvariantCulture));
            var suffix = BinarySuffixes.FirstOrDefault(p => p.Exponent == times * 10).Suffix;
            builder.Append(suffix ?? "");
            return builder.ToString();
        }

        var (mantissa, exponent) = Normalize(_unscaled, _scale);
        while (exponent % 3 != 0)
        {
            mantissa *= 10;
            exponent--;
        }
        builder.Append(mantissa.ToString(CultureInfo.InvariantCulture));
        if (format == QuantityFormat.DecimalSI)
        {
            foreach (var (s, e) in DecimalSuffixes)
            {
                if (e == exponent)
                {
                    return builder.Append(s).ToString();
                }
            }
        }
        // DecimalExponent, or DecimalSI beyond "E" (10^18), which upstream prints as "e<exp>".
        if (exponent != 0)
        {
            builder.Append('e').Append(exponent.ToString(CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    public static bool operator ==(Quantity a, Quantity b) => a.Equals(b);
    public static bool operator !=(Quantity a, Quantity b) => !a.Equals(b);
    public static bool operator <(Quantity a, Quantity b) => a.CompareTo(b) < 0;
    public static bool operator >(Quantity a, Quantity b) => a.CompareTo(b) > 0;
    public static bool operator <=(Quantity a, Quantity b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Quantity a, Quantity b) => a.CompareTo(b) >= 0;
}

public enum QuantityFormat
{
    DecimalSI,
    BinarySI,
    DecimalExponent,
}
