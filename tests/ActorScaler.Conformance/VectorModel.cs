using System.Globalization;
using System.Text.Json;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using static ActorScaler.Conformance.VectorJson;

namespace ActorScaler.Conformance;

/// <summary>Maps the schema's common types (Pod, samples, ScalingRules, HPA...) to the core's model.</summary>
internal static class VectorModel
{
    public static PodInfo[] Pods(JsonElement e, string path, DateTimeOffset now) =>
        [.. Array(e, path).Select(p => Pod(p.Item, p.Path, now))];

    public static PodInfo Pod(JsonElement e, string path, DateTimeOffset now)
    {
        var ready = OptionalString(e, "ready", path);
        var lastTransition = TimeAgo(e, "readyLastTransitionSecondsAgo", path, now);
        var phaseText = OptionalString(e, "phase", path) ?? "Running";
        if (!Enum.TryParse<PodPhase>(phaseText, ignoreCase: false, out var phase) || !Enum.IsDefined(phase))
        {
            throw new VectorFormatException($"{Join(path, "phase")}: unknown pod phase \"{phaseText}\" (Running, Pending, Failed, Succeeded, Unknown)");
        }
        return new PodInfo
        {
            Name = RequiredString(e, "name", path),
            Labels = Optional(e, "labels", path) is { } labels ? StringMap(labels, Join(path, "labels")) : PodInfoDefaults.Labels,
            Phase = phase,
            // A condition's lastTransitionTime is a Go value type: unset means the zero time.
            Ready = ready is null ? null : new PodReadyCondition(ConditionStatusFrom(ready, Join(path, "ready")), lastTransition ?? DateTimeOffset.MinValue),
            StartTime = TimeAgo(e, "startTimeSecondsAgo", path, now),
            DeletionTimestamp = OptionalBool(e, "deleting", path, false) ? now : null,
            Containers = Optional(e, "containers", path) is { } containers ? Containers(containers, Join(path, "containers")) : [],
            InitContainers = Optional(e, "initContainers", path) is { } init ? Containers(init, Join(path, "initContainers")) : [],
            PodRequestsMilli = Optional(e, "podRequestsMilli", path) is { } podRequests ? LongMap(podRequests, Join(path, "podRequestsMilli")) : null,
        };
    }

    private static ConditionStatus ConditionStatusFrom(string text, string path) => text switch
    {
        "True" => ConditionStatus.True,
        "False" => ConditionStatus.False,
        "Unknown" => ConditionStatus.Unknown,
        _ => throw new VectorFormatException($"{path}: expected \"True\", \"False\", \"Unknown\" or null, got \"{text}\""),
    };

    private static ContainerInfo[] Containers(JsonElement e, string path) =>
        [.. Array(e, path).Select(c => new ContainerInfo
        {
            Name = OptionalString(c.Item, "name", c.Path) ?? "",
            RequestsMilli = Optional(c.Item, "requestsMilli", c.Path) is { } requests ? LongMap(requests, Join(c.Path, "requestsMilli")) : new Dictionary<string, long>(),
            RestartPolicy = OptionalString(c.Item, "restartPolicy", c.Path),
        })];

    public static Dictionary<string, string> StringMap(JsonElement e, string path) =>
        Object(e, path).ToDictionary(p => p.Name, p => String(p.Value, p.Path), StringComparer.Ordinal);

    public static Dictionary<string, long> LongMap(JsonElement e, string path) =>
        Object(e, path).ToDictionary(p => p.Name, p => Long(p.Value, p.Path), StringComparer.Ordinal);

    public static PodResourceMetrics ResourceMetrics(JsonElement e, string path, DateTimeOffset now) =>
        new(Array(e, path).Select(s => new ResourceMetricSample(
            RequiredString(s.Item, "pod", s.Path),
            TimeAgo(s.Item, "timestampSecondsAgo", s.Path, now) ?? DateTimeOffset.MinValue,
            Optional(s.Item, "windowSeconds", s.Path) is not null ? Seconds(s.Item, "windowSeconds", s.Path) : TimeSpan.Zero,
            Optional(s.Item, "containers", s.Path) is { } containers
                ? [.. Array(containers, Join(s.Path, "containers")).Select(c => new ContainerUsage(
                    OptionalString(c.Item, "name", c.Path) ?? "",
                    Optional(c.Item, "usageMilli", c.Path) is { } usage ? LongMap(usage, Join(c.Path, "usageMilli")) : new Dictionary<string, long>()))]
                : [])).ToList());

