using Xunit;
using ActorScaler.Core.Quantities;
using FsCheck;
using FsCheck.Xunit;

namespace ActorScaler.Core.Tests.Quantities;

// Cases transcribed from apimachinery pkg/api/resource/quantity_test.go (TestQuantityParse,
// TestQuantityString, TestQuantityParseEmit, TestNewSet, TestMilliNewSet, TestScaledValue).
public sealed class QuantityTests
{
    [Theory]
    [InlineData("0", "0", QuantityFormat.DecimalSI)]
    [InlineData("0n", "0", QuantityFormat.DecimalSI)]
    [InlineData("0Ki", "0", QuantityFormat.BinarySI)]
    [InlineData("1Ki", "1024", QuantityFormat.BinarySI)]
    [InlineData("8Ki", "8192", QuantityFormat.BinarySI)]
    [InlineData("7Mi", "7340032", QuantityFormat.BinarySI)]
    [InlineData("3Ei", "3458764513820540928", QuantityFormat.BinarySI)]
    [InlineData("5n", "5e-9", QuantityFormat.DecimalSI)]
    [InlineData("4u", "4e-6", QuantityFormat.DecimalSI)]
    [InlineData("50k", "50000", QuantityFormat.DecimalSI)]
    [InlineData("300T", "3e14", QuantityFormat.DecimalSI)]
    [InlineData("1E", "1e18", QuantityFormat.DecimalSI)]
    [InlineData("1E-3", "0.001", QuantityFormat.DecimalExponent)]
    [InlineData("1e3", "1000", QuantityFormat.DecimalExponent)]
    [InlineData("1E18", "1e18", QuantityFormat.DecimalExponent)]
    [InlineData("100.035k", "100035", QuantityFormat.DecimalSI)]
    [InlineData("0.0005k", "0.5", QuantityFormat.DecimalSI)]
    [InlineData("0.5e-2", "0.005", QuantityFormat.DecimalExponent)]
    [InlineData("1.3E+6", "1300000", QuantityFormat.DecimalExponent)]
    [InlineData("6.987654321G", "6987654321", QuantityFormat.DecimalSI)]
    [InlineData("1.01E", "1.01e18", QuantityFormat.DecimalSI)]
    [InlineData("3.001n", "4e-9", QuantityFormat.DecimalSI)]
    [InlineData("1.1E-9", "2e-9", QuantityFormat.DecimalExponent)]
    [InlineData("0.0000000001", "1e-9", QuantityFormat.DecimalSI)]
    [InlineData("0.9n", "1e-9", QuantityFormat.DecimalSI)]
    [InlineData("0.00000012345", "124e-9", QuantityFormat.DecimalSI)]
    [InlineData("9Ei", "9223372036854775807", QuantityFormat.BinarySI)]
    [InlineData("9223372036854775807Ki", "9223372036854775807", QuantityFormat.BinarySI)]
    [InlineData("12E", "12e18", QuantityFormat.DecimalSI)]
    [InlineData("100.035Ki", "102435.84", QuantityFormat.BinarySI)]
    [InlineData("0.5Mi", "524288", QuantityFormat.BinarySI)]
    [InlineData("0.000000000001Ki", "2e-9", QuantityFormat.DecimalSI)]
    [InlineData(".001", "0.001", QuantityFormat.DecimalSI)]
    [InlineData("1.", "1", QuantityFormat.DecimalSI)]
    [InlineData("1.G", "1e9", QuantityFormat.DecimalSI)]
    [InlineData(".", "0", QuantityFormat.DecimalSI)]
    [InlineData("-.", "0", QuantityFormat.DecimalSI)]
    [InlineData("+1", "1", QuantityFormat.DecimalSI)]
    [InlineData("-1.5Gi", "-1610612736", QuantityFormat.BinarySI)]
    [InlineData("18446744073709551616", "18446744073709551616", QuantityFormat.DecimalSI)]
    public void Parse_gives_upstreams_value_and_format(string text, string expectedValue, QuantityFormat format)
    {
        var q = Quantity.Parse(text);
        Assert.Equal(format, q.Format);
        Assert.Equal(ExpectedDecimal(expectedValue), q.ToDecimal());
    }

