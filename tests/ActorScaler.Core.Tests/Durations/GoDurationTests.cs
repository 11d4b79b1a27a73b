using Xunit;

using ActorScaler.Core.Durations;

namespace ActorScaler.Core.Tests.Durations;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(15_000_000_000L, "15s")]
    [InlineData(15_006_000_000L, "15.006s")]
    [InlineData(12_299_552_768L, "12.299552768s")]
    [InlineData(60_500_000_000L, "1m0.5s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(5_400_000_000_000L, "1h30m0s")]
    [InlineData(500_000_000L, "500ms")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(2_000L, "2µs")]
    [InlineData(7L, "7ns")]
    [InlineData(-15_000_000_000L, "-15s")]
    public void Formats_like_go(long ns, string expected) => Assert.Equal(expected, GoDuration.Format(ns));

    [Theory]
    [InlineData("15s", 15_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("0", 0)]
    [InlineData("-2s", -2_000)]
    public void Parses_like_go(string text, long expectedMs)
    {
        Assert.True(GoDuration.TryParse(text, out var d, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), d);
    }

    [Theory]
    [InlineData("15", "time: missing unit in duration \"15\"")]
    [InlineData("5 minutes", "time: unknown unit \" minutes\" in duration \"5 minutes\"")]
    [InlineData("fast", "time: invalid duration \"fast\"")]
    [InlineData("", "time: invalid duration \"\"")]
    [InlineData("3d", "time: unknown unit \"d\" in duration \"3d\"")]
    public void Rejects_what_go_rejects_with_its_message(string text, string expected)
    {
        Assert.False(GoDuration.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }
}