    public static PodMetricSample PodMetricSample(string pod, JsonElement e, string path, DateTimeOffset now) => new(
        pod,
        RequiredLong(e, "valueMilli", path),
        TimeAgo(e, "timestampSecondsAgo", path, now) ?? DateTimeOffset.MinValue,
        // Custom metrics without a window are read with upstream's 1 minute default.
        Optional(e, "windowSeconds", path) is not null ? Seconds(e, "windowSeconds", path) : TimeSpan.FromMinutes(1));

    public static PodCustomMetrics PodMetrics(JsonElement e, string path, DateTimeOffset now) =>
        new(Array(e, path).Select(s => PodMetricSample(RequiredString(s.Item, "pod", s.Path), s.Item, s.Path, now)).ToList());

    public static TimestampedRecommendation[] Recommendations(JsonElement e, string path, DateTimeOffset now) =>
        [.. Array(e, path).Select(r => new TimestampedRecommendation(
            RequiredInt(r.Item, "replicas", r.Path),
            TimeAgo(r.Item, "secondsAgo", r.Path, now) ?? throw new VectorFormatException($"{Join(r.Path, "secondsAgo")}: required"))) ];

    public static TimestampedScaleEvent[] ScaleEvents(JsonElement? e, string path, DateTimeOffset now) =>
        e is not { } events
            ? []
            : [.. Array(events, path).Select(ev => new TimestampedScaleEvent(
                RequiredInt(ev.Item, "replicaChange", ev.Path),
                TimeAgo(ev.Item, "secondsAgo", ev.Path, now) ?? throw new VectorFormatException($"{Join(ev.Path, "secondsAgo")}: required"),
                OptionalBool(ev.Item, "outdated", ev.Path, false)))];

    /// <summary>ScalingRules as the API carries them (nullable fields); null when the rules object is null.</summary>
    public static HpaScalingRules? ScalingRules(JsonElement? e, string path)
    {
        if (e is not { } rules)
        {
            return null;
        }
        return new HpaScalingRules
        {
            StabilizationWindowSeconds = OptionalInt(rules, "stabilizationWindowSeconds", path),
            SelectPolicy = OptionalString(rules, "selectPolicy", path),
            Policies = Optional(rules, "policies", path) is { } policies
                ? [.. Array(policies, Join(path, "policies")).Select(p => new HpaScalingPolicy
                {
                    Type = RequiredString(p.Item, "type", p.Path),
                    Value = RequiredInt(p.Item, "value", p.Path),
                    PeriodSeconds = RequiredInt(p.Item, "periodSeconds", p.Path),
                })]
                : null,
            Tolerance = Optional(rules, "tolerance", path) is { } tolerance ? NumberQuantity(tolerance, Join(path, "tolerance")) : null,
        };
    }

