namespace ActorScaler.WhatIf.Load;

/// <summary>Total demand on the workload at one instant: CPU in milli-cores and requests per second.</summary>
public readonly record struct Demand(double CpuMilli, double Rps);

/// <summary>A level a segment starts from, ends at or oscillates around; a missing channel is 0.</summary>
public sealed record LoadLevel(double CpuMilli, double Rps)
{
    public static readonly LoadLevel Zero = new(0, 0);

    public static LoadLevel Lerp(LoadLevel a, LoadLevel b, double f) =>
        new(a.CpuMilli + ((b.CpuMilli - a.CpuMilli) * f), a.Rps + ((b.Rps - a.Rps) * f));
}

/// <summary>One piece of a load profile; <see cref="At"/> takes seconds since the segment began.</summary>
public abstract record LoadSegment
{
    public TimeSpan Duration { get; init; }

    /// <summary>1-based line in the load file, so a timeline can point back at the segment.</summary>
    public long Line { get; init; }

    public abstract LoadLevel At(double seconds);
}

public sealed record ConstantSegment(LoadLevel Level) : LoadSegment
{
    public override LoadLevel At(double seconds) => Level;
}

/// <summary>Linear change from <see cref="From"/> to <see cref="To"/> over the segment.</summary>
public sealed record RampSegment(LoadLevel From, LoadLevel To) : LoadSegment
{
    public override LoadLevel At(double seconds) =>
        LoadLevel.Lerp(From, To, Duration.TotalSeconds <= 0 ? 1 : Math.Clamp(seconds / Duration.TotalSeconds, 0, 1));
}

/// <summary>A staircase of <see cref="Steps"/> equal stairs, the first at From, the last at To (a step-load test).</summary>
public sealed record StepSegment(LoadLevel From, LoadLevel To, int Steps) : LoadSegment
{
    public override LoadLevel At(double seconds)
    {
        var stair = Math.Min(Steps - 1, (int)Math.Floor(seconds / (Duration.TotalSeconds / Steps)));
        return LoadLevel.Lerp(From, To, Steps == 1 ? 1 : (double)Math.Max(0, stair) / (Steps - 1));
    }
}

/// <summary>mean + amplitude·sin(2πt/period): a daily or hourly cycle.</summary>
public sealed record SineSegment(LoadLevel Mean, LoadLevel Amplitude, TimeSpan Period) : LoadSegment
{
    public override LoadLevel At(double seconds)
    {
        var s = Math.Sin(2 * Math.PI * seconds / Period.TotalSeconds);
        return new(Math.Max(0, Mean.CpuMilli + (Amplitude.CpuMilli * s)), Math.Max(0, Mean.Rps + (Amplitude.Rps * s)));
    }
}

/// <summary>A base level with a burst at <see cref="Peak"/> from <see cref="Start"/> for <see cref="Length"/>.</summary>
public sealed record SpikeSegment(LoadLevel Base, LoadLevel Peak, TimeSpan Start, TimeSpan Length) : LoadSegment
{
    public override LoadLevel At(double seconds) =>
        seconds >= Start.TotalSeconds && seconds < (Start + Length).TotalSeconds ? Peak : Base;
}

/// <summary>One row of a CSV trace.</summary>
public sealed record TracePoint(double Seconds, double CpuMilli, double Rps);

/// <summary>
/// Working set per pod: an idle baseline plus a part that grows with the CPU the pod serves
/// (buffers, in-flight requests). Memory is a level, not a counter, as the kubelet reports it.
/// </summary>
public sealed record MemoryModel(long BaseBytes, long PerCoreBytes)
{
    public static readonly MemoryModel None = new(0, 0);

    public double WorkingSetBytes(double servedCpuMilli) => BaseBytes + (PerCoreBytes * servedCpuMilli / 1000.0);
}

/// <summary>
/// CPU a container burns right after it starts (JIT compilation, cache warm-up), on top of its
/// share of the demand: the reason upstream has a CPU initialization period.
/// </summary>
public sealed record StartupBurst(double CpuMilli, TimeSpan Duration)
{
    public static readonly StartupBurst None = new(0, TimeSpan.Zero);
}

/// <summary>
/// A load curve: segments played back to back, or a CSV trace interpolated linearly. After the
/// end the last level holds, so --duration may run past the profile.
/// </summary>
public sealed record LoadProfile
{
    public IReadOnlyList<LoadSegment> Segments { get; init; } = [];
    public IReadOnlyList<TracePoint> Trace { get; init; } = [];
    /// <summary>CPU one request costs, milli-cores per (request/s); turns rps into CPU demand.</summary>
    public double CpuPerRequestMilli { get; init; }
    public MemoryModel Memory { get; init; } = MemoryModel.None;
    public StartupBurst Startup { get; init; } = StartupBurst.None;
    /// <summary>Relative per-pod imbalance of the load balancer (0 = even spread), drawn from the seed.</summary>
    public double Noise { get; init; }
    public string SourceFile { get; init; } = "";

    public TimeSpan Length => Trace.Count > 0
        ? TimeSpan.FromSeconds(Trace[^1].Seconds)
        : Segments.Aggregate(TimeSpan.Zero, (sum, s) => sum + s.Duration);

    public Demand DemandAt(double seconds)
    {
        var level = Trace.Count > 0 ? TraceAt(seconds) : SegmentAt(seconds);
        return new(level.CpuMilli + (level.Rps * CpuPerRequestMilli), level.Rps);
    }

    private LoadLevel SegmentAt(double seconds)
    {
        if (Segments.Count == 0)
            return LoadLevel.Zero;
        var start = 0.0;
        foreach (var segment in Segments)
        {
            var length = segment.Duration.TotalSeconds;
            if (seconds < start + length)
                return segment.At(Math.Max(0, seconds - start));
            start += length;
        }
        var last = Segments[^1];
        return last.At(last.Duration.TotalSeconds);
    }

    private LoadLevel TraceAt(double seconds)
    {
        if (seconds <= Trace[0].Seconds)
            return new(Trace[0].CpuMilli, Trace[0].Rps);
        for (var i = 1; i < Trace.Count; i++)
        {
            if (seconds <= Trace[i].Seconds)
            {
                var a = Trace[i - 1];
                var b = Trace[i];
                var f = (seconds - a.Seconds) / (b.Seconds - a.Seconds);
                return LoadLevel.Lerp(new(a.CpuMilli, a.Rps), new(b.CpuMilli, b.Rps), f);
            }
        }
        return new(Trace[^1].CpuMilli, Trace[^1].Rps);
    }
}
