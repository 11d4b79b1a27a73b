using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// The autoscaling validation rules (pkg/apis/autoscaling/validation/validation.go) on the stored
/// v2 JSON, with upstream's messages, so a rejected HPA reads exactly as from kube-apiserver.
/// </summary>
internal static class HpaValidation
{
    private const string Required = "FieldValueRequired";
    private const string Invalid = "FieldValueInvalid";
    private const string NotSupported = "FieldValueNotSupported";
    private const int MaxPeriodSeconds = 1800;
    private const int MaxStabilizationWindowSeconds = 3600;

    private static readonly string[] MetricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"];
    private static readonly string[] TargetTypes = ["AverageValue", "Utilization", "Value"];
    private static readonly string[] SelectPolicies = ["Disabled", "Max", "Min"];
    private static readonly string[] PolicyTypes = ["Percent", "Pods"];

    public static IReadOnlyList<StatusCause> Validate(JsonObject hpa)
    {
        var errors = new List<StatusCause>();
        var spec = hpa["spec"] as JsonObject ?? [];
        var target = spec["scaleTargetRef"] as JsonObject ?? [];
        if (string.IsNullOrEmpty((string?)target["kind"])) errors.Add(new(Required, "Required value", "spec.scaleTargetRef.kind"));
        if (string.IsNullOrEmpty((string?)target["name"])) errors.Add(new(Required, "Required value", "spec.scaleTargetRef.name"));
        else if (PathSegmentProblem((string)target["name"]!) is { } problem)
        {
            errors.Add(new(Invalid, $"Invalid value: \"{(string?)target["name"]}\": {problem}", "spec.scaleTargetRef.name"));
        }

        var metrics = spec["metrics"] as JsonArray ?? [];
        var min = (long?)Number(spec["minReplicas"]);
        var max = (long?)Number(spec["maxReplicas"]) ?? 0;
        var allowsZero = metrics.OfType<JsonObject>().Any(m => (string?)m["type"] is "Object" or "External");
        if (min is { } minimum && (minimum < 0 || (minimum == 0 && !allowsZero)))
        {
            errors.Add(new(Invalid, $"Invalid value: {minimum}: must be greater than or equal to 1", "spec.minReplicas"));
        }
        if (max < 1) errors.Add(new(Invalid, $"Invalid value: {max}: must be greater than or equal to 1", "spec.maxReplicas"));
        if (min is { } lo && max < lo)
        {
            errors.Add(new(Invalid, $"Invalid value: {max}: must be greater than or equal to `minReplicas`", "spec.maxReplicas"));
        }

        for (var i = 0; i < metrics.Count; i++)
        {
            ValidateMetric(metrics[i] as JsonObject ?? [], $"spec.metrics[{i}]", errors);
        }

        if (spec["behavior"] is JsonObject behavior)
        {
            foreach (var direction in new[] { "scaleUp", "scaleDown" })
            {
                if (behavior[direction] is JsonObject rules) ValidateRules(rules, $"spec.behavior.{direction}", errors);
            }
        }
        return errors;
    }

