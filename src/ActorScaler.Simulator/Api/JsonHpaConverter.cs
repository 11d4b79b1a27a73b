using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// HPA conversion on the JSON form, following pkg/apis/autoscaling/v1/conversion.go and
/// v2beta1/conversion.go: v2beta2 is v2 under another name; v1 carries the CPU target in
/// targetCPUUtilizationPercentage and every other metric, current metric and condition in the
/// autoscaling.alpha.kubernetes.io annotations so that a v1 round trip loses nothing; v2beta1
/// spells targets as targetAverageUtilization / targetAverageValue / targetValue.
/// </summary>
internal sealed class JsonHpaConverter : IHpaConverter
{
    public const string MetricsAnnotation = "autoscaling.alpha.kubernetes.io/metrics";
    public const string CurrentMetricsAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics";
    public const string ConditionsAnnotation = "autoscaling.alpha.kubernetes.io/conditions";
    public const string BehaviorAnnotation = "autoscaling.alpha.kubernetes.io/behavior";

    public JsonObject ToV2(JsonObject obj, string fromVersion)
    {
        obj["apiVersion"] = "autoscaling/v2";
        switch (fromVersion)
        {
            case "v2beta2":
                return obj;
            case "v2beta1":
                if (obj["spec"] is JsonObject spec && spec["metrics"] is JsonArray metrics)
                {
                    spec["metrics"] = new JsonArray(metrics.Select(m => (JsonNode?)V2Beta1MetricToV2(m as JsonObject)).ToArray());
                }
                if (obj["status"] is JsonObject status && status["currentMetrics"] is JsonArray current)
                {
                    status["currentMetrics"] = new JsonArray(current.Select(m => (JsonNode?)V2Beta1StatusToV2(m as JsonObject)).ToArray());
                }
                return obj;
            case "v1":
                return V1ToV2(obj);
            default:
                return obj;
        }
    }

    public JsonObject FromV2(JsonObject v2, string toVersion)
    {
        v2["apiVersion"] = "autoscaling/" + toVersion;
        switch (toVersion)
        {
            case "v2beta1":
                if (v2["spec"] is JsonObject spec)
                {
                    spec.Remove("behavior");
                    if (spec["metrics"] is JsonArray metrics)
                    {
                        spec["metrics"] = new JsonArray(metrics.Select(m => (JsonNode?)V2MetricToV2Beta1(m as JsonObject)).ToArray());
                    }
                }
                if (v2["status"] is JsonObject status && status["currentMetrics"] is JsonArray current)
                {
                    status["currentMetrics"] = new JsonArray(current.Select(m => (JsonNode?)V2StatusToV2Beta1(m as JsonObject)).ToArray());
                }
                return v2;
            case "v1":
                return V2ToV1(v2);
            default:
                return v2;
        }
    }

    private static JsonObject V1ToV2(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        obj["spec"] = spec;
        var annotations = obj["metadata"]?["annotations"] as JsonObject;
        var metrics = new JsonArray();
        if (spec["targetCPUUtilizationPercentage"] is { } cpu)
        {
            metrics.Add(ResourceMetric("cpu", "target", new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = cpu.DeepClone() }));
        }
        spec.Remove("targetCPUUtilizationPercentage");
        if (TakeAnnotation(annotations, MetricsAnnotation) is JsonArray extra)
        {
            foreach (var m in extra) metrics.Add(V2Beta1MetricToV2(m as JsonObject));
        }
        if (metrics.Count > 0) spec["metrics"] = metrics;
        if (TakeAnnotation(annotations, BehaviorAnnotation) is JsonObject behavior) spec["behavior"] = behavior;

