namespace ActorScaler.WhatIf.Engine;

/// <summary>Knobs of one simulated run. Defaults are the upstream ones where upstream has one.</summary>
public sealed record SimulationOptions
{
    /// <summary>kube-controller-manager --horizontal-pod-autoscaler-sync-period default.</summary>
    public static readonly TimeSpan DefaultSyncPeriod = TimeSpan.FromSeconds(15);

    /// <summary>--metric-resolution as every shipped metrics-server manifest sets it.</summary>
    public static readonly TimeSpan DefaultResolution = TimeSpan.FromSeconds(15);

    /// <summary>
    /// metrics-server does not invent a start point for a container younger than this
    /// ("can produce inaccurate data", metrics-server PR #775); such a pod waits for a second scrape.
    /// </summary>
    public static readonly TimeSpan FreshContainerMinimumAge = TimeSpan.FromSeconds(10);

    /// <summary>How long the simulation runs; null means the load profile's own length.</summary>
    public TimeSpan? Duration { get; init; }

    public TimeSpan SyncPeriod { get; init; } = DefaultSyncPeriod;

    /// <summary>How often the metrics pipeline samples the kubelets (metrics-server --metric-resolution).</summary>
    public TimeSpan Resolution { get; init; } = DefaultResolution;

    /// <summary>Time a new pod stays Pending (scheduling, image pull) before its containers run.</summary>
    public TimeSpan SchedulingDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time from container start until the readiness probe passes.</summary>
    public TimeSpan ReadinessDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Up to this much extra Pending time per pod, drawn from the seed (nodes are not all alike).</summary>
    public TimeSpan StartupJitter { get; init; } = TimeSpan.Zero;

    /// <summary>Seed for every random draw (jitter, load imbalance, pod names): same seed, same run.</summary>
    public int Seed { get; init; } = 1;
}