    private static void ValidateMetric(JsonObject metric, string path, List<StatusCause> errors)
    {
        var type = (string?)metric["type"] ?? "";
        if (type.Length == 0)
        {
            errors.Add(new(Required, "Required value: must specify a metric source type", $"{path}.type"));
            return;
        }
        if (!MetricTypes.Contains(type))
        {
            errors.Add(new(NotSupported, $"Unsupported value: \"{type}\": supported values: {string.Join(", ", MetricTypes.Select(t => $"\"{t}\""))}", $"{path}.type"));
            return;
        }
        var key = char.ToLowerInvariant(type[0]) + type[1..];
        if (metric[key] is not JsonObject source)
        {
            errors.Add(new(Required, $"Required value: must populate information for the given metric source", $"{path}.{key}"));
            return;
        }
        var sourcePath = $"{path}.{key}";
        if (type is "Resource" or "ContainerResource" && string.IsNullOrEmpty((string?)source["name"]))
        {
            errors.Add(new(Required, "Required value: must specify a resource name", $"{sourcePath}.name"));
        }
        if (type == "ContainerResource" && string.IsNullOrEmpty((string?)source["container"]))
        {
            errors.Add(new(Required, "Required value: must specify a container", $"{sourcePath}.container"));
        }
        if (type is "Pods" or "Object" or "External" && string.IsNullOrEmpty((string?)source["metric"]?["name"]))
        {
            errors.Add(new(Required, "Required value: must specify a metric name", $"{sourcePath}.metric.name"));
        }
        if (type == "Object")
        {
            var described = source["describedObject"] as JsonObject ?? [];
            if (string.IsNullOrEmpty((string?)described["kind"])) errors.Add(new(Required, "Required value", $"{sourcePath}.describedObject.kind"));
            if (string.IsNullOrEmpty((string?)described["name"])) errors.Add(new(Required, "Required value", $"{sourcePath}.describedObject.name"));
        }
        var targetPath = $"{sourcePath}.target";
        var target = source["target"] as JsonObject ?? [];
        var targetType = (string?)target["type"] ?? "";
        if (targetType.Length == 0)
        {
            errors.Add(new(Required, "Required value: must specify a metric target type", $"{targetPath}.type"));
        }
        else if (!TargetTypes.Contains(targetType))
        {
            errors.Add(new(NotSupported, $"Unsupported value: \"{targetType}\": supported values: {string.Join(", ", TargetTypes.Select(t => $"\"{t}\""))}", $"{targetPath}.type"));
        }
        if (Number(target["averageUtilization"]) is { } u && u < 1)
        {
            errors.Add(new(Invalid, $"Invalid value: {u.ToString(CultureInfo.InvariantCulture)}: must be greater than 0", $"{targetPath}.averageUtilization"));
        }
        var hasValue = target["value"] is not null || target["averageValue"] is not null || target["averageUtilization"] is not null;
        if (targetType.Length > 0 && !hasValue)
        {
            errors.Add(new(Required, "Required value: must set either a target raw value, a target average value, or a target percentage", targetPath));
        }
    }

    private static void ValidateRules(JsonObject rules, string path, List<StatusCause> errors)
    {
        if (Number(rules["stabilizationWindowSeconds"]) is { } w && (w < 0 || w > MaxStabilizationWindowSeconds))
        {
            var detail = w < 0 ? "must be greater than or equal to zero" : $"must be less than or equal to {MaxStabilizationWindowSeconds}";
            errors.Add(new(Invalid, $"Invalid value: {w.ToString(CultureInfo.InvariantCulture)}: {detail}", $"{path}.stabilizationWindowSeconds"));
        }
        if ((string?)rules["selectPolicy"] is { } select && !SelectPolicies.Contains(select))
        {
            errors.Add(new(NotSupported, $"Unsupported value: \"{select}\": supported values: {string.Join(", ", SelectPolicies.Select(t => $"\"{t}\""))}", $"{path}.selectPolicy"));
        }
        var policies = rules["policies"] as JsonArray;
        if (policies is { Count: 0 }) errors.Add(new(Required, "Required value: must specify at least one Policy", $"{path}.policies"));
        for (var i = 0; policies is not null && i < policies.Count; i++)
        {
            var p = policies[i] as JsonObject ?? [];
            var pp = $"{path}.policies[{i}]";
            var type = (string?)p["type"] ?? "";
            if (!PolicyTypes.Contains(type))
            {
                errors.Add(new(NotSupported, $"Unsupported value: \"{type}\": supported values: {string.Join(", ", PolicyTypes.Select(t => $"\"{t}\""))}", $"{pp}.type"));
            }
            var value = Number(p["value"]) ?? 0;
            if (value <= 0) errors.Add(new(Invalid, $"Invalid value: {value.ToString(CultureInfo.InvariantCulture)}: must be greater than zero", $"{pp}.value"));
            var period = Number(p["periodSeconds"]) ?? 0;
            if (period <= 0) errors.Add(new(Invalid, $"Invalid value: {period.ToString(CultureInfo.InvariantCulture)}: must be greater than zero", $"{pp}.periodSeconds"));
            else if (period > MaxPeriodSeconds)
            {
                errors.Add(new(Invalid, $"Invalid value: {period.ToString(CultureInfo.InvariantCulture)}: must be less than or equal to {MaxPeriodSeconds}", $"{pp}.periodSeconds"));
            }
        }
    }

    private static double? Number(JsonNode? n) => JsonNumbers.Double(n);

    // path.IsValidPathSegmentName.
    private static string? PathSegmentProblem(string name) =>
        name is "." or ".." ? $"may not be '{name}'"
        : name.Contains('/', StringComparison.Ordinal) ? "may not contain '/'"
        : name.Contains('%', StringComparison.Ordinal) ? "may not contain '%'"
        : null;
}
