namespace ActorScaler.Core.Calculation;

/// <summary>metrics/utilization.go: the ratios the replica calculator compares with 1 +/- tolerance.</summary>
public static class MetricUtilization
{
    public const string NoMetricsMatchedKnownPods = "no metrics returned matched known pods";

    /// <summary>
    /// GetResourceUtilizationRatio over pre-summed totals: utilization is an integer percent of the summed
    /// requests (int64 division, then int32 as in Go) before the ratio to the target is taken, and the raw
    /// value is the average usage per pod counted.
    /// </summary>
    public static (double Ratio, int Utilization, long RawAverageMilli, string? Error) GetResourceUtilizationRatio(
        long usageTotalMilli, long requestsTotalMilli, int podsCounted, int targetUtilization)
    {
        // Requests disjoint from the metrics leave nothing to divide by.
        if (requestsTotalMilli == 0 || podsCounted == 0)
        {
            return (0, 0, 0, NoMetricsMatchedKnownPods);
        }
        // Go's int64 maths wraps; C# would throw on long.MinValue / -1, so that one case is wrapped by hand.
        var scaled = unchecked(usageTotalMilli * 100);
        var utilization = unchecked((int)(requestsTotalMilli == -1 ? -scaled : scaled / requestsTotalMilli));
        return ((double)utilization / targetUtilization, utilization, usageTotalMilli / podsCounted, null);
    }

    /// <summary>GetMetricUsageRatio: the ratio is taken from the truncated int64 average, as upstream does.</summary>
    public static (double Ratio, long UsageMilli) GetMetricUsageRatio(long totalMilli, int samples, long targetUsageMilli)
    {
        var usage = samples == 0 ? 0 : totalMilli / samples;
        return ((double)usage / targetUsageMilli, usage);
    }
}
