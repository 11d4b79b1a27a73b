using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Core.Quantities;

namespace ActorScaler.Core.Spec;

/// <summary>
/// Writes the canonical model as the API server's JSON for a served version: Go struct field order,
/// omitempty as in k8s.io/api/autoscaling, quantities in their canonical text, and for v1 and v2beta1
/// the round-trip annotations upstream's conversion writes.
/// </summary>
public static class HpaEncoder
{
    public static JsonObject Encode(HorizontalPodAutoscaler hpa, string apiVersion)
    {
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = HpaApi.Kind };
        var meta = HpaDecoder.DropRoundTripAnnotations(hpa.Metadata);
        switch (apiVersion)
        {
            case HpaApi.V2:
            case HpaApi.V2Beta2:
                obj["metadata"] = EncodeMeta(meta);
                obj["spec"] = SpecV2(hpa.Spec, apiVersion == HpaApi.V2);
                obj["status"] = StatusV2(hpa.Status, apiVersion == HpaApi.V2);
                break;
            case HpaApi.V2Beta1:
                var behavior = hpa.Spec.Behavior is null
                    ? meta
                    : WithAnnotation(meta, HpaApi.BehaviorSpecsAnnotation, BehaviorAnnotation(hpa.Spec.Behavior));
                obj["metadata"] = EncodeMeta(behavior);
                obj["spec"] = SpecV2Beta1(hpa.Spec);
                obj["status"] = StatusV2Beta1(hpa.Status);
                break;
            case HpaApi.V1:
                obj["metadata"] = EncodeMeta(V1Annotations(hpa, meta));
                obj["spec"] = SpecV1(hpa.Spec);
                obj["status"] = StatusV1(hpa.Status);
                break;
            default:
                throw new ArgumentException($"unsupported apiVersion {apiVersion}", nameof(apiVersion));
        }
        return obj;
    }

    // Go's encoder escapes only what JSON needs (and <, >, &); the default .NET encoder would also
    // escape '+' and quotes inside annotation strings.
    private static readonly System.Text.Json.JsonSerializerOptions Compact =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly System.Text.Json.JsonSerializerOptions Indented =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static string ToJson(HorizontalPodAutoscaler hpa, string apiVersion, bool indented = true) =>
        Encode(hpa, apiVersion).ToJsonString(indented ? Indented : Compact);

    public static string ToYaml(HorizontalPodAutoscaler hpa, string apiVersion) => YamlJson.ToYaml(Encode(hpa, apiVersion));

    private static ObjectMeta WithAnnotation(ObjectMeta meta, string key, string value)
    {
        var annotations = new Dictionary<string, string>(meta.Annotations, StringComparer.Ordinal) { [key] = value };
        return meta with { Annotations = annotations };
    }

    private static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static JsonObject EncodeMeta(ObjectMeta meta)
    {
        var obj = new JsonObject();
        Put(obj, "name", meta.Name);
        Put(obj, "generateName", meta.GenerateName);
        Put(obj, "namespace", meta.Namespace);
        Put(obj, "uid", meta.Uid);
        Put(obj, "resourceVersion", meta.ResourceVersion);
        if (meta.Generation != 0)
        {
            obj["generation"] = meta.Generation;
        }
        if (meta.CreationTimestamp is { } created)
        {
            obj["creationTimestamp"] = Time(created);
        }
        if (meta.Labels.Count > 0)
        {
            obj["labels"] = StringMap(meta.Labels);
        }
        if (meta.Annotations.Count > 0)
        {
            obj["annotations"] = StringMap(meta.Annotations);
        }
        return obj;
    }

    private static JsonObject StringMap(IReadOnlyDictionary<string, string> map)
    {
        // Go marshals maps with sorted keys.
        var obj = new JsonObject();
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            obj[key] = value;
        }
        return obj;
    }

    // omitempty for strings.
    private static void Put(JsonObject obj, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            obj[name] = value;
        }
    }

    private static void Put(JsonObject obj, string name, Quantity? value)
    {
        if (value is { } q)
        {
            obj[name] = q.ToString();
        }
    }

    private static void Put(JsonObject obj, string name, int? value)
    {
        if (value is { } v)
        {
            obj[name] = v;
        }
    }

    private static JsonObject Reference(CrossVersionObjectReference reference)
    {
        var obj = new JsonObject { ["kind"] = reference.Kind, ["name"] = reference.Name };
        Put(obj, "apiVersion", reference.ApiVersion);
        return obj;
    }

    private static JsonObject? Selector(LabelSelector? selector)
    {
        if (selector is null)
        {
            return null;
        }
        var obj = new JsonObject();
        if (selector.MatchLabels is { Count: > 0 } labels)
        {
            obj["matchLabels"] = StringMap(labels);
        }
        if (selector.MatchExpressions is { Count: > 0 } expressions)
        {
            obj["matchExpressions"] = new JsonArray(expressions.Select(e =>
            {
                var item = new JsonObject { ["key"] = e.Key, ["operator"] = e.Operator };
                if (e.Values is { Count: > 0 } values)
                {
                    item["values"] = new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                }
                return (JsonNode?)item;
            }).ToArray());
        }
        return obj;
    }

    private static void PutSelector(JsonObject obj, string name, LabelSelector? selector)
    {
        if (Selector(selector) is { } encoded)
        {
            obj[name] = encoded;
        }
    }

    // ---- v2 / v2beta2 ----

    private static JsonObject SpecV2(HorizontalPodAutoscalerSpec spec, bool hasTolerance)
    {
        var obj = new JsonObject { ["scaleTargetRef"] = Reference(spec.ScaleTargetRef) };
        Put(obj, "minReplicas", spec.MinReplicas);
        obj["maxReplicas"] = spec.MaxReplicas;
        if (spec.Metrics.Count > 0)
        {
            obj["metrics"] = new JsonArray(spec.Metrics.Select(m => (JsonNode?)MetricV2(m)).ToArray());
        }
        if (spec.Behavior is { } behavior)
        {
            var b = new JsonObject();
            if (behavior.ScaleUp is { } up)
            {
                b["scaleUp"] = RulesV2(up, hasTolerance);
            }
            if (behavior.ScaleDown is { } down)
            {
                b["scaleDown"] = RulesV2(down, hasTolerance);
            }
            obj["behavior"] = b;
        }
        return obj;
    }

    private static JsonObject RulesV2(HpaScalingRules rules, bool hasTolerance)
    {
        var obj = new JsonObject();
        Put(obj, "stabilizationWindowSeconds", rules.StabilizationWindowSeconds);
        Put(obj, "selectPolicy", rules.SelectPolicy);
        if (rules.Policies is { Count: > 0 } policies)
        {
            obj["policies"] = new JsonArray(policies.Select(p => (JsonNode?)new JsonObject
            {
                ["type"] = p.Type,
                ["value"] = p.Value,
                ["periodSeconds"] = p.PeriodSeconds,
            }).ToArray());
        }
        if (hasTolerance)
        {
            Put(obj, "tolerance", rules.Tolerance);
        }
        return obj;
    }

    private static JsonObject Target(MetricTarget target)
    {
        var obj = new JsonObject { ["type"] = target.Type };
        Put(obj, "value", target.Value);
        Put(obj, "averageValue", target.AverageValue);
        Put(obj, "averageUtilization", target.AverageUtilization);
        return obj;
    }

    private static JsonObject Identifier(MetricIdentifier identifier)
    {
        var obj = new JsonObject { ["name"] = identifier.Name };
        PutSelector(obj, "selector", identifier.Selector);
        return obj;
    }

    private static JsonObject MetricV2(MetricSpec metric)
    {
        var obj = new JsonObject { ["type"] = metric.Type };
        if (metric.Object is { } o)
        {
            obj["object"] = new JsonObject
            {
                ["describedObject"] = Reference(o.DescribedObject),
                ["target"] = Target(o.Target),
                ["metric"] = Identifier(o.Metric),
            };
        }
        if (metric.Pods is { } p)
        {
            obj["pods"] = new JsonObject { ["metric"] = Identifier(p.Metric), ["target"] = Target(p.Target) };
        }
        if (metric.Resource is { } r)
        {
            obj["resource"] = new JsonObject { ["name"] = r.Name, ["target"] = Target(r.Target) };
        }
        if (metric.ContainerResource is { } c)
        {
            obj["containerResource"] = new JsonObject { ["name"] = c.Name, ["target"] = Target(c.Target), ["container"] = c.Container };
        }
        if (metric.External is { } e)
        {
            obj["external"] = new JsonObject { ["metric"] = Identifier(e.Metric), ["target"] = Target(e.Target) };
        }
        return obj;
    }

    private static JsonObject ValueStatus(MetricValueStatus current)
    {
        var obj = new JsonObject();
        Put(obj, "value", current.Value);
        Put(obj, "averageValue", current.AverageValue);
        Put(obj, "averageUtilization", current.AverageUtilization);
        return obj;
    }

    private static JsonObject MetricStatusV2(MetricStatus metric)
    {
        var obj = new JsonObject { ["type"] = metric.Type };
        if (metric.Object is { } o)
        {
            obj["object"] = new JsonObject
            {
                ["metric"] = Identifier(o.Metric),
                ["current"] = ValueStatus(o.Current),
                ["describedObject"] = Reference(o.DescribedObject),
            };
        }
        if (metric.Pods is { } p)
        {
            obj["pods"] = new JsonObject { ["metric"] = Identifier(p.Metric), ["current"] = ValueStatus(p.Current) };
        }
        if (metric.Resource is { } r)
        {
            obj["resource"] = new JsonObject { ["name"] = r.Name, ["current"] = ValueStatus(r.Current) };
        }
        if (metric.ContainerResource is { } c)
        {
            obj["containerResource"] = new JsonObject { ["name"] = c.Name, ["current"] = ValueStatus(c.Current), ["container"] = c.Container };
        }
        if (metric.External is { } e)
        {
            obj["external"] = new JsonObject { ["metric"] = Identifier(e.Metric), ["current"] = ValueStatus(e.Current) };
        }
        return obj;
    }

    private static JsonArray Conditions(IReadOnlyList<HpaCondition> conditions, bool nullTime) =>
        new(conditions.Select(c =>
        {
            var obj = new JsonObject { ["type"] = c.Type, ["status"] = c.Status };
            if (c.LastTransitionTime is { } t)
            {
                obj["lastTransitionTime"] = Time(t);
            }
            else if (nullTime)
            {
                // metav1.Time is a struct: omitempty does not drop it, so a zero time prints null.
                obj["lastTransitionTime"] = null;
            }
            Put(obj, "reason", c.Reason);
            Put(obj, "message", c.Message);
            return (JsonNode?)obj;
        }).ToArray());

    private static JsonObject StatusV2(HorizontalPodAutoscalerStatus status, bool v2)
    {
        var obj = new JsonObject();
        if (status.ObservedGeneration is { } generation)
        {
            obj["observedGeneration"] = generation;
        }
        if (status.LastScaleTime is { } last)
        {
            obj["lastScaleTime"] = Time(last);
        }
        // autoscaling/v2 made currentReplicas, currentMetrics and conditions omitempty; v2beta2 prints them.
        if (!v2 || status.CurrentReplicas != 0)
        {
            obj["currentReplicas"] = status.CurrentReplicas;
        }
        obj["desiredReplicas"] = status.DesiredReplicas;
        if (status.CurrentMetrics.Count > 0)
        {
            obj["currentMetrics"] = new JsonArray(status.CurrentMetrics.Select(m => (JsonNode?)MetricStatusV2(m)).ToArray());
        }
        else if (!v2)
        {
            obj["currentMetrics"] = null;
        }
        if (status.Conditions.Count > 0)
        {
            obj["conditions"] = Conditions(status.Conditions, nullTime: false);
        }
        else if (!v2)
        {
            obj["conditions"] = null;
        }
        return obj;
    }

    // ---- v2beta1 (and the v1 annotations) ----

    private static JsonObject SpecV2Beta1(HorizontalPodAutoscalerSpec spec)
    {
        var obj = new JsonObject { ["scaleTargetRef"] = Reference(spec.ScaleTargetRef) };
        Put(obj, "minReplicas", spec.MinReplicas);
        obj["maxReplicas"] = spec.MaxReplicas;
        if (spec.Metrics.Count > 0)
        {
            obj["metrics"] = new JsonArray(spec.Metrics.Select(m => (JsonNode?)MetricV2Beta1(m)).ToArray());
        }
        return obj;
    }

    private static JsonObject MetricV2Beta1(MetricSpec metric)
    {
        var obj = new JsonObject { ["type"] = metric.Type };
        if (metric.Object is { } o)
        {
            var item = new JsonObject
            {
                ["target"] = Reference(o.DescribedObject),
                ["metricName"] = o.Metric.Name,
                ["targetValue"] = (o.Target.Value ?? Quantity.Zero).ToString(),
            };
            PutSelector(item, "selector", o.Metric.Selector);
            Put(item, "averageValue", o.Target.AverageValue);
            obj["object"] = item;
        }
        if (metric.Pods is { } p)
        {
            var item = new JsonObject
            {
                ["metricName"] = p.Metric.Name,
                ["targetAverageValue"] = (p.Target.AverageValue ?? Quantity.Zero).ToString(),
            };
            PutSelector(item, "selector", p.Metric.Selector);
            obj["pods"] = item;
        }
        if (metric.Resource is { } r)
        {
            var item = new JsonObject { ["name"] = r.Name };
            Put(item, "targetAverageUtilization", r.Target.AverageUtilization);
            Put(item, "targetAverageValue", r.Target.AverageValue);
            obj["resource"] = item;
        }
        if (metric.ContainerResource is { } c)
        {
            var item = new JsonObject { ["name"] = c.Name };
            Put(item, "targetAverageUtilization", c.Target.AverageUtilization);
            Put(item, "targetAverageValue", c.Target.AverageValue);
            item["container"] = c.Container;
            obj["containerResource"] = item;
        }
        if (metric.External is { } e)
        {
            var item = new JsonObject { ["metricName"] = e.Metric.Name };
            PutSelector(item, "metricSelector", e.Metric.Selector);
            Put(item, "targetValue", e.Target.Value);
            Put(item, "targetAverageValue", e.Target.AverageValue);
            obj["external"] = item;
        }
        return obj;
    }

    private static JsonObject MetricStatusV2Beta1(MetricStatus metric)
    {
        var obj = new JsonObject { ["type"] = metric.Type };
        if (metric.Object is { } o)
        {
            var item = new JsonObject
            {
                ["target"] = Reference(o.DescribedObject),
                ["metricName"] = o.Metric.Name,
                ["currentValue"] = (o.Current.Value ?? Quantity.Zero).ToString(),
            };
            PutSelector(item, "selector", o.Metric.Selector);
            Put(item, "averageValue", o.Current.AverageValue);
            obj["object"] = item;
        }
        if (metric.Pods is { } p)
        {
            var item = new JsonObject
            {
                ["metricName"] = p.Metric.Name,
                ["currentAverageValue"] = (p.Current.AverageValue ?? Quantity.Zero).ToString(),
            };
            PutSelector(item, "selector", p.Metric.Selector);
            obj["pods"] = item;
        }
        if (metric.Resource is { } r)
        {
            var item = new JsonObject { ["name"] = r.Name };
            Put(item, "currentAverageUtilization", r.Current.AverageUtilization);
            item["currentAverageValue"] = (r.Current.AverageValue ?? Quantity.Zero).ToString();
            obj["resource"] = item;
        }
        if (metric.ContainerResource is { } c)
        {
            var item = new JsonObject { ["name"] = c.Name };
            Put(item, "currentAverageUtilization", c.Current.AverageUtilization);
            item["currentAverageValue"] = (c.Current.AverageValue ?? Quantity.Zero).ToString();
            item["container"] = c.Container;
            obj["containerResource"] = item;
        }
        if (metric.External is { } e)
        {
            var item = new JsonObject { ["metricName"] = e.Metric.Name };
            PutSelector(item, "metricSelector", e.Metric.Selector);
            item["currentValue"] = (e.Current.Value ?? Quantity.Zero).ToString();
            Put(item, "currentAverageValue", e.Current.AverageValue);
            obj["external"] = item;
        }
        return obj;
    }

    private static JsonObject StatusV2Beta1(HorizontalPodAutoscalerStatus status)
    {
        var obj = new JsonObject();
        if (status.ObservedGeneration is { } generation)
        {
            obj["observedGeneration"] = generation;
        }
        if (status.LastScaleTime is { } last)
        {
            obj["lastScaleTime"] = Time(last);
        }
        obj["currentReplicas"] = status.CurrentReplicas;
        obj["desiredReplicas"] = status.DesiredReplicas;
        obj["currentMetrics"] = status.CurrentMetrics.Count == 0
            ? null
            : new JsonArray(status.CurrentMetrics.Select(m => (JsonNode?)MetricStatusV2Beta1(m)).ToArray());
        obj["conditions"] = status.Conditions.Count == 0 ? null : Conditions(status.Conditions, nullTime: false);
        return obj;
    }

    /// <summary>
    /// The behavior annotation: upstream json.Marshals its internal type, which has no JSON tags, so
    /// the names are Go's and nil pointers print as null.
    /// </summary>
    public static string BehaviorAnnotation(HorizontalPodAutoscalerBehavior behavior)
    {
        static JsonNode? Rules(HpaScalingRules? rules) => rules is null
            ? null
            : new JsonObject
            {
                ["StabilizationWindowSeconds"] = rules.StabilizationWindowSeconds,
                ["SelectPolicy"] = rules.SelectPolicy,
                ["Policies"] = rules.Policies is null
                    ? null
                    : new JsonArray(rules.Policies.Select(p => (JsonNode?)new JsonObject
                    {
                        ["Type"] = p.Type,
                        ["Value"] = p.Value,
                        ["PeriodSeconds"] = p.PeriodSeconds,
                    }).ToArray()),
                ["Tolerance"] = rules.Tolerance?.ToString(),
            };
        return new JsonObject { ["ScaleUp"] = Rules(behavior.ScaleUp), ["ScaleDown"] = Rules(behavior.ScaleDown) }.ToJsonString(Compact);
    }

    // ---- v1 ----

    private static bool IsCpuUtilization(MetricSpec m) =>
        m.Type == MetricSourceType.Resource && m.Resource is { Name: HpaApi.ResourceCpu, Target.AverageUtilization: not null };

    private static JsonObject SpecV1(HorizontalPodAutoscalerSpec spec)
    {
        var obj = new JsonObject { ["scaleTargetRef"] = Reference(spec.ScaleTargetRef) };
        Put(obj, "minReplicas", spec.MinReplicas);
        obj["maxReplicas"] = spec.MaxReplicas;
        var cpu = spec.Metrics.FirstOrDefault(IsCpuUtilization);
        Put(obj, "targetCPUUtilizationPercentage", cpu?.Resource!.Target.AverageUtilization);
        return obj;
    }

    private static JsonObject StatusV1(HorizontalPodAutoscalerStatus status)
    {
        var obj = new JsonObject();
        if (status.ObservedGeneration is { } generation)
        {
            obj["observedGeneration"] = generation;
        }
        if (status.LastScaleTime is { } last)
        {
            obj["lastScaleTime"] = Time(last);
        }
        obj["currentReplicas"] = status.CurrentReplicas;
        obj["desiredReplicas"] = status.DesiredReplicas;
        var cpu = status.CurrentMetrics.LastOrDefault(m =>
            m.Type == MetricSourceType.Resource && m.Resource is { Name: HpaApi.ResourceCpu, Current.AverageUtilization: not null });
        Put(obj, "currentCPUUtilizationPercentage", cpu?.Resource!.Current.AverageUtilization);
        return obj;
    }

    // Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler: what v1 cannot hold
    // goes into annotations (compact JSON of the v1 types), so a v1 client round-trips it untouched.
    private static ObjectMeta V1Annotations(HorizontalPodAutoscaler hpa, ObjectMeta meta)
    {
        var others = hpa.Spec.Metrics.Where(m => !IsCpuUtilization(m)).ToList();
        if (others.Count > 0)
        {
            meta = WithAnnotation(meta, HpaApi.MetricSpecsAnnotation,
                new JsonArray(others.Select(m => (JsonNode?)MetricV2Beta1(m)).ToArray()).ToJsonString(Compact));
        }
        if (hpa.Status.CurrentMetrics.Count > 0)
        {
            meta = WithAnnotation(meta, HpaApi.MetricStatusesAnnotation,
                new JsonArray(hpa.Status.CurrentMetrics.Select(m => (JsonNode?)MetricStatusV2Beta1(m)).ToArray()).ToJsonString(Compact));
        }
        if (hpa.Spec.Behavior is { } behavior)
        {
            meta = WithAnnotation(meta, HpaApi.BehaviorSpecsAnnotation, BehaviorAnnotation(behavior));
        }
        if (hpa.Status.Conditions.Count > 0)
        {
            meta = WithAnnotation(meta, HpaApi.ConditionsAnnotation, Conditions(hpa.Status.Conditions, nullTime: true).ToJsonString(Compact));
        }
        return meta;
    }
}
