using ActorScaler.Metrics.Api;

namespace ActorScaler.Metrics.Tests.Api;

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
}
