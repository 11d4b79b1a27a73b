namespace ActorScaler.Simulator.Load;

/// <summary>
/// A counter that integrates a piecewise-constant rate over simulated time, exactly (integers,
/// no float drift): the rate is in micro-units per second and the total in nano-units, so one
/// millisecond at rate r adds r nano-units. For CPU the unit is the core-second: the total is
/// the kubelet's usageCoreNanoSeconds and the rate is in microcores.
/// </summary>
public sealed class CumulativeCounter
{
    private long _totalNanoUnits;
    private long _atMs;

    public CumulativeCounter(long startMs) => _atMs = startMs;

    /// <summary>Current rate in micro-units per second.</summary>
    public long RateMicroUnits { get; private set; }

    /// <summary>
    /// Changes the rate from <paramref name="atMs"/> on. Times before the last change (or the start)
    /// are treated as that time, so the counter never runs backwards.
    /// </summary>
    public void SetRate(long atMs, long rateMicroUnits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rateMicroUnits);
        if (atMs > _atMs)
        {
            _totalNanoUnits = checked(_totalNanoUnits + ((atMs - _atMs) * RateMicroUnits));
            _atMs = atMs;
        }
        RateMicroUnits = rateMicroUnits;
    }

    /// <summary>The total at <paramref name="ms"/> (not before the last rate change).</summary>
    public long NanoUnitsAt(long ms) => ms <= _atMs ? _totalNanoUnits : _totalNanoUnits + ((ms - _atMs) * RateMicroUnits);
}

/// <summary>
/// When the kubelet's stats pipeline last sampled something. Real kubelets report cached samples
/// taken on a housekeeping interval, each container on its own schedule, so the series of one
/// scrape carry different timestamps; this reproduces that with a per-series phase.
/// </summary>
public readonly record struct SampleSchedule(long IntervalMs, long PhaseMs)
{
    /// <summary>A schedule whose phase is derived from a stable key (the same key gives the same phase every run).</summary>
    public static SampleSchedule For(long intervalMs, string key)
    {
        if (intervalMs <= 1) return new SampleSchedule(1, 0);
        // FNV-1a: stable across processes, unlike string.GetHashCode.
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash ^= c;
            hash *= 16777619u;
        }
        return new SampleSchedule(intervalMs, hash % (uint)intervalMs);
    }

    /// <summary>The latest sample time at or before <paramref name="nowMs"/>.</summary>
    public long LatestAtOrBefore(long nowMs)
    {
        var since = nowMs - PhaseMs;
        var steps = since >= 0 ? since / IntervalMs : ((since + 1) / IntervalMs) - 1;
        return (steps * IntervalMs) + PhaseMs;
    }
}