    /// <summary>A plain JSON number read as a Quantity from its exact text (0.05 stays 0.05).</summary>
    public static Quantity NumberQuantity(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number)
        {
            throw new VectorFormatException($"{path}: expected a number");
        }
        return Quantity.TryParse(e.GetRawText(), out var quantity, out var error)
            ? quantity
            : throw new VectorFormatException($"{path}: {error}");
    }

    public static LabelSelector? LabelSelector(JsonElement? e, string path)
    {
        if (e is not { } selector)
        {
            return null;
        }
        return new LabelSelector
        {
            MatchLabels = Optional(selector, "matchLabels", path) is { } labels ? StringMap(labels, Join(path, "matchLabels")) : null,
            MatchExpressions = Optional(selector, "matchExpressions", path) is { } expressions
                ? [.. Array(expressions, Join(path, "matchExpressions")).Select(x => new LabelSelectorRequirement
                {
                    Key = RequiredString(x.Item, "key", x.Path),
                    Operator = RequiredString(x.Item, "operator", x.Path),
                    Values = Optional(x.Item, "values", x.Path) is { } values ? [.. Array(values, Join(x.Path, "values")).Select(v => String(v.Item, v.Path))] : null,
                })]
                : null,
        };
    }

    public static CrossVersionObjectReference ObjectReference(JsonElement e, string path) => new()
    {
        Kind = OptionalString(e, "kind", path) ?? "",
        Name = OptionalString(e, "name", path) ?? "",
        ApiVersion = OptionalString(e, "apiVersion", path),
    };

    public static MetricTarget Target(JsonElement e, string path) => new()
    {
        Type = OptionalString(e, "type", path) ?? "",
        AverageUtilization = OptionalInt(e, "averageUtilization", path),
        AverageValue = OptionalLong(e, "averageValueMilli", path) is { } average ? Quantity.FromMilli(average) : null,
        Value = OptionalLong(e, "valueMilli", path) is { } value ? Quantity.FromMilli(value) : null,
    };

    public static MetricIdentifier Identifier(JsonElement e, string path) => new()
    {
        Name = OptionalString(e, "name", path) ?? "",
        Selector = LabelSelector(Optional(e, "selector", path), Join(path, "selector")),
    };

    public static MetricSpec MetricSpec(JsonElement e, string path)
    {
        string P(string name) => Join(path, name);
        return new MetricSpec
        {
            Type = RequiredString(e, "type", path),
            Resource = Optional(e, "resource", path) is { } r
                ? new ResourceMetricSource { Name = OptionalString(r, "name", P("resource")) ?? "", Target = Target(Required(r, "target", P("resource")), Join(P("resource"), "target")) }
                : null,
            ContainerResource = Optional(e, "containerResource", path) is { } c
                ? new ContainerResourceMetricSource
                {
                    Name = OptionalString(c, "name", P("containerResource")) ?? "",
                    Container = OptionalString(c, "container", P("containerResource")) ?? "",
                    Target = Target(Required(c, "target", P("containerResource")), Join(P("containerResource"), "target")),
                }
                : null,
            Pods = Optional(e, "pods", path) is { } p
                ? new PodsMetricSource
                {
                    Metric = Identifier(Required(p, "metric", P("pods")), Join(P("pods"), "metric")),
                    Target = Target(Required(p, "target", P("pods")), Join(P("pods"), "target")),
                }
                : null,
            Object = Optional(e, "object", path) is { } o
                ? new ObjectMetricSource
                {
                    DescribedObject = ObjectReference(Required(o, "describedObject", P("object")), Join(P("object"), "describedObject")),
                    Metric = Identifier(Required(o, "metric", P("object")), Join(P("object"), "metric")),
                    Target = Target(Required(o, "target", P("object")), Join(P("object"), "target")),
                }
                : null,
            External = Optional(e, "external", path) is { } x
                ? new ExternalMetricSource
                {
                    Metric = Identifier(Required(x, "metric", P("external")), Join(P("external"), "metric")),
                    Target = Target(Required(x, "target", P("external")), Join(P("external"), "target")),
                }
                : null,
        };
    }

    public static MetricValueStatus ValueStatus(JsonElement e, string path) => new()
    {
        AverageUtilization = OptionalInt(e, "averageUtilization", path),
        AverageValue = OptionalLong(e, "averageValueMilli", path) is { } average ? Quantity.FromMilli(average) : null,
        Value = OptionalLong(e, "valueMilli", path) is { } value ? Quantity.FromMilli(value) : null,
    };

    public static MetricStatus MetricStatus(JsonElement e, string path)
    {
        string P(string name) => Join(path, name);
        return new MetricStatus
        {
            Type = OptionalString(e, "type", path) ?? "",
            Resource = Optional(e, "resource", path) is { } r
                ? new ResourceMetricStatus { Name = OptionalString(r, "name", P("resource")) ?? "", Current = ValueStatus(Required(r, "current", P("resource")), Join(P("resource"), "current")) }
                : null,
            ContainerResource = Optional(e, "containerResource", path) is { } c
                ? new ContainerResourceMetricStatus
                {
                    Name = OptionalString(c, "name", P("containerResource")) ?? "",
                    Container = OptionalString(c, "container", P("containerResource")) ?? "",
                    Current = ValueStatus(Required(c, "current", P("containerResource")), Join(P("containerResource"), "current")),
                }
                : null,
            Pods = Optional(e, "pods", path) is { } p
                ? new PodsMetricStatus { Metric = Identifier(Required(p, "metric", P("pods")), Join(P("pods"), "metric")), Current = ValueStatus(Required(p, "current", P("pods")), Join(P("pods"), "current")) }
                : null,
            Object = Optional(e, "object", path) is { } o
                ? new ObjectMetricStatus
                {
                    Metric = Identifier(Required(o, "metric", P("object")), Join(P("object"), "metric")),
                    Current = ValueStatus(Required(o, "current", P("object")), Join(P("object"), "current")),
                    DescribedObject = Optional(o, "describedObject", P("object")) is { } d ? ObjectReference(d, Join(P("object"), "describedObject")) : new CrossVersionObjectReference(),
                }
                : null,
            External = Optional(e, "external", path) is { } x
                ? new ExternalMetricStatus { Metric = Identifier(Required(x, "metric", P("external")), Join(P("external"), "metric")), Current = ValueStatus(Required(x, "current", P("external")), Join(P("external"), "current")) }
                : null,
        };
    }

    public static HorizontalPodAutoscaler Hpa(JsonElement e, string path, DateTimeOffset now)
    {
        var specPath = Join(path, "spec");
        var spec = Required(e, "spec", path);
        var behavior = Optional(spec, "behavior", specPath) is { } b
            ? new HorizontalPodAutoscalerBehavior
            {
                ScaleUp = ScalingRules(Optional(b, "scaleUp", Join(specPath, "behavior")), Join(specPath, "behavior.scaleUp")),
                ScaleDown = ScalingRules(Optional(b, "scaleDown", Join(specPath, "behavior")), Join(specPath, "behavior.scaleDown")),
            }
            : null;
        var statusPath = Join(path, "status");
        var status = Optional(e, "status", path);
        return new HorizontalPodAutoscaler
        {
            Metadata = new ObjectMeta { Name = RequiredString(e, "name", path), Namespace = OptionalString(e, "namespace", path) ?? "" },
            Spec = new HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = ObjectReference(Required(spec, "scaleTargetRef", specPath), Join(specPath, "scaleTargetRef")),
                MinReplicas = OptionalInt(spec, "minReplicas", specPath),
                MaxReplicas = RequiredInt(spec, "maxReplicas", specPath),
                Metrics = Optional(spec, "metrics", specPath) is { } metrics
                    ? [.. Array(metrics, Join(specPath, "metrics")).Select(m => MetricSpec(m.Item, m.Path))]
                    : [],
                Behavior = behavior,
            },
            Status = status is not { } s ? new HorizontalPodAutoscalerStatus() : new HorizontalPodAutoscalerStatus
            {
                CurrentReplicas = OptionalInt(s, "currentReplicas", statusPath) ?? 0,
                DesiredReplicas = OptionalInt(s, "desiredReplicas", statusPath) ?? 0,
                LastScaleTime = TimeAgo(s, "lastScaleTimeSecondsAgo", statusPath, now),
                CurrentMetrics = Optional(s, "currentMetrics", statusPath) is { } current
                    ? [.. Array(current, Join(statusPath, "currentMetrics")).Select(m => MetricStatus(m.Item, m.Path))]
                    : [],
                Conditions = Optional(s, "conditions", statusPath) is { } conditions
                    ? [.. Array(conditions, Join(statusPath, "conditions")).Select(c => new HpaCondition
                    {
                        Type = RequiredString(c.Item, "type", c.Path),
                        Status = RequiredString(c.Item, "status", c.Path),
                        Reason = OptionalString(c.Item, "reason", c.Path) ?? "",
                        Message = OptionalString(c.Item, "message", c.Path) ?? "",
                        LastTransitionTime = TimeAgo(c.Item, "lastTransitionTimeSecondsAgo", c.Path, now),
                    })]
                    : [],
            },
        };
    }

    public static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}

internal static class PodInfoDefaults
{
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>();
}
