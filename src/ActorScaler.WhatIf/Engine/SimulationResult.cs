using ActorScaler.Core.Spec;

namespace ActorScaler.WhatIf.Engine;

/// <summary>One row of the timeline, written after each sync. Averages cover the time since the previous row.</summary>
public sealed record TimelinePoint
{
    public double Seconds { get; init; }
    /// <summary>Total CPU demand (milli-cores), averaged over the interval.</summary>
    public double DemandCpuMilli { get; init; }
    public double DemandRps { get; init; }
    /// <summary>CPU the Ready pods actually used (demand capped at their limits).</summary>
    public double ServedCpuMilli { get; init; }
    public double UnmetCpuMilli { get; init; }
    /// <summary>status.desiredReplicas after this sync.</summary>
    public int DesiredReplicas { get; init; }
    /// <summary>scale.spec.replicas after this sync.</summary>
    public int SpecReplicas { get; init; }
    /// <summary>Pods that exist (Pending or Running): scale.status.replicas.</summary>
    public int CurrentPods { get; init; }
    public int ReadyPods { get; init; }
    /// <summary>status.currentMetrics as numbers, one per spec metric (utilization in %, values in base units); null where the HPA had none.</summary>
    public IReadOnlyList<double?> Observed { get; init; } = [];
    /// <summary>Ground truth per spec metric, in the same units, from the simulated pods rather than the pipeline.</summary>
    public IReadOnlyList<double?> Actual { get; init; } = [];
    public double AverageWorkingSetBytes { get; init; }
    /// <summary>Conditions that are not in their healthy state, e.g. "ScalingLimited=TooManyReplicas".</summary>
    public string Conditions { get; init; } = "";
}

public sealed record ScaleEvent(double Seconds, int From, int To, string Reason)
{
    public int Direction => Math.Sign(To - From);
}

public sealed record SimulationSummary
{
    public TimeSpan Duration { get; init; }
    public TimeSpan TimeAboveTarget { get; init; }
    /// <summary>Highest utilization the HPA saw for its first Utilization metric (%), null without one.</summary>
    public double? PeakObservedUtilization { get; init; }
    public int ScaleUps { get; init; }
    public int ScaleDowns { get; init; }
    /// <summary>Scale events that reverse the previous one's direction within <see cref="SimulationRunner.FlapWindow"/>.</summary>
    public int Flaps { get; init; }
    public double PodHours { get; init; }
    /// <summary>Sum of CPU requests over time, in core-hours: what the cluster reserves.</summary>
    public double RequestedCoreHours { get; init; }
    public TimeSpan UnmetDemandTime { get; init; }
    public double UnmetCoreSeconds { get; init; }
    public int MaxPods { get; init; }
    public int FinalReplicas { get; init; }
    /// <summary>Time of the first scale-up; null if the run never scaled up.</summary>
    public TimeSpan? FirstScaleUpAt { get; init; }
}

/// <summary>The outcome of one run: inputs named for display, the timeline, scale events and the summary.</summary>
public sealed record SimulationResult
{
    public string Label { get; init; } = "";
    public HorizontalPodAutoscaler Hpa { get; init; } = new();
    public SimulationOptions Options { get; init; } = new();
    public IReadOnlyList<MetricProbe> Metrics { get; init; } = [];
    public IReadOnlyList<TimelinePoint> Timeline { get; init; } = [];
    public IReadOnlyList<ScaleEvent> ScaleEvents { get; init; } = [];
    /// <summary>Controller events in order, "t=…s Reason: message".</summary>
    public IReadOnlyList<string> ControllerEvents { get; init; } = [];
    public SimulationSummary Summary { get; init; } = new();
    public int MinReplicas { get; init; }
    public int MaxReplicas { get; init; }
}
