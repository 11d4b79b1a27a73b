using ActorScaler.Core.Decision;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// Decides whether a status change is only metric jitter: the new status equals the written one except
/// for currentMetrics, and every current value moved by no more than the tolerance relative to what was
/// written (e.g. 40m -> 41m of CPU from rate rounding). Such a change cannot alter a decision, yet
/// upstream writes it every sync, which is most of its steady-state API traffic. We write it at most
/// once per refresh interval; any other change (replicas, conditions, a larger metric move) is written
/// at once.
/// </summary>
public static class MetricJitter
{
    public static bool IsJitterOnly(HorizontalPodAutoscalerStatus written, HorizontalPodAutoscalerStatus next, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(next);
        if (written.CurrentMetrics.Count != next.CurrentMetrics.Count || written.CurrentMetrics.Count == 0)
            return false;
        if (!StatusEquality.SemanticEquals(written, next with { CurrentMetrics = written.CurrentMetrics }))
            return false;
        for (var i = 0; i < next.CurrentMetrics.Count; i++)
        {
            var a = Values(written.CurrentMetrics[i]);
            var b = Values(next.CurrentMetrics[i]);
            if (a is null || b is null || !string.Equals(written.CurrentMetrics[i].Type, next.CurrentMetrics[i].Type, StringComparison.Ordinal))
                return false;
            if (!Close(a.AverageUtilization, b.AverageUtilization, tolerance)
                || !Close(Milli(a.AverageValue), Milli(b.AverageValue), tolerance)
                || !Close(Milli(a.Value), Milli(b.Value), tolerance))
                return false;
        }
        return true;
    }

    private static MetricValueStatus? Values(MetricStatus status) =>
        status.Resource?.Current ?? status.ContainerResource?.Current ?? status.Pods?.Current ?? status.Object?.Current ?? status.External?.Current;

    private static long? Milli(Quantity? quantity) => quantity?.MilliValue();

    private static bool Close(long? a, long? b, double tolerance)
    {
        if (a is null || b is null)
            return a is null && b is null;
        if (a == b)
            return true;
        var reference = Math.Max(Math.Abs(a.Value), 1);
        return Math.Abs(a.Value - b.Value) <= tolerance * reference;
    }
}