    private static decimal ExpectedDecimal(string text) =>
        decimal.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("1.1.M")]
    [InlineData("1+1.0M")]
    [InlineData("aoeu")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("0.1am")]
    [InlineData("")]
    [InlineData("1m5")]
    public void Malformed_quantities_fail_with_the_regex_message(string text)
    {
        var ok = Quantity.TryParse(text, out _, out var error);
        Assert.False(ok);
        if (text is "1m5")
        {
            Assert.Equal("unable to parse quantity's suffix", error);
            return;
        }
        Assert.Equal("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", error);
    }

    [Theory]
    [InlineData("0.1mi")]
    [InlineData("-3.01e-")]
    [InlineData(".5i")]
    [InlineData("1i")]
    [InlineData("-3.01i")]
    [InlineData("1e")]
    public void Unknown_suffixes_fail_with_the_suffix_message(string text)
    {
        var ex = Assert.Throws<FormatException>(() => Quantity.Parse(text));
        Assert.Equal("unable to parse quantity's suffix", ex.Message);
    }

    [Theory]
    // TestQuantityString: canonical text is kept on parse; the alternate prints canonically.
    [InlineData("1Gi", "1024Mi")]
    [InlineData("300Mi", "307200Ki")]
    [InlineData("1001Gi", "1025024Mi")]
    [InlineData("1Ti", "1024Gi")]
    [InlineData("1G", "1000M")]
    [InlineData("1G", "0.001T")]
    [InlineData("1m", "1000u")]
    [InlineData("1080m", "1.08")]
    [InlineData("1080m", "1080000000n")]
    [InlineData("1e21", "1000E")]
    [InlineData("5e21", "5000E")]
    [InlineData("1e24", "1000000E")]
    [InlineData("1e9", ".001e12")]
    [InlineData("1e-3", "0.001e0")]
    [InlineData("1e-9", "1000e-12")]
    [InlineData("0", "00")]
    // TestQuantityParseEmit
    [InlineData("1024m", ".001Ki")]
    [InlineData("1024u", ".000001Ki")]
    [InlineData("1024n", ".000000001Ki")]
    [InlineData("2n", ".000000000001Ki")]
    [InlineData("1500m", "1.5")]
    [InlineData("1536Mi", "1.5Gi")]
    [InlineData("1k", "1000")]
    [InlineData("30", "30")]
    [InlineData("80Mi", "80Mi")]
    public void Prints_canonical_form(string canonical, string alternate)
    {
        Assert.Equal(canonical, Quantity.Parse(alternate).ToString());
        Assert.Equal(canonical, Quantity.Parse(canonical).ToString());
        Assert.Equal(Quantity.Parse(canonical), Quantity.Parse(alternate));
    }

    [Theory]
    [InlineData("1024Mi", "-1Gi")]
    [InlineData("1.5", "-1500m")]
    [InlineData(".000000000001Ki", "-2n")]
    public void Negative_values_print_with_a_minus(string positive, string expected) =>
        Assert.Equal(expected, Quantity.Parse("-" + positive).ToString());

    [Theory]
    [InlineData("1E3", "1e3")]
    [InlineData("+1", "1")]
    [InlineData("1e+3", "1e3")]
    public void Canonical_looking_text_is_echoed_as_written_like_upstream(string text, string canonical)
    {
        // Upstream's fast path keeps the input string when it already looks canonical.
        var q = Quantity.Parse(text);
        Assert.Equal(text, q.ToString());
        Assert.Equal(canonical, q.ToCanonicalString());
    }

    [Theory]
    [InlineData(1L, QuantityFormat.DecimalSI, "1m")]
    [InlineData(1000L, QuantityFormat.DecimalSI, "1")]
    [InlineData(1234000L, QuantityFormat.DecimalSI, "1234")]
    [InlineData(1024L, QuantityFormat.BinarySI, "1024m")]
    [InlineData(1000000L, QuantityFormat.DecimalExponent, "1e3")]
    [InlineData(1048576L, QuantityFormat.BinarySI, "1048576m")]
    public void FromMilli_prints_like_NewMilliQuantity(long milli, QuantityFormat format, string expected)
    {
        var q = Quantity.FromMilli(milli, format);
        Assert.Equal(expected, q.ToString());
        Assert.Equal(milli, Quantity.Parse(q.ToString()).MilliValue());
    }

    [Theory]
    [InlineData(1L, QuantityFormat.DecimalSI, "1")]
    [InlineData(1000L, QuantityFormat.DecimalSI, "1k")]
    [InlineData(1234000L, QuantityFormat.DecimalSI, "1234k")]
    [InlineData(1024L, QuantityFormat.BinarySI, "1Ki")]
    [InlineData(1000000L, QuantityFormat.DecimalExponent, "1e6")]
    [InlineData(1048576L, QuantityFormat.BinarySI, "1Mi")]
    [InlineData(5L, QuantityFormat.BinarySI, "5")]
    [InlineData(1025L, QuantityFormat.BinarySI, "1025")]
    public void FromInt64_prints_like_NewQuantity(long value, QuantityFormat format, string expected)
    {
        Assert.Equal(expected, Quantity.FromInt64(value, format).ToString());
        Assert.Equal(value, Quantity.Parse(expected).Value());
    }

    [Theory]
    [InlineData(-9, -9, 1L)]
    [InlineData(-9, -6, 1L)]
    [InlineData(-9, 0, 1L)]
    [InlineData(-6, -9, 1000L)]
    [InlineData(-3, -9, 1000000L)]
    [InlineData(0, -3, 1000L)]
    [InlineData(2, -2, 10000L)]
    public void ScaledValue_rounds_up(int fromScale, int toScale, long expected) =>
        Assert.Equal(expected, Quantity.FromScaled(1, fromScale).ScaledValue(toScale));

    [Theory]
    [InlineData("1.1", 1100L, 2L)]
    [InlineData("100m", 100L, 1L)]
    [InlineData("0.5m", 1L, 1L)]
    [InlineData("-1.5", -1500L, -2L)]
    [InlineData("2008740Ki", 2056949760000L, 2056949760L)]
    [InlineData("476038624n", 477L, 1L)]
    public void MilliValue_and_Value_round_up(string text, long milli, long value)
    {
        var q = Quantity.Parse(text);
        Assert.Equal(milli, q.MilliValue());
        Assert.Equal(value, q.Value());
    }

    [Theory]
    // Fast path (int64Amount): negatives round away from zero.
    [InlineData("-1.5", -2L)]
    [InlineData("-1", -1L)]
    // Slow path (inf.Dec, more than 18 digits): scaledValue's ceil, towards zero for negatives.
    [InlineData("-1.0000000000000000005", -1L)]
    [InlineData("-2.0000000000000000000", -2L)]
    [InlineData("1.0000000000000000001", 2L)]
    public void Negative_rounding_follows_upstreams_representation(string text, long value) =>
        Assert.Equal(value, Quantity.Parse(text).Value());

    [Fact]
    public void Int64_accessors_saturate_instead_of_wrapping()
    {
        Assert.Equal(long.MaxValue, Quantity.Parse("100E").MilliValue());
        Assert.Equal(long.MaxValue, Quantity.Parse("1e30").Value());
        Assert.Equal(long.MinValue, Quantity.Parse("-1e30").Value());
        Assert.Equal(9223372036854775807L, Quantity.Parse("9Ei").Value());
    }

    [Theory]
    [InlineData("0", "0", 0)]
    [InlineData("100m", "50m", 1)]
    [InlineData("50m", "100m", -1)]
    [InlineData("10000T", "100Gi", 1)]
    [InlineData("1Ki", "1024", 0)]
    [InlineData("1e21", "1000E", 0)]
    [InlineData("-1", "1n", -1)]
    [InlineData("1e900000", "1e899999", 1)]
    public void Compares_by_value(string x, string y, int expected)
    {
        Assert.Equal(expected, Quantity.Parse(x).CompareTo(Quantity.Parse(y)));
        Assert.Equal(-expected, Quantity.Parse(y).CompareTo(Quantity.Parse(x)));
        Assert.Equal(expected == 0, Quantity.Parse(x) == Quantity.Parse(y));
        if (expected == 0)
        {
            Assert.Equal(Quantity.Parse(x).GetHashCode(), Quantity.Parse(y).GetHashCode());
        }
    }

    [Fact]
    public void Default_is_zero_and_prints_0()
    {
        Assert.Equal("0", default(Quantity).ToString());
        Assert.Equal(0, default(Quantity).MilliValue());
        Assert.True(default(Quantity).IsZero);
    }

    private static Quantity Generate(long unscaled, byte scaleSelector, byte formatSelector)
    {
        var format = (QuantityFormat)(formatSelector % 3);
        // Binary quantities above 2^63-1 are capped when parsed, so keep them in int64 range.
        var scale = format == QuantityFormat.BinarySI ? -(scaleSelector % 10) : (scaleSelector % 31) - 9;
        return Quantity.FromScaled(unscaled, scale).WithFormat(format);
    }

    [Property(MaxTest = 400)]
    public bool Parse_of_printed_form_is_the_same_value(long unscaled, byte scaleSelector, byte formatSelector)
    {
        var q = Generate(unscaled, scaleSelector, formatSelector);
        return Quantity.Parse(q.ToString()) == q;
    }

    [Property(MaxTest = 400)]
    public bool Canonical_printing_is_idempotent(long unscaled, byte scaleSelector, byte formatSelector)
    {
        var printed = Generate(unscaled, scaleSelector, formatSelector).ToCanonicalString();
        var reparsed = Quantity.Parse(printed);
        return reparsed.ToString() == printed && reparsed.ToCanonicalString() == printed;
    }

    [Property(MaxTest = 200)]
    public bool Order_agrees_with_decimal_order(int a, int b, byte sa, byte sb)
    {
        var x = Quantity.FromScaled(a, (sa % 13) - 9);
        var y = Quantity.FromScaled(b, (sb % 13) - 9);
        return Math.Sign(x.CompareTo(y)) == Math.Sign(x.ToDecimal()!.Value.CompareTo(y.ToDecimal()!.Value));
    }
}
