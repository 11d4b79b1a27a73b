using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;

namespace ActorScaler.Actors.Tests.Hpa;

public sealed class MetricJitterTests
{
    private static HorizontalPodAutoscalerStatus Status(int utilization, string value, string scalingActive = "True") => new()
    {
        CurrentReplicas = 2,
        DesiredReplicas = 2,
        CurrentMetrics = [new MetricStatus
        {
            Type = MetricSourceType.Resource,
            Resource = new ResourceMetricStatus { Name = "cpu", Current = new MetricValueStatus { AverageUtilization = utilization, AverageValue = Quantity.Parse(value) } },
        }],
        Conditions = [new HpaCondition { Type = HpaConditionType.ScalingActive, Status = scalingActive, Reason = "ValidMetricFound" }],
    };

    [Theory]
    [InlineData(40, "40m", 41, "41m", true)]
    [InlineData(40, "40m", 40, "40m", true)]
    [InlineData(40, "40m", 44, "44m", true)]
    [InlineData(40, "40m", 45, "45m", false)]
    [InlineData(40, "40m", 20, "20m", false)]
    public void Small_moves_of_the_current_value_are_jitter(int before, string beforeValue, int after, string afterValue, bool jitter) =>
        Assert.Equal(jitter, MetricJitter.IsJitterOnly(Status(before, beforeValue), Status(after, afterValue), tolerance: 0.1));

    [Fact]
    public void Any_other_change_is_not_jitter()
    {
        Assert.False(MetricJitter.IsJitterOnly(Status(40, "40m"), Status(41, "41m", scalingActive: "False"), 0.1));
        Assert.False(MetricJitter.IsJitterOnly(Status(40, "40m"), Status(41, "41m") with { DesiredReplicas = 3 }, 0.1));
        Assert.False(MetricJitter.IsJitterOnly(new HorizontalPodAutoscalerStatus(), Status(41, "41m"), 0.1));
    }
}
