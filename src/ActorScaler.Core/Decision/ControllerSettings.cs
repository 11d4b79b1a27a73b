using System.Collections.Concurrent;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;

namespace ActorScaler.Core.Decision;

/// <summary>
/// kube-controller-manager's HPA flags and feature gates as one value. The defaults are production's
/// (config/v1alpha1/defaults.go and the v1.37 feature-gate table); upstream's unit tests use other values,
/// which the conformance vectors carry explicitly.
/// </summary>
public sealed record ControllerSettings
{
    /// <summary>--horizontal-pod-autoscaler-tolerance.</summary>
    public const double DefaultTolerance = 0.1;
    /// <summary>--horizontal-pod-autoscaler-cpu-initialization-period.</summary>
    public static readonly TimeSpan DefaultCpuInitializationPeriod = TimeSpan.FromMinutes(5);
    /// <summary>--horizontal-pod-autoscaler-initial-readiness-delay.</summary>
    public static readonly TimeSpan DefaultDelayOfInitialReadinessStatus = TimeSpan.FromSeconds(30);
    /// <summary>--horizontal-pod-autoscaler-downscale-stabilization.</summary>
    public static readonly TimeSpan DefaultDownscaleStabilizationWindow = TimeSpan.FromMinutes(5);
    /// <summary>--horizontal-pod-autoscaler-sync-period (used by the actor that schedules passes).</summary>
    public static readonly TimeSpan DefaultSyncPeriod = TimeSpan.FromSeconds(15);

    public double Tolerance { get; init; } = DefaultTolerance;
    public TimeSpan CpuInitializationPeriod { get; init; } = DefaultCpuInitializationPeriod;
    public TimeSpan DelayOfInitialReadinessStatus { get; init; } = DefaultDelayOfInitialReadinessStatus;
    public TimeSpan DownscaleStabilizationWindow { get; init; } = DefaultDownscaleStabilizationWindow;
    /// <summary>Legacy (no behavior) scale-up cap: max(factor x current, minimum).</summary>
    public double ScaleUpLimitFactor { get; init; } = ReplicaLimits.DefaultScaleUpLimitFactor;
    public double ScaleUpLimitMinimum { get; init; } = ReplicaLimits.DefaultScaleUpLimitMinimum;
    /// <summary>HPAConfigurableTolerance: GA in v1.37, so on.</summary>
    public bool ConfigurableToleranceEnabled { get; init; } = true;
    /// <summary>
    /// HPAScaleToZero controller side (beta, on in v1.37): the ScaledToZero condition and the scale-from-zero
    /// rules. Off reproduces the older controller, which computes metrics at zero replicas whenever
    /// minReplicas is 0.
    /// </summary>
    public bool ScaleToZeroEnabled { get; init; } = true;
    /// <summary>PodLevelResources: pod-level requests replace the container sum (beta, on).</summary>
    public bool PodLevelResourcesEnabled { get; init; } = true;

    public static ControllerSettings Production { get; } = new();

    // One calculator per distinct set of calculator flags (a handful per process). Kept outside the record so
    // that it does not take part in the record's value equality.
    private static readonly ConcurrentDictionary<(TimeSpan, TimeSpan, bool), ReplicaCalculator> Calculators = new();

    internal ReplicaCalculator Calculator => Calculators.GetOrAdd(
        (CpuInitializationPeriod, DelayOfInitialReadinessStatus, PodLevelResourcesEnabled),
        static key => new ReplicaCalculator(new ReplicaCalculatorSettings(key.Item1, key.Item2, key.Item3)));
}
