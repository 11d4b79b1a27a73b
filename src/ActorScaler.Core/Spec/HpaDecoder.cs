using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Core.Quantities;

namespace ActorScaler.Core.Spec;

/// <summary>
/// Reads an HPA object of any served version into the canonical model with the API server's
/// conversion (pkg/apis/autoscaling/{v1,v2beta1,v2beta2}/conversion.go). Defaults are not applied
/// here: see <see cref="HpaDefaults"/>.
/// </summary>
public static class HpaDecoder
{
    /// <summary>
    /// Decodes <paramref name="obj"/> as <paramref name="apiVersion"/>. Type errors throw
    /// <see cref="HpaDecodeException"/> with encoding/json's text; fields the version does not know
    /// are listed in <paramref name="unknownFields"/> (strict decoding reports them).
    /// </summary>
    public static HorizontalPodAutoscaler Decode(JsonObject obj, string apiVersion, out IReadOnlyList<string> unknownFields)
    {
        var unknown = new List<string>();
        var root = JsonCursor.Root(obj, "HorizontalPodAutoscaler", unknown);
        root.Known("apiVersion", "kind", "metadata", "spec", "status");
        root.String("apiVersion");
        root.String("kind");
        var pkg = apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];
        var meta = DecodeMeta(root.Object("metadata", "v1.ObjectMeta", "ObjectMeta"));
        var specCursor = root.Object("spec", $"{pkg}.HorizontalPodAutoscalerSpec", "HorizontalPodAutoscalerSpec");
        var statusCursor = root.Object("status", $"{pkg}.HorizontalPodAutoscalerStatus", "HorizontalPodAutoscalerStatus");

