using ActorScaler.Core.Calculation;

namespace ActorScaler.Core.Tests.Calculation;

/// <summary>Builders for pods and samples in hand-written cases.</summary>
internal static class TestPods
{
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly ReplicaCalculatorSettings Settings = new(TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30), PodLevelResourcesEnabled: false);

    /// <summary>A Running, Ready pod started long ago (past the cpu initialization period).</summary>
    public static PodInfo Pod(string name, long cpuRequestMilli = 1000, PodPhase phase = PodPhase.Running, bool? ready = true, Dictionary<string, string>? labels = null) => new()
    {
        Name = name,
        Phase = phase,
        Labels = labels ?? new Dictionary<string, string> { ["app"] = "web" },
        Ready = ready is null ? null : new PodReadyCondition(ready.Value ? ConditionStatus.True : ConditionStatus.False, Now.AddHours(-1)),
        StartTime = Now.AddHours(-1),
        Containers = [new ContainerInfo { Name = "app", RequestsMilli = new Dictionary<string, long> { ["cpu"] = cpuRequestMilli, ["memory"] = 256_000 } }],
    };

    public static ResourceMetricSample Cpu(string pod, long usageMilli, long memoryMilli = 100_000) =>
        new(pod, Now.AddSeconds(-10), TimeSpan.FromSeconds(30), [new ContainerUsage("app", new Dictionary<string, long> { ["cpu"] = usageMilli, ["memory"] = memoryMilli })]);

    public static PodResourceMetrics Samples(params ResourceMetricSample[] samples) => new(samples);

    public static PodCustomMetrics Custom(params (string Pod, long ValueMilli)[] values) =>
        new(values.Select(v => new PodMetricSample(v.Pod, v.ValueMilli, Now.AddSeconds(-10), TimeSpan.FromMinutes(1))));
}
