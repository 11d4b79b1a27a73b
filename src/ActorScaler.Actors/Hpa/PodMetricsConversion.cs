using ActorScaler.Core.Calculation;
using ActorScaler.Metrics.Storage;
using CoreContainerUsage = ActorScaler.Core.Calculation.ContainerUsage;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// The store's usage to what the HPA reads from metrics.k8s.io. metrics-server serves CPU in
/// nanocores ("123456n") and memory in bytes; the HPA's metrics client reads both with
/// Quantity.MilliValue(), which rounds up: CPU millicores = ceil(nanocores / 10^6), memory milli-bytes
/// = bytes * 1000.
/// </summary>
public static class PodMetricsConversion
{
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    private const long NanoPerMilli = 1_000_000;

    public static ResourceMetricSample ToSample(PodUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var containers = new CoreContainerUsage[usage.Containers.Length];
        for (var i = 0; i < containers.Length; i++)
        {
            var c = usage.Containers[i];
            containers[i] = new CoreContainerUsage(c.Name, new Dictionary<string, long>(2, StringComparer.Ordinal)
            {
                [Cpu] = CpuMilli(c.CpuNanoCores),
                [Memory] = checked(c.MemoryBytes * 1000),
            });
        }
        return new ResourceMetricSample(usage.Name, FromUnixNanos(usage.TimestampNs), TimeSpan.FromTicks(usage.WindowNs / 100), containers);
    }

    public static long CpuMilli(long nanoCores) => nanoCores <= 0 ? 0 : (nanoCores + NanoPerMilli - 1) / NanoPerMilli;

    public static DateTimeOffset FromUnixNanos(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
}