        HorizontalPodAutoscaler hpa;
        switch (apiVersion)
        {
            case HpaApi.V2:
            case HpaApi.V2Beta2:
                hpa = new HorizontalPodAutoscaler
                {
                    Metadata = meta,
                    Spec = specCursor is null ? new() : DecodeSpecV2(specCursor, pkg, apiVersion == HpaApi.V2),
                    Status = statusCursor is null ? new() : DecodeStatusV2(statusCursor, pkg),
                };
                break;
            case HpaApi.V2Beta1:
                hpa = new HorizontalPodAutoscaler
                {
                    Metadata = meta,
                    Spec = specCursor is null ? new() : DecodeSpecV2Beta1(specCursor, pkg),
                    Status = statusCursor is null ? new() : DecodeStatusV2Beta1(statusCursor, pkg),
                };
                hpa = hpa with { Spec = hpa.Spec with { Behavior = BehaviorFromAnnotation(meta) } };
                break;
            case HpaApi.V1:
                hpa = new HorizontalPodAutoscaler
                {
                    Metadata = meta,
                    Spec = specCursor is null ? new() : DecodeSpecV1(specCursor),
                    Status = statusCursor is null ? new() : DecodeStatusV1(statusCursor),
                };
                hpa = ApplyV1Annotations(hpa);
                break;
            default:
                throw new ArgumentException($"unsupported apiVersion {apiVersion}", nameof(apiVersion));
        }
        unknownFields = unknown;
        // Round-trip annotations are dropped once converted (DropRoundTripHorizontalPodAutoscalerAnnotations).
        return hpa with { Metadata = DropRoundTripAnnotations(hpa.Metadata) };
    }

    internal static ObjectMeta DropRoundTripAnnotations(ObjectMeta meta)
    {
        if (!HpaApi.RoundTripAnnotations.Any(meta.Annotations.ContainsKey))
        {
            return meta;
        }
        var annotations = meta.Annotations.Where(p => !HpaApi.RoundTripAnnotations.Contains(p.Key))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return meta with { Annotations = annotations };
    }

    private static ObjectMeta DecodeMeta(JsonCursor? c)
    {
        if (c is null)
        {
            return new ObjectMeta();
        }
        c.Known("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
            "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields");
        return new ObjectMeta
        {
            Name = c.String("name") ?? "",
            GenerateName = c.String("generateName"),
            Namespace = c.String("namespace") ?? "",
            Uid = c.String("uid", "types.UID"),
            ResourceVersion = c.String("resourceVersion"),
            Generation = c.Int64("generation") ?? 0,
            CreationTimestamp = c.Time("creationTimestamp"),
            Labels = c.StringMap("labels") ?? ObjectMeta.EmptyMap,
            Annotations = c.StringMap("annotations") ?? ObjectMeta.EmptyMap,
        };
    }

    private static CrossVersionObjectReference DecodeReference(JsonCursor? c)
    {
        if (c is null)
        {
            return new CrossVersionObjectReference();
        }
        c.Known("kind", "name", "apiVersion");
        return new CrossVersionObjectReference
        {
            Kind = c.String("kind") ?? "",
            Name = c.String("name") ?? "",
            ApiVersion = c.String("apiVersion"),
        };
    }

    private static LabelSelector? DecodeSelector(JsonCursor? c)
    {
        if (c is null)
        {
            return null;
        }
        c.Known("matchLabels", "matchExpressions");
        var expressions = c.Objects("matchExpressions", "[]v1.LabelSelectorRequirement", "v1.LabelSelectorRequirement", "LabelSelectorRequirement")
            ?.Select(e =>
            {
                e.Known("key", "operator", "values");
                return new LabelSelectorRequirement
                {
                    Key = e.String("key") ?? "",
                    Operator = e.String("operator", "v1.LabelSelectorOperator") ?? "",
                    Values = e.Strings("values"),
                };
            }).ToList();
        return new LabelSelector { MatchLabels = c.StringMap("matchLabels"), MatchExpressions = expressions };
    }

    // ---- autoscaling/v2 and v2beta2 (the same shape; v2beta2 has no tolerance) ----

    private static HorizontalPodAutoscalerSpec DecodeSpecV2(JsonCursor c, string pkg, bool hasTolerance)
    {
        c.Known("scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior");
        var behavior = c.Object("behavior", $"{pkg}.HorizontalPodAutoscalerBehavior", "HorizontalPodAutoscalerBehavior");
        return new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = DecodeReference(c.Object("scaleTargetRef", $"{pkg}.CrossVersionObjectReference", "CrossVersionObjectReference")),
            MinReplicas = c.Int32("minReplicas"),
            MaxReplicas = c.Int32("maxReplicas") ?? 0,
            Metrics = c.Objects("metrics", $"[]{pkg}.MetricSpec", $"{pkg}.MetricSpec", "MetricSpec")
                ?.Select(m => DecodeMetricV2(m, pkg)).ToList() ?? [],
            Behavior = behavior is null ? null : DecodeBehaviorV2(behavior, pkg, hasTolerance),
        };
    }

    private static MetricSpec DecodeMetricV2(JsonCursor c, string pkg)
    {
        c.Known("type", "object", "pods", "resource", "containerResource", "external");
        var obj = c.Object("object", $"{pkg}.ObjectMetricSource", "ObjectMetricSource");
        var pods = c.Object("pods", $"{pkg}.PodsMetricSource", "PodsMetricSource");
        var resource = c.Object("resource", $"{pkg}.ResourceMetricSource", "ResourceMetricSource");
        var container = c.Object("containerResource", $"{pkg}.ContainerResourceMetricSource", "ContainerResourceMetricSource");
        var external = c.Object("external", $"{pkg}.ExternalMetricSource", "ExternalMetricSource");
        return new MetricSpec
        {
            Type = c.String("type", $"{pkg}.MetricSourceType") ?? "",
            Object = obj is null ? null : new ObjectMetricSource
            {
                DescribedObject = DecodeReference(Known(obj, "describedObject", "target", "metric")
                    .Object("describedObject", $"{pkg}.CrossVersionObjectReference", "CrossVersionObjectReference")),
                Target = DecodeTarget(obj.Object("target", $"{pkg}.MetricTarget", "MetricTarget"), pkg),
                Metric = DecodeIdentifier(obj.Object("metric", $"{pkg}.MetricIdentifier", "MetricIdentifier")),
            },
            Pods = pods is null ? null : new PodsMetricSource
            {
                Metric = DecodeIdentifier(Known(pods, "metric", "target").Object("metric", $"{pkg}.MetricIdentifier", "MetricIdentifier")),
                Target = DecodeTarget(pods.Object("target", $"{pkg}.MetricTarget", "MetricTarget"), pkg),
            },
            Resource = resource is null ? null : new ResourceMetricSource
            {
                Name = Known(resource, "name", "target").String("name", "v1.ResourceName") ?? "",
                Target = DecodeTarget(resource.Object("target", $"{pkg}.MetricTarget", "MetricTarget"), pkg),
            },
            ContainerResource = container is null ? null : new ContainerResourceMetricSource
            {
                Name = Known(container, "name", "target", "container").String("name", "v1.ResourceName") ?? "",
                Target = DecodeTarget(container.Object("target", $"{pkg}.MetricTarget", "MetricTarget"), pkg),
                Container = container.String("container") ?? "",
            },
            External = external is null ? null : new ExternalMetricSource
            {
                Metric = DecodeIdentifier(Known(external, "metric", "target").Object("metric", $"{pkg}.MetricIdentifier", "MetricIdentifier")),
                Target = DecodeTarget(external.Object("target", $"{pkg}.MetricTarget", "MetricTarget"), pkg),
            },
        };
    }

    private static JsonCursor Known(JsonCursor c, params string[] names)
    {
        c.Known(names);
        return c;
    }

    private static MetricTarget DecodeTarget(JsonCursor? c, string pkg)
    {
        if (c is null)
        {
            return new MetricTarget();
        }
        c.Known("type", "value", "averageValue", "averageUtilization");
        return new MetricTarget
        {
            Type = c.String("type", $"{pkg}.MetricTargetType") ?? "",
            Value = c.Quantity("value"),
            AverageValue = c.Quantity("averageValue"),
            AverageUtilization = c.Int32("averageUtilization"),
        };
    }

    private static MetricIdentifier DecodeIdentifier(JsonCursor? c)
    {
        if (c is null)
        {
            return new MetricIdentifier();
        }
        c.Known("name", "selector");
        return new MetricIdentifier
        {
            Name = c.String("name") ?? "",
            Selector = DecodeSelector(c.Object("selector", "v1.LabelSelector", "LabelSelector")),
        };
    }

    private static MetricValueStatus DecodeValueStatus(JsonCursor? c)
    {
        if (c is null)
        {
            return new MetricValueStatus();
        }
        c.Known("value", "averageValue", "averageUtilization");
        return new MetricValueStatus
        {
            Value = c.Quantity("value"),
            AverageValue = c.Quantity("averageValue"),
            AverageUtilization = c.Int32("averageUtilization"),
        };
    }

    private static HorizontalPodAutoscalerBehavior DecodeBehaviorV2(JsonCursor c, string pkg, bool hasTolerance)
    {
        c.Known("scaleUp", "scaleDown");
        return new HorizontalPodAutoscalerBehavior
        {
            ScaleUp = DecodeRulesV2(c.Object("scaleUp", $"{pkg}.HPAScalingRules", "HPAScalingRules"), pkg, hasTolerance),
            ScaleDown = DecodeRulesV2(c.Object("scaleDown", $"{pkg}.HPAScalingRules", "HPAScalingRules"), pkg, hasTolerance),
        };
    }

    private static HpaScalingRules? DecodeRulesV2(JsonCursor? c, string pkg, bool hasTolerance)
    {
        if (c is null)
        {
            return null;
        }
        if (hasTolerance)
        {
            c.Known("stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance");
        }
        else
        {
            c.Known("stabilizationWindowSeconds", "selectPolicy", "policies");
        }
        return new HpaScalingRules
        {
            StabilizationWindowSeconds = c.Int32("stabilizationWindowSeconds"),
            SelectPolicy = c.String("selectPolicy", $"{pkg}.ScalingPolicySelect"),
            Policies = c.Objects("policies", $"[]{pkg}.HPAScalingPolicy", $"{pkg}.HPAScalingPolicy", "HPAScalingPolicy")
                ?.Select(p =>
                {
                    p.Known("type", "value", "periodSeconds");
                    return new HpaScalingPolicy
                    {
                        Type = p.String("type", $"{pkg}.HPAScalingPolicyType") ?? "",
                        Value = p.Int32("value") ?? 0,
                        PeriodSeconds = p.Int32("periodSeconds") ?? 0,
                    };
                }).ToList(),
            Tolerance = hasTolerance ? c.Quantity("tolerance") : null,
        };
    }

    private static HorizontalPodAutoscalerStatus DecodeStatusV2(JsonCursor c, string pkg)
    {
        c.Known("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas", "currentMetrics", "conditions");
        return new HorizontalPodAutoscalerStatus
        {
            ObservedGeneration = c.Int64("observedGeneration"),
            LastScaleTime = c.Time("lastScaleTime"),
            CurrentReplicas = c.Int32("currentReplicas") ?? 0,
            DesiredReplicas = c.Int32("desiredReplicas") ?? 0,
            CurrentMetrics = c.Objects("currentMetrics", $"[]{pkg}.MetricStatus", $"{pkg}.MetricStatus", "MetricStatus")
                ?.Select(m => DecodeMetricStatusV2(m, pkg)).ToList() ?? [],
            Conditions = DecodeConditions(c, pkg),
        };
    }

    private static List<HpaCondition> DecodeConditions(JsonCursor c, string pkg) =>
        c.Objects("conditions", $"[]{pkg}.HorizontalPodAutoscalerCondition", $"{pkg}.HorizontalPodAutoscalerCondition", "HorizontalPodAutoscalerCondition")
            ?.Select(k =>
            {
                k.Known("type", "status", "lastTransitionTime", "reason", "message", "observedGeneration");
                return new HpaCondition
                {
                    Type = k.String("type", $"{pkg}.HorizontalPodAutoscalerConditionType") ?? "",
                    Status = k.String("status", "v1.ConditionStatus") ?? "",
                    LastTransitionTime = k.Time("lastTransitionTime"),
                    Reason = k.String("reason") ?? "",
                    Message = k.String("message") ?? "",
                };
            }).ToList() ?? [];

    private static MetricStatus DecodeMetricStatusV2(JsonCursor c, string pkg)
    {
        c.Known("type", "object", "pods", "resource", "containerResource", "external");
        var obj = c.Object("object", $"{pkg}.ObjectMetricStatus", "ObjectMetricStatus");
        var pods = c.Object("pods", $"{pkg}.PodsMetricStatus", "PodsMetricStatus");
        var resource = c.Object("resource", $"{pkg}.ResourceMetricStatus", "ResourceMetricStatus");
        var container = c.Object("containerResource", $"{pkg}.ContainerResourceMetricStatus", "ContainerResourceMetricStatus");
        var external = c.Object("external", $"{pkg}.ExternalMetricStatus", "ExternalMetricStatus");
        return new MetricStatus
        {
            Type = c.String("type", $"{pkg}.MetricSourceType") ?? "",
            Object = obj is null ? null : new ObjectMetricStatus
            {
                Metric = DecodeIdentifier(Known(obj, "metric", "current", "describedObject").Object("metric", $"{pkg}.MetricIdentifier", "MetricIdentifier")),
                Current = DecodeValueStatus(obj.Object("current", $"{pkg}.MetricValueStatus", "MetricValueStatus")),
                DescribedObject = DecodeReference(obj.Object("describedObject", $"{pkg}.CrossVersionObjectReference", "CrossVersionObjectReference")),
            },
            Pods = pods is null ? null : new PodsMetricStatus
            {
                Metric = DecodeIdentifier(Known(pods, "metric", "current").Object("metric", $"{pkg}.MetricIdentifier", "MetricIdentifier")),
                Current = DecodeValueStatus(pods.Object("current", $"{pkg}.MetricValueStatus", "MetricValueStatus")),
            },
            Resource = resource is null ? null : new ResourceMetricStatus
            {
                Name = Known(resource, "name", "current").String("name", "v1.ResourceName") ?? "",
                Current = DecodeValueStatus(resource.Object("current", $"{pkg}.MetricValueStatus", "MetricValueStatus")),
            },
            ContainerResource = container is null ? null : new ContainerResourceMetricStatus
            {
                Name = Known(container, "name", "current", "container").String("name", "v1.ResourceName") ?? "",
                Current = DecodeValueStatus(container.Object("current", $"{pkg}.MetricValueStatus", "MetricValueStatus")),
                Container = container.String("container") ?? "",
            },
            External = external is null ? null : new ExternalMetricStatus
            {
                Metric = DecodeIdentifier(Known(external, "metric", "current").Object("metric", $"{pkg}.MetricIdentifier", "MetricIdentifier")),
                Current = DecodeValueStatus(external.Object("current", $"{pkg}.MetricValueStatus", "MetricValueStatus")),
            },
        };
    }

    // ---- autoscaling/v2beta1 (and the v1 annotations, which carry v2beta1-shaped metrics) ----

    private static HorizontalPodAutoscalerSpec DecodeSpecV2Beta1(JsonCursor c, string pkg)
    {
        c.Known("scaleTargetRef", "minReplicas", "maxReplicas", "metrics");
        return new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = DecodeReference(c.Object("scaleTargetRef", $"{pkg}.CrossVersionObjectReference", "CrossVersionObjectReference")),
            MinReplicas = c.Int32("minReplicas"),
            MaxReplicas = c.Int32("maxReplicas") ?? 0,
            Metrics = c.Objects("metrics", $"[]{pkg}.MetricSpec", $"{pkg}.MetricSpec", "MetricSpec")
                ?.Select(m => DecodeMetricV2Beta1(m, pkg)).ToList() ?? [],
        };
    }

    private static MetricSpec DecodeMetricV2Beta1(JsonCursor c, string pkg)
    {
        c.Known("type", "object", "pods", "resource", "containerResource", "external");
        var obj = c.Object("object", $"{pkg}.ObjectMetricSource", "ObjectMetricSource");
        var pods = c.Object("pods", $"{pkg}.PodsMetricSource", "PodsMetricSource");
        var resource = c.Object("resource", $"{pkg}.ResourceMetricSource", "ResourceMetricSource");
        var container = c.Object("containerResource", $"{pkg}.ContainerResourceMetricSource", "ContainerResourceMetricSource");
        var external = c.Object("external", $"{pkg}.ExternalMetricSource", "ExternalMetricSource");
        return new MetricSpec
        {
            Type = c.String("type", $"{pkg}.MetricSourceType") ?? "",
            Object = obj is null ? null : ObjectV2Beta1(obj, pkg),
            Pods = pods is null ? null : PodsV2Beta1(pods),
            Resource = resource is null ? null : ResourceV2Beta1(resource),
            ContainerResource = container is null ? null : ContainerResourceV2Beta1(container),
            External = external is null ? null : ExternalV2Beta1(external),
        };
    }

    // Convert_v2beta1_ObjectMetricSource_To_autoscaling_ObjectMetricSource: targetValue is not a pointer
    // in v2beta1, so the value target is always set (zero when absent).
    private static ObjectMetricSource ObjectV2Beta1(JsonCursor c, string pkg)
    {
        c.Known("target", "metricName", "targetValue", "selector", "averageValue");
        var averageValue = c.Quantity("averageValue");
        return new ObjectMetricSource
        {
            DescribedObject = DecodeReference(c.Object("target", $"{pkg}.CrossVersionObjectReference", "CrossVersionObjectReference")),
            Metric = new MetricIdentifier
            {
                Name = c.String("metricName") ?? "",
                Selector = DecodeSelector(c.Object("selector", "v1.LabelSelector", "LabelSelector")),
            },
            Target = new MetricTarget
            {
                Type = averageValue is null ? MetricTargetType.Value : MetricTargetType.AverageValue,
                Value = c.Quantity("targetValue") ?? Quantity.Zero,
                AverageValue = averageValue,
            },
        };
    }

    private static PodsMetricSource PodsV2Beta1(JsonCursor c)
    {
        c.Known("metricName", "targetAverageValue", "selector");
        return new PodsMetricSource
        {
            Metric = new MetricIdentifier
            {
                Name = c.String("metricName") ?? "",
                Selector = DecodeSelector(c.Object("selector", "v1.LabelSelector", "LabelSelector")),
            },
            Target = new MetricTarget
            {
                Type = MetricTargetType.AverageValue,
                AverageValue = c.Quantity("targetAverageValue") ?? Quantity.Zero,
            },
        };
    }

    private static MetricTarget ResourceTargetV2Beta1(JsonCursor c)
    {
        var utilization = c.Int32("targetAverageUtilization");
        return new MetricTarget
        {
            Type = utilization is null ? MetricTargetType.AverageValue : MetricTargetType.Utilization,
            AverageValue = c.Quantity("targetAverageValue"),
            AverageUtilization = utilization,
        };
    }

    private static ResourceMetricSource ResourceV2Beta1(JsonCursor c)
    {
        c.Known("name", "targetAverageUtilization", "targetAverageValue");
        return new ResourceMetricSource { Name = c.String("name", "v1.ResourceName") ?? "", Target = ResourceTargetV2Beta1(c) };
    }

    private static ContainerResourceMetricSource ContainerResourceV2Beta1(JsonCursor c)
    {
        c.Known("name", "targetAverageUtilization", "targetAverageValue", "container");
        return new ContainerResourceMetricSource
        {
            Name = c.String("name", "v1.ResourceName") ?? "",
            Target = ResourceTargetV2Beta1(c),
            Container = c.String("container") ?? "",
        };
    }

    private static ExternalMetricSource ExternalV2Beta1(JsonCursor c)
    {
        c.Known("metricName", "metricSelector", "targetValue", "targetAverageValue");
        var value = c.Quantity("targetValue");
        return new ExternalMetricSource
        {
            Metric = new MetricIdentifier
            {
                Name = c.String("metricName") ?? "",
                Selector = DecodeSelector(c.Object("metricSelector", "v1.LabelSelector", "LabelSelector")),
            },
            Target = new MetricTarget
            {
                Type = value is null ? MetricTargetType.AverageValue : MetricTargetType.Value,
                Value = value,
                AverageValue = c.Quantity("targetAverageValue"),
            },
        };
    }

    private static HorizontalPodAutoscalerStatus DecodeStatusV2Beta1(JsonCursor c, string pkg)
    {
        c.Known("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas", "currentMetrics", "conditions");
        return new HorizontalPodAutoscalerStatus
        {
            ObservedGeneration = c.Int64("observedGeneration"),
            LastScaleTime = c.Time("lastScaleTime"),
            CurrentReplicas = c.Int32("currentReplicas") ?? 0,
            DesiredReplicas = c.Int32("desiredReplicas") ?? 0,
            CurrentMetrics = c.Objects("currentMetrics", $"[]{pkg}.MetricStatus", $"{pkg}.MetricStatus", "MetricStatus")
                ?.Select(m => DecodeMetricStatusV2Beta1(m, pkg)).ToList() ?? [],
            Conditions = DecodeConditions(c, pkg),
        };
    }

    private static MetricStatus DecodeMetricStatusV2Beta1(JsonCursor c, string pkg)
    {
        c.Known("type", "object", "pods", "resource", "containerResource", "external");
        var obj = c.Object("object", $"{pkg}.ObjectMetricStatus", "ObjectMetricStatus");
        var pods = c.Object("pods", $"{pkg}.PodsMetricStatus", "PodsMetricStatus");
        var resource = c.Object("resource", $"{pkg}.ResourceMetricStatus", "ResourceMetricStatus");
        var container = c.Object("containerResource", $"{pkg}.ContainerResourceMetricStatus", "ContainerResourceMetricStatus");
        var external = c.Object("external", $"{pkg}.ExternalMetricStatus", "ExternalMetricStatus");
        return new MetricStatus
        {
            Type = c.String("type", $"{pkg}.MetricSourceType") ?? "",
            Object = obj is null ? null : new ObjectMetricStatus
            {
                DescribedObject = DecodeReference(Known(obj, "target", "metricName", "currentValue", "selector", "averageValue")
                    .Object("target", $"{pkg}.CrossVersionObjectReference", "CrossVersionObjectReference")),
                Metric = new MetricIdentifier
                {
                    Name = obj.String("metricName") ?? "",
                    Selector = DecodeSelector(obj.Object("selector", "v1.LabelSelector", "LabelSelector")),
                },
                Current = new MetricValueStatus { Value = obj.Quantity("currentValue") ?? Quantity.Zero, AverageValue = obj.Quantity("averageValue") },
            },
            Pods = pods is null ? null : new PodsMetricStatus
            {
                Metric = new MetricIdentifier
                {
                    Name = Known(pods, "metricName", "currentAverageValue", "selector").String("metricName") ?? "",
                    Selector = DecodeSelector(pods.Object("selector", "v1.LabelSelector", "LabelSelector")),
                },
                Current = new MetricValueStatus { AverageValue = pods.Quantity("currentAverageValue") ?? Quantity.Zero },
            },
            Resource = resource is null ? null : new ResourceMetricStatus
            {
                Name = Known(resource, "name", "currentAverageUtilization", "currentAverageValue").String("name", "v1.ResourceName") ?? "",
                Current = new MetricValueStatus
                {
                    AverageUtilization = resource.Int32("currentAverageUtilization"),
                    AverageValue = resource.Quantity("currentAverageValue") ?? Quantity.Zero,
                },
            },
            ContainerResource = container is null ? null : new ContainerResourceMetricStatus
            {
                Name = Known(container, "name", "currentAverageUtilization", "currentAverageValue", "container").String("name", "v1.ResourceName") ?? "",
                Current = new MetricValueStatus
                {
                    AverageUtilization = container.Int32("currentAverageUtilization"),
                    AverageValue = container.Quantity("currentAverageValue") ?? Quantity.Zero,
                },
                Container = container.String("container") ?? "",
            },
            External = external is null ? null : new ExternalMetricStatus
            {
                Metric = new MetricIdentifier
                {
                    Name = Known(external, "metricName", "metricSelector", "currentValue", "currentAverageValue").String("metricName") ?? "",
                    Selector = DecodeSelector(external.Object("metricSelector", "v1.LabelSelector", "LabelSelector")),
                },
                Current = new MetricValueStatus
                {
                    Value = external.Quantity("currentValue") ?? Quantity.Zero,
                    AverageValue = external.Quantity("currentAverageValue"),
                },
            },
        };
    }

    // ---- autoscaling/v1 ----

    private static HorizontalPodAutoscalerSpec DecodeSpecV1(JsonCursor c)
    {
        c.Known("scaleTargetRef", "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage");
        var cpu = c.Int32("targetCPUUtilizationPercentage");
        return new HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = DecodeReference(c.Object("scaleTargetRef", "v1.CrossVersionObjectReference", "CrossVersionObjectReference")),
            MinReplicas = c.Int32("minReplicas"),
            MaxReplicas = c.Int32("maxReplicas") ?? 0,
            Metrics = cpu is null ? [] : [CpuUtilization(cpu.Value)],
        };
    }

    private static MetricSpec CpuUtilization(int percent) => new()
    {
        Type = MetricSourceType.Resource,
        Resource = new ResourceMetricSource
        {
            Name = HpaApi.ResourceCpu,
            Target = new MetricTarget { Type = MetricTargetType.Utilization, AverageUtilization = percent },
        },
    };

    private static HorizontalPodAutoscalerStatus DecodeStatusV1(JsonCursor c)
    {
        c.Known("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas", "currentCPUUtilizationPercentage");
        var cpu = c.Int32("currentCPUUtilizationPercentage");
        return new HorizontalPodAutoscalerStatus
        {
            ObservedGeneration = c.Int64("observedGeneration"),
            LastScaleTime = c.Time("lastScaleTime"),
            CurrentReplicas = c.Int32("currentReplicas") ?? 0,
            DesiredReplicas = c.Int32("desiredReplicas") ?? 0,
            CurrentMetrics = cpu is null
                ? []
                :
                [
                    new MetricStatus
                    {
                        Type = MetricSourceType.Resource,
                        Resource = new ResourceMetricStatus { Name = HpaApi.ResourceCpu, Current = new MetricValueStatus { AverageUtilization = cpu } },
                    },
                ],
        };
    }

    // Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler: a broken annotation is
    // ignored ("we don't want to fail conversion just because an annotation was bad").
    private static HorizontalPodAutoscaler ApplyV1Annotations(HorizontalPodAutoscaler hpa)
    {
        var annotations = hpa.Metadata.Annotations;
        var spec = hpa.Spec;
        var status = hpa.Status;
        if (annotations.TryGetValue(HpaApi.MetricSpecsAnnotation, out var metricsJson)
            && TryAnnotationArray(metricsJson, "v1.MetricSpec", "MetricSpec", c => DecodeMetricV2Beta1(c, "v1"), out var others))
        {
            // The spec conversion may have put the cpu target in Metrics; it goes after the others.
            spec = spec with { Metrics = [.. others, .. spec.Metrics.Take(1)] };
        }
        var behavior = BehaviorFromAnnotation(hpa.Metadata);
        if (behavior is not null)
        {
            spec = spec with { Behavior = behavior };
        }
        if (annotations.TryGetValue(HpaApi.MetricStatusesAnnotation, out var statusJson)
            && TryAnnotationArray(statusJson, "v1.MetricStatus", "MetricStatus", c => DecodeMetricStatusV2Beta1(c, "v1"), out var current))
        {
            status = status with { CurrentMetrics = current };
        }
        // autoscaling/v1 formerly had an implicit default applied in the controller; it is explicit here.
        if (spec.Metrics.Count == 0)
        {
            spec = spec with { Metrics = [CpuUtilization(HpaApi.DefaultCpuUtilization)] };
        }
        if (annotations.TryGetValue(HpaApi.ConditionsAnnotation, out var conditionsJson))
        {
            try
            {
                var parsed = JsonNode.Parse(conditionsJson);
                HpaLoader.Materialize(parsed);
                if (parsed is JsonArray array)
                {
                    var wrapper = new JsonObject { ["conditions"] = array.DeepClone() };
                    status = status with { Conditions = DecodeConditions(JsonCursor.Root(wrapper, "HorizontalPodAutoscalerStatus", []), "v1") };
                }
            }
            catch (Exception ex) when (ex is JsonException or HpaDecodeException or ArgumentException)
            {
                // Ignored, as upstream ignores an annotation it cannot read.
            }
        }
        return hpa with { Spec = spec, Status = status };
    }

    private static bool TryAnnotationArray<T>(string json, string elemType, string goStruct, Func<JsonCursor, T> decode, out List<T> result)
    {
        result = [];
        try
        {
            var parsed = JsonNode.Parse(json);
            HpaLoader.Materialize(parsed);
            if (parsed is not JsonArray array)
            {
                return false;
            }
            var wrapper = new JsonObject { ["items"] = array.DeepClone() };
            var cursor = JsonCursor.Root(wrapper, "annotation", []);
            result = cursor.Objects("items", "[]" + elemType, elemType, goStruct)!.Select(decode).ToList();
            return true;
        }
        catch (Exception ex) when (ex is JsonException or HpaDecodeException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The behavior annotation v1 and v2beta1 keep. Upstream marshals its internal Go type, which has
    /// no JSON tags ("ScaleUp", "StabilizationWindowSeconds", ...); Go matches names case-insensitively.
    /// </summary>
    internal static HorizontalPodAutoscalerBehavior? BehaviorFromAnnotation(ObjectMeta meta)
    {
        if (!meta.Annotations.TryGetValue(HpaApi.BehaviorSpecsAnnotation, out var json))
        {
            return null;
        }
        try
        {
            var parsed = JsonNode.Parse(json);
            HpaLoader.Materialize(parsed);
            if (parsed is not JsonObject obj)
            {
                return null;
            }
            var behavior = new HorizontalPodAutoscalerBehavior
            {
                ScaleUp = RulesFromAnnotation(Field(obj, "ScaleUp")),
                ScaleDown = RulesFromAnnotation(Field(obj, "ScaleDown")),
            };
            return behavior.ScaleUp is null && behavior.ScaleDown is null ? null : behavior;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static JsonNode? Field(JsonObject obj, string name) =>
        obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static HpaScalingRules? RulesFromAnnotation(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return null;
        }
        var tolerance = Field(obj, "Tolerance");
        return new HpaScalingRules
        {
            StabilizationWindowSeconds = Field(obj, "StabilizationWindowSeconds")?.GetValue<int>(),
            SelectPolicy = Field(obj, "SelectPolicy")?.GetValue<string>(),
            Policies = (Field(obj, "Policies") as JsonArray)?.Select(p => p as JsonObject ?? [])
                .Select(p => new HpaScalingPolicy
                {
                    Type = Field(p, "Type")?.GetValue<string>() ?? "",
                    Value = Field(p, "Value")?.GetValue<int>() ?? 0,
                    PeriodSeconds = Field(p, "PeriodSeconds")?.GetValue<int>() ?? 0,
                }).ToList(),
            Tolerance = tolerance is null ? null : Quantity.Parse(tolerance is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? v.GetValue<string>()
                : tolerance.ToJsonString()),
        };
    }
}
