using ActorScaler.Core.Durations;

namespace ActorScaler.Bench;

/// <summary>What `actorscaler bench` runs: the cluster's size, the members, the periods and the load.</summary>
public sealed record BenchOptions
{
    public int Hpas { get; init; } = 10_000;
    public int Nodes { get; init; } = 2_000;
    public int Pods { get; init; } = 50_000;
    public int Members { get; init; } = 3;

    /// <summary>The measured window after warm-up: the first half steady, the second half with the load step.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan SyncPeriod { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan MetricResolution { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The share of HPAs whose load steps up half-way through (they must scale up).</summary>
    public double ScaleShare { get; init; } = 0.1;

    public required string OutDirectory { get; init; }

    /// <summary>How long to wait for every HPA's first reconcile (a status write) before measuring anyway.</summary>
    public TimeSpan WarmupTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>HOCON layered over the members' shipped configuration (`run --config`), e.g. failure-detector tuning.</summary>
    public string? MemberConfig { get; init; }

    /// <summary>Upper bounds that keep a mistyped flag from taking the machine down.</summary>
    public const int MaxMembers = 9;
    public const int MaxHpas = 100_000;
    public const int MaxNodes = 10_000;

    /// <summary>Every problem, each naming its flag; empty when the options can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Hpas is < 1 or > MaxHpas)
            problems.Add($"invalid value for --hpas: {Hpas}: must be between 1 and {MaxHpas}");
        if (Nodes is < 1 or > MaxNodes)
            problems.Add($"invalid value for --nodes: {Nodes}: must be between 1 and {MaxNodes}");
        if (Pods < Hpas)
            problems.Add($"invalid value for --pods: {Pods}: must be at least --hpas ({Hpas}): every HPA's workload has a pod");
        // The simulator's nodes take 110 pods each (kubelet's default --max-pods); leave room to scale up.
        else if (Pods > Nodes * 80L)
            problems.Add($"invalid value for --pods: {Pods}: at most 80 per node ({Nodes * 80L} for --nodes {Nodes}), so scaled-up pods still fit under the 110-pod node limit");
        if (Members is < 1 or > MaxMembers)
            problems.Add($"invalid value for --members: {Members}: must be between 1 and {MaxMembers}");
        if (SyncPeriod < TimeSpan.FromSeconds(1))
            problems.Add($"invalid value for --sync-period: {GoDuration.Format(SyncPeriod)}: must be at least 1s");
        if (MetricResolution < TimeSpan.FromSeconds(1))
            problems.Add($"invalid value for --metric-resolution: {GoDuration.Format(MetricResolution)}: must be at least 1s");
        var minimum = 4 * Max(SyncPeriod, MetricResolution);
        if (Duration < minimum)
            problems.Add($"invalid value for --duration: {GoDuration.Format(Duration)}: must be at least 4 sync periods or metric resolutions ({GoDuration.Format(minimum)}), so each half of the window sees two passes");
        if (ScaleShare is <= 0 or >= 1 || double.IsNaN(ScaleShare))
            problems.Add($"invalid value for --scale-share: {ScaleShare}: must be greater than 0 and less than 1");
        if (WarmupTimeout < TimeSpan.FromSeconds(1))
            problems.Add($"invalid value for --warmup-timeout: {GoDuration.Format(WarmupTimeout)}: must be at least 1s");
        if (MemberConfig is not null && !File.Exists(MemberConfig))
            problems.Add($"invalid value for --member-config: {MemberConfig} does not exist");
        if (string.IsNullOrWhiteSpace(OutDirectory))
            problems.Add("invalid value for --out: must name a directory");
        return problems;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
