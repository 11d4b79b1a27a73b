using ActorScaler.Simulator.Load;
using Xunit;

namespace ActorScaler.Simulator.Tests.Load;

public class LoadAnnotationsTests
{
    [Fact]
    public void All_annotations_parse()
    {
        var load = LoadAnnotations.Parse(new Dictionary<string, string>
        {
            [LoadAnnotations.CpuDemand] = "1500m",
            [LoadAnnotations.MemoryPerPod] = "256Mi",
            [LoadAnnotations.RequestsPerSecond] = "12.5",
            [LoadAnnotations.ReadyAfter] = "1m30s",
            ["unrelated"] = "x",
        }, out var errors);

        Assert.Empty(errors);
        Assert.Equal(1500, load.CpuDemandMillicores);
        Assert.Equal(256L * 1024 * 1024, load.MemoryPerPodBytes);
        Assert.Equal(12_500, load.MilliRequestsPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(90), load.ReadyAfter);
    }

    [Fact]
    public void No_annotations_is_idle()
    {
        Assert.Equal(WorkloadLoad.Idle, LoadAnnotations.Parse(new Dictionary<string, string>(), out var errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void Bad_values_are_reported_by_annotation_and_the_rest_still_applies()
    {
        var load = LoadAnnotations.Parse(new Dictionary<string, string>
        {
            [LoadAnnotations.CpuDemand] = "lots",
            [LoadAnnotations.MemoryPerPod] = "-1Mi",
            [LoadAnnotations.RequestsPerSecond] = "40",
            [LoadAnnotations.ReadyAfter] = "soon",
        }, out var errors);

        Assert.Null(load.CpuDemandMillicores);
        Assert.Null(load.MemoryPerPodBytes);
        Assert.Null(load.ReadyAfter);
        Assert.Equal(40_000, load.MilliRequestsPerSecond);
        Assert.Equal([LoadAnnotations.CpuDemand, LoadAnnotations.MemoryPerPod, LoadAnnotations.ReadyAfter], errors.Select(e => e.Annotation));
        Assert.StartsWith("metadata.annotations[simulator.actorscaler.io/cpu-demand]: Invalid value: \"lots\"", errors[0].ToString());
        Assert.Contains("must be greater than or equal to 0", errors[1].Message);
    }

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1h2m3.5s", 3_723_500)]
    [InlineData("500ms", 500)]
    [InlineData("0", 0)]
    [InlineData("15", 15_000)]
    [InlineData("2.5", 2_500)]
    [InlineData("1.5m", 90_000)]
    public void Ready_after_takes_Go_durations_or_seconds(string text, long expectedMs)
    {
        var load = LoadAnnotations.Parse(new Dictionary<string, string> { [LoadAnnotations.ReadyAfter] = text }, out var errors);
        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), load.ReadyAfter);
    }
}