        var status = obj["status"] as JsonObject;
        if (status is not null)
        {
            var current = new JsonArray();
            if (status["currentCPUUtilizationPercentage"] is { } currentCpu)
            {
                current.Add(ResourceMetric("cpu", "current", new JsonObject { ["averageUtilization"] = currentCpu.DeepClone() }));
            }
            status.Remove("currentCPUUtilizationPercentage");
            if (TakeAnnotation(annotations, CurrentMetricsAnnotation) is JsonArray extraCurrent)
            {
                foreach (var m in extraCurrent) current.Add(V2Beta1StatusToV2(m as JsonObject));
            }
            if (current.Count > 0) status["currentMetrics"] = current;
            if (TakeAnnotation(annotations, ConditionsAnnotation) is JsonArray conditions) status["conditions"] = conditions;
        }
        else
        {
            TakeAnnotation(annotations, CurrentMetricsAnnotation);
            TakeAnnotation(annotations, ConditionsAnnotation);
        }
        if (annotations is { Count: 0 }) (obj["metadata"] as JsonObject)?.Remove("annotations");
        return obj;
    }

    private static JsonObject V2ToV1(JsonObject obj)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        var meta = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = meta;
        var others = new JsonArray();
        JsonNode? cpuTarget = null;
        if (spec["metrics"] is JsonArray metrics)
        {
            foreach (var m in metrics.OfType<JsonObject>())
            {
                var isCpuUtilization = (string?)m["type"] == "Resource" && (string?)m["resource"]?["name"] == "cpu"
                    && (string?)m["resource"]?["target"]?["type"] == "Utilization" && cpuTarget is null;
                if (isCpuUtilization) cpuTarget = m["resource"]!["target"]!["averageUtilization"]?.DeepClone();
                else others.Add(V2MetricToV2Beta1(m));
            }
        }
        spec.Remove("metrics");
        if (cpuTarget is not null) spec["targetCPUUtilizationPercentage"] = cpuTarget;
        var annotations = meta["annotations"] as JsonObject ?? [];
        if (others.Count > 0) annotations[MetricsAnnotation] = others.ToJsonString(WireJson.Options);
        if (spec["behavior"] is JsonObject behavior)
        {
            annotations[BehaviorAnnotation] = behavior.ToJsonString(WireJson.Options);
            spec.Remove("behavior");
        }
        if (obj["status"] is JsonObject status)
        {
            var otherCurrent = new JsonArray();
            if (status["currentMetrics"] is JsonArray current)
            {
                foreach (var m in current.OfType<JsonObject>())
                {
                    if ((string?)m["type"] == "Resource" && (string?)m["resource"]?["name"] == "cpu"
                        && m["resource"]?["current"]?["averageUtilization"] is { } u && status["currentCPUUtilizationPercentage"] is null)
                    {
                        status["currentCPUUtilizationPercentage"] = u.DeepClone();
                    }
                    else
                    {
                        otherCurrent.Add(V2StatusToV2Beta1(m));
                    }
                }
                status.Remove("currentMetrics");
            }
            if (otherCurrent.Count > 0) annotations[CurrentMetricsAnnotation] = otherCurrent.ToJsonString(WireJson.Options);
            if (status["conditions"] is JsonArray conditions)
            {
                annotations[ConditionsAnnotation] = conditions.ToJsonString(WireJson.Options);
                status.Remove("conditions");
            }
        }
        if (annotations.Count > 0) meta["annotations"] = annotations;
        return obj;
    }

    private static JsonNode? TakeAnnotation(JsonObject? annotations, string key)
    {
        if (annotations?[key] is not JsonValue value || !value.TryGetValue<string>(out var text)) return null;
        annotations.Remove(key);
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject ResourceMetric(string name, string field, JsonObject value) => new()
    {
        ["type"] = "Resource",
        ["resource"] = new JsonObject { ["name"] = name, [field] = value },
    };

    // v2beta1 source fields → (v2 source name, has selector field name).
    private static JsonObject? V2Beta1MetricToV2(JsonObject? m)
    {
        if (m is null) return null;
        var type = (string?)m["type"] ?? "";
        var result = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "Resource":
            case "ContainerResource":
            {
                var key = type == "Resource" ? "resource" : "containerResource";
                var src = m[key] as JsonObject ?? [];
                var dst = new JsonObject { ["name"] = src["name"]?.DeepClone() };
                if (src["container"] is { } c) dst["container"] = c.DeepClone();
                dst["target"] = src["targetAverageUtilization"] is { } u
                    ? new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = u.DeepClone() }
                    : new JsonObject { ["type"] = "AverageValue", ["averageValue"] = src["targetAverageValue"]?.DeepClone() };
                result[key] = dst;
                break;
            }
            case "Pods":
            {
                var src = m["pods"] as JsonObject ?? [];
                result["pods"] = new JsonObject
                {
                    ["metric"] = Identifier(src["metricName"], src["selector"]),
                    ["target"] = new JsonObject { ["type"] = "AverageValue", ["averageValue"] = src["targetAverageValue"]?.DeepClone() },
                };
                break;
            }
            case "Object":
            {
                var src = m["object"] as JsonObject ?? [];
                var target = src["averageValue"] is { } av
                    ? new JsonObject { ["type"] = "AverageValue", ["averageValue"] = av.DeepClone() }
                    : new JsonObject { ["type"] = "Value", ["value"] = src["targetValue"]?.DeepClone() };
                result["object"] = new JsonObject
                {
                    ["describedObject"] = src["target"]?.DeepClone(),
                    ["metric"] = Identifier(src["metricName"], src["selector"]),
                    ["target"] = target,
                };
                break;
            }
            case "External":
            {
                var src = m["external"] as JsonObject ?? [];
                var target = src["targetAverageValue"] is { } av
                    ? new JsonObject { ["type"] = "AverageValue", ["averageValue"] = av.DeepClone() }
                    : new JsonObject { ["type"] = "Value", ["value"] = src["targetValue"]?.DeepClone() };
                result["external"] = new JsonObject
                {
                    ["metric"] = Identifier(src["metricName"], src["metricSelector"]),
                    ["target"] = target,
                };
                break;
            }
            default:
                return (JsonObject)m.DeepClone();
        }
        return result;
    }

    private static JsonObject? V2MetricToV2Beta1(JsonObject? m)
    {
        if (m is null) return null;
        var type = (string?)m["type"] ?? "";
        var result = new JsonObject { ["type"] = type };
        switch (type)
        {
            case "Resource":
            case "ContainerResource":
            {
                var key = type == "Resource" ? "resource" : "containerResource";
                var src = m[key] as JsonObject ?? [];
                var dst = new JsonObject { ["name"] = src["name"]?.DeepClone() };
                if (src["container"] is { } c) dst["container"] = c.DeepClone();
                if (src["target"]?["averageUtilization"] is { } u) dst["targetAverageUtilization"] = u.DeepClone();
                if (src["target"]?["averageValue"] is { } av) dst["targetAverageValue"] = av.DeepClone();
                result[key] = dst;
                break;
            }
            case "Pods":
            {
                var src = m["pods"] as JsonObject ?? [];
                var dst = new JsonObject { ["metricName"] = src["metric"]?["name"]?.DeepClone() };
                if (src["metric"]?["selector"] is { } s) dst["selector"] = s.DeepClone();
                dst["targetAverageValue"] = src["target"]?["averageValue"]?.DeepClone();
                result["pods"] = dst;
                break;
            }
            case "Object":
            {
                var src = m["object"] as JsonObject ?? [];
                var dst = new JsonObject
                {
                    ["target"] = src["describedObject"]?.DeepClone(),
                    ["metricName"] = src["metric"]?["name"]?.DeepClone(),
                    ["targetValue"] = src["target"]?["value"]?.DeepClone(),
                };
                if (src["metric"]?["selector"] is { } s) dst["selector"] = s.DeepClone();
                if (src["target"]?["averageValue"] is { } av) dst["averageValue"] = av.DeepClone();
                result["object"] = dst;
                break;
            }
            case "External":
            {
                var src = m["external"] as JsonObject ?? [];
                var dst = new JsonObject { ["metricName"] = src["metric"]?["name"]?.DeepClone() };
                if (src["metric"]?["selector"] is { } s) dst["metricSelector"] = s.DeepClone();
                if (src["target"]?["value"] is { } v) dst["targetValue"] = v.DeepClone();
                if (src["target"]?["averageValue"] is { } av) dst["targetAverageValue"] = av.DeepClone();
                result["external"] = dst;
                break;
            }
            default:
                return (JsonObject)m.DeepClone();
        }
        return result;
    }

    private static JsonObject? V2Beta1StatusToV2(JsonObject? m)
    {
        if (m is null) return null;
        var type = (string?)m["type"] ?? "";
        var key = SourceKey(type);
        if (key is null || m[key] is not JsonObject src) return (JsonObject)m.DeepClone();
        var current = new JsonObject();
        if (src["currentAverageUtilization"] is { } u) current["averageUtilization"] = u.DeepClone();
        if (src["currentAverageValue"] is { } av) current["averageValue"] = av.DeepClone();
        if (src["averageValue"] is { } oav) current["averageValue"] = oav.DeepClone();
        if (src["currentValue"] is { } v) current["value"] = v.DeepClone();
        var dst = new JsonObject();
        switch (type)
        {
            case "Resource":
            case "ContainerResource":
                dst["name"] = src["name"]?.DeepClone();
                if (src["container"] is { } c) dst["container"] = c.DeepClone();
                break;
            case "Object":
                dst["describedObject"] = src["target"]?.DeepClone();
                dst["metric"] = Identifier(src["metricName"], src["selector"]);
                break;
            case "External":
                dst["metric"] = Identifier(src["metricName"], src["metricSelector"]);
                break;
            default:
                dst["metric"] = Identifier(src["metricName"], src["selector"]);
                break;
        }
        dst["current"] = current;
        return new JsonObject { ["type"] = type, [key] = dst };
    }

    private static JsonObject? V2StatusToV2Beta1(JsonObject? m)
    {
        if (m is null) return null;
        var type = (string?)m["type"] ?? "";
        var key = SourceKey(type);
        if (key is null || m[key] is not JsonObject src) return (JsonObject)m.DeepClone();
        var current = src["current"] as JsonObject ?? [];
        var dst = new JsonObject();
        switch (type)
        {
            case "Resource":
            case "ContainerResource":
                dst["name"] = src["name"]?.DeepClone();
                if (src["container"] is { } c) dst["container"] = c.DeepClone();
                if (current["averageUtilization"] is { } u) dst["currentAverageUtilization"] = u.DeepClone();
                dst["currentAverageValue"] = current["averageValue"]?.DeepClone();
                break;
            case "Pods":
                dst["metricName"] = src["metric"]?["name"]?.DeepClone();
                if (src["metric"]?["selector"] is { } ps) dst["selector"] = ps.DeepClone();
                dst["currentAverageValue"] = current["averageValue"]?.DeepClone();
                break;
            case "Object":
                dst["target"] = src["describedObject"]?.DeepClone();
                dst["metricName"] = src["metric"]?["name"]?.DeepClone();
                if (src["metric"]?["selector"] is { } os) dst["selector"] = os.DeepClone();
                dst["currentValue"] = current["value"]?.DeepClone();
                if (current["averageValue"] is { } oav) dst["averageValue"] = oav.DeepClone();
                break;
            default:
                dst["metricName"] = src["metric"]?["name"]?.DeepClone();
                if (src["metric"]?["selector"] is { } es) dst["metricSelector"] = es.DeepClone();
                if (current["value"] is { } ev) dst["currentValue"] = ev.DeepClone();
                if (current["averageValue"] is { } eav) dst["currentAverageValue"] = eav.DeepClone();
                break;
        }
        return new JsonObject { ["type"] = type, [key] = dst };
    }

    private static string? SourceKey(string type) => type switch
    {
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "Pods" => "pods",
        "Object" => "object",
        "External" => "external",
        _ => null,
    };

    private static JsonObject Identifier(JsonNode? name, JsonNode? selector)
    {
        var id = new JsonObject { ["name"] = name?.DeepClone() };
        if (selector is not null) id["selector"] = selector.DeepClone();
        return id;
    }
}
