using ActorScaler.Core.Quantities;

namespace ActorScaler.Core.Spec;

// The canonical in-memory model of an HPA: autoscaling/v2 field for field. Every served
// version (v2, v2beta2, v2beta1, v1) converts into this one shape, as the API server stores
// one internal version. Type discriminators stay strings, as in the Go types, so an invalid
// value can be carried to the validator and reported the way the API server reports it.

/// <summary>The parts of ObjectMeta the autoscaler reads or writes.</summary>
public sealed record ObjectMeta
{
    public string Name { get; init; } = "";
    public string? GenerateName { get; init; }
    public string Namespace { get; init; } = "";
    public string? Uid { get; init; }
    public string? ResourceVersion { get; init; }
    public long Generation { get; init; }
    public DateTimeOffset? CreationTimestamp { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = EmptyMap;
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = EmptyMap;

    internal static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();
}

public sealed record HorizontalPodAutoscaler
{
    public ObjectMeta Metadata { get; init; } = new();
    public HorizontalPodAutoscalerSpec Spec { get; init; } = new();
    public HorizontalPodAutoscalerStatus Status { get; init; } = new();

    /// <summary>namespace/name, the key the controller and the shard router use.</summary>
    public string Key => $"{Metadata.Namespace}/{Metadata.Name}";
}

public sealed record CrossVersionObjectReference
{
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string? ApiVersion { get; init; }
}

public sealed record HorizontalPodAutoscalerSpec
{
    public CrossVersionObjectReference ScaleTargetRef { get; init; } = new();
    /// <summary>null until defaulted (API defaulting sets 1).</summary>
    public int? MinReplicas { get; init; }
    public int MaxReplicas { get; init; }
    public IReadOnlyList<MetricSpec> Metrics { get; init; } = [];
    public HorizontalPodAutoscalerBehavior? Behavior { get; init; }
}

/// <summary>Metric source types (autoscaling/v2 MetricSourceType).</summary>
public static class MetricSourceType
{
    public const string Object = "Object";
    public const string Pods = "Pods";
    public const string Resource = "Resource";
    public const string ContainerResource = "ContainerResource";
    public const string External = "External";
    public static readonly IReadOnlyList<string> All = [ContainerResource, External, Object, Pods, Resource];
}

/// <summary>Metric target types (autoscaling/v2 MetricTargetType).</summary>
public static class MetricTargetType
{
    public const string Utilization = "Utilization";
    public const string Value = "Value";
    public const string AverageValue = "AverageValue";
    public static readonly IReadOnlyList<string> All = [AverageValue, Utilization, Value];
}

public sealed record MetricSpec
{
    public string Type { get; init; } = "";
    public ObjectMetricSource? Object { get; init; }
    public PodsMetricSource? Pods { get; init; }
    public ResourceMetricSource? Resource { get; init; }
    public ContainerResourceMetricSource? ContainerResource { get; init; }
    public ExternalMetricSource? External { get; init; }
}

public sealed record MetricTarget
{
    public string Type { get; init; } = "";
    public Quantity? Value { get; init; }
    public Quantity? AverageValue { get; init; }
    public int? AverageUtilization { get; init; }
}

public sealed record MetricIdentifier
{
    public string Name { get; init; } = "";
    public LabelSelector? Selector { get; init; }
}

public sealed record ObjectMetricSource
{
    public CrossVersionObjectReference DescribedObject { get; init; } = new();
    public MetricTarget Target { get; init; } = new();
    public MetricIdentifier Metric { get; init; } = new();
}

public sealed record PodsMetricSource
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricTarget Target { get; init; } = new();
}

public sealed record ResourceMetricSource
{
    public string Name { get; init; } = "";
    public MetricTarget Target { get; init; } = new();
}

public sealed record ContainerResourceMetricSource
{
    public string Name { get; init; } = "";
    public MetricTarget Target { get; init; } = new();
    public string Container { get; init; } = "";
}

public sealed record ExternalMetricSource
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricTarget Target { get; init; } = new();
}

public static class ScalingPolicySelect
{
    public const string Max = "Max";
    public const string Min = "Min";
    public const string Disabled = "Disabled";
    public static readonly IReadOnlyList<string> All = [Disabled, Max, Min];
}

public static class HpaScalingPolicyType
{
    public const string Pods = "Pods";
    public const string Percent = "Percent";
    public static readonly IReadOnlyList<string> All = [Percent, Pods];
}

public sealed record HorizontalPodAutoscalerBehavior
{
    public HpaScalingRules? ScaleUp { get; init; }
    public HpaScalingRules? ScaleDown { get; init; }
}

public sealed record HpaScalingRules
{
    public int? StabilizationWindowSeconds { get; init; }
    public string? SelectPolicy { get; init; }
    public IReadOnlyList<HpaScalingPolicy>? Policies { get; init; }
    /// <summary>v1.33+ (GA in v1.37): per-direction tolerance, a quantity such as 0.05 or 50m.</summary>
    public Quantity? Tolerance { get; init; }
}

public sealed record HpaScalingPolicy
{
    public string Type { get; init; } = "";
    public int Value { get; init; }
    public int PeriodSeconds { get; init; }
}

public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }
    public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }
}

public sealed record LabelSelectorRequirement
{
    public string Key { get; init; } = "";
    public string Operator { get; init; } = "";
    public IReadOnlyList<string>? Values { get; init; }
}

public sealed record HorizontalPodAutoscalerStatus
{
    public long? ObservedGeneration { get; init; }
    public DateTimeOffset? LastScaleTime { get; init; }
    public int CurrentReplicas { get; init; }
    public int DesiredReplicas { get; init; }
    public IReadOnlyList<MetricStatus> CurrentMetrics { get; init; } = [];
    public IReadOnlyList<HpaCondition> Conditions { get; init; } = [];
}

public sealed record MetricValueStatus
{
    public Quantity? Value { get; init; }
    public Quantity? AverageValue { get; init; }
    public int? AverageUtilization { get; init; }
}

public sealed record MetricStatus
{
    public string Type { get; init; } = "";
    public ObjectMetricStatus? Object { get; init; }
    public PodsMetricStatus? Pods { get; init; }
    public ResourceMetricStatus? Resource { get; init; }
    public ContainerResourceMetricStatus? ContainerResource { get; init; }
    public ExternalMetricStatus? External { get; init; }
}

public sealed record ObjectMetricStatus
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricValueStatus Current { get; init; } = new();
    public CrossVersionObjectReference DescribedObject { get; init; } = new();
}

public sealed record PodsMetricStatus
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricValueStatus Current { get; init; } = new();
}

public sealed record ResourceMetricStatus
{
    public string Name { get; init; } = "";
    public MetricValueStatus Current { get; init; } = new();
}

public sealed record ContainerResourceMetricStatus
{
    public string Name { get; init; } = "";
    public MetricValueStatus Current { get; init; } = new();
    public string Container { get; init; } = "";
}

public sealed record ExternalMetricStatus
{
    public MetricIdentifier Metric { get; init; } = new();
    public MetricValueStatus Current { get; init; } = new();
}

public static class HpaConditionType
{
    public const string AbleToScale = "AbleToScale";
    public const string ScalingActive = "ScalingActive";
    public const string ScalingLimited = "ScalingLimited";
    public const string ScaledToZero = "ScaledToZero";
}

public sealed record HpaCondition
{
    public string Type { get; init; } = "";
    /// <summary>"True", "False" or "Unknown".</summary>
    public string Status { get; init; } = "";
    public DateTimeOffset? LastTransitionTime { get; init; }
    public string Reason { get; init; } = "";
    public string Message { get; init; } = "";
}
