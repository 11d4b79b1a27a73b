using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorScaler.Core.Validation;
using ActorScaler.Simulator.Storage;

namespace ActorScaler.Simulator.Api;

/// <summary>
/// The parts of kube-apiserver's validation (pkg/apis/*/validation) that the kinds of deploy/ go through:
/// object names by kind, labels, and the field rules of StatefulSets, Services, PodDisruptionBudgets,
/// RBAC roles and bindings, ConfigMaps and APIServices. Applied on create and update, dry run or not, so
/// `kubectl apply --dry-run=server` rejects what a cluster would reject (422 Invalid, one cause per field,
/// upstream's texts). Kinds without rules here are accepted as before.
/// </summary>
internal static partial class ObjectValidation
{
    private const string Dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    private const int Dns1035LabelMaxLength = 63;
    // IANA_SVC_NAME (validation.IsValidPortName).
    private const int PortNameMaxLength = 15;
    private const string ConfigMapKeyFmt = "[-._a-zA-Z0-9]+";
    private const string ConfigMapKeyErrMsg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";

    private static readonly string[] PodManagementPolicies = ["OrderedReady", "Parallel"];
    private static readonly string[] SubjectKinds = ["ServiceAccount", "User", "Group"];

    public static void Validate(ApiResource r, JsonObject obj)
    {
        var errors = new List<StatusCause>();
        var meta = obj["metadata"] as JsonObject ?? [];
        var name = (string?)meta["name"] ?? "";
        var rules = Rules(r);
        if (rules is null)
            return;
        ValidateName(r, name, errors);
        ValidateLabels(meta["labels"] as JsonObject, "metadata.labels", errors);
        rules(obj, name, errors);
        if (errors.Count > 0)
            throw StatusException.Invalid(r.Group, r.Kind, name, errors);
    }

    private static Action<JsonObject, string, List<StatusCause>>? Rules(ApiResource r) => (r.Group, r.Resource) switch
    {
        ("apps", "statefulsets") => StatefulSet,
        ("", "services") => Service,
        ("", "configmaps") => ConfigMap,
        ("", "serviceaccounts") or ("", "namespaces") => (_, _, _) => { },
        ("policy", "poddisruptionbudgets") => PodDisruptionBudget,
        ("rbac.authorization.k8s.io", "clusterroles" or "roles") => Role,
        ("rbac.authorization.k8s.io", "clusterrolebindings" or "rolebindings") => (o, _, e) => Binding(o, r.Resource == "clusterrolebindings", e),
        ("apiregistration.k8s.io", "apiservices") => ApiService,
        _ => null,
    };

    private static void ValidateName(ApiResource r, string name, List<StatusCause> errors)
    {
        if (name.Length == 0)
            return; // the store reports a missing name
        var messages = (r.Group, r.Resource) switch
        {
            ("", "services") => IsDns1035Label(name),
            ("", "namespaces") => NameValidation.IsDns1123Label(name),
            // RBAC names are path segments (ValidateRBACName = path.IsValidPathSegmentName).
            ("rbac.authorization.k8s.io", _) => IsPathSegmentName(name),
            // APIService names are checked against their spec below.
            ("apiregistration.k8s.io", _) => [],
            _ => NameValidation.IsDns1123Subdomain(name),
        };
        foreach (var message in messages)
            errors.Add(Invalid("metadata.name", Quote(name), message));
    }

    private static void ValidateLabels(JsonObject? labels, string path, List<StatusCause> errors)
    {
        if (labels is null)
            return;
        foreach (var (key, value) in labels)
        {
            foreach (var message in NameValidation.IsQualifiedName(key))
                errors.Add(Invalid(path, Quote(key), message));
            var text = value?.ToString() ?? "";
            foreach (var message in NameValidation.IsValidLabelValue(text))
                errors.Add(Invalid(path, Quote(text), message));
        }
    }

    private static void StatefulSet(JsonObject obj, string name, List<StatusCause> errors)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        if (Number(spec["replicas"]) is < 0 and var replicas)
            errors.Add(Invalid("spec.replicas", replicas.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0"));
        if ((string?)spec["podManagementPolicy"] is { } policy && !PodManagementPolicies.Contains(policy))
            errors.Add(Invalid("spec.podManagementPolicy", Quote(policy), $"must be '{PodManagementPolicies[0]}' or '{PodManagementPolicies[1]}'"));
        var selector = spec["selector"] as JsonObject;
        var matchLabels = selector?["matchLabels"] as JsonObject;
        var hasExpressions = selector?["matchExpressions"] is JsonArray { Count: > 0 };
        if (selector is null || ((matchLabels is null || matchLabels.Count == 0) && !hasExpressions))
            errors.Add(Invalid("spec.selector", "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}", "empty selector is invalid for statefulset"));
        var template = spec["template"] as JsonObject ?? [];
        var templateLabels = template["metadata"]?["labels"] as JsonObject;
        ValidateLabels(templateLabels, "spec.template.metadata.labels", errors);
        if (matchLabels is not null && !hasExpressions && matchLabels.Any(p => (string?)templateLabels?[p.Key] != p.Value?.ToString()))
            errors.Add(Invalid("spec.template.metadata.labels", GoMap(templateLabels), "`selector` does not match template `labels`"));
        PodSpec(template["spec"] as JsonObject ?? [], "spec.template.spec", errors);
    }

    private static void PodSpec(JsonObject spec, string path, List<StatusCause> errors)
    {
        var volumes = (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>().Select(v => (string?)v["name"] ?? "").ToHashSet(StringComparer.Ordinal);
        if (spec["containers"] is not JsonArray { Count: > 0 } containers)
        {
            errors.Add(Required($"{path}.containers", ""));
            return;
        }
        for (var i = 0; i < containers.Count; i++)
        {
            var container = containers[i] as JsonObject ?? [];
            var at = $"{path}.containers[{i}]";
            var containerName = (string?)container["name"] ?? "";
            if (containerName.Length == 0)
                errors.Add(Required($"{at}.name", ""));
            else
                errors.AddRange(NameValidation.IsDns1123Label(containerName).Select(m => Invalid($"{at}.name", Quote(containerName), m)));
            if (string.IsNullOrWhiteSpace((string?)container["image"]))
                errors.Add(Required($"{at}.image", ""));
            var ports = container["ports"] as JsonArray ?? [];
            for (var p = 0; p < ports.Count; p++)
            {
                var port = ports[p] as JsonObject ?? [];
                if (Number(port["containerPort"]) is not (>= 1 and <= 65535) and var value)
                    errors.Add(Invalid($"{at}.ports[{p}].containerPort", value.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
                if ((string?)port["name"] is { } portName)
                    errors.AddRange(IsValidPortName(portName).Select(m => Invalid($"{at}.ports[{p}].name", Quote(portName), m)));
            }
            var mounts = container["volumeMounts"] as JsonArray ?? [];
            for (var m = 0; m < mounts.Count; m++)
            {
                var mountName = (string?)mounts[m]?["name"] ?? "";
                if (!volumes.Contains(mountName))
                    errors.Add(new StatusCause("FieldValueNotFound", $"Not found: {Quote(mountName)}", $"{at}.volumeMounts[{m}].name"));
            }
        }
    }

    private static void Service(JsonObject obj, string name, List<StatusCause> errors)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        var headless = (string?)spec["clusterIP"] == "None";
        var ports = spec["ports"] as JsonArray ?? [];
        if (ports.Count == 0 && !headless && (string?)spec["type"] != "ExternalName")
            errors.Add(Required("spec.ports", ""));
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i] as JsonObject ?? [];
            var at = $"spec.ports[{i}]";
            var portName = (string?)port["name"] ?? "";
            if (ports.Count > 1 && portName.Length == 0)
                errors.Add(Required($"{at}.name", ""));
            else if (portName.Length > 0 && !names.Add(portName))
                errors.Add(new StatusCause("FieldValueDuplicate", $"Duplicate value: {Quote(portName)}", $"{at}.name"));
            if (Number(port["port"]) is not (>= 1 and <= 65535) and var value)
                errors.Add(Invalid($"{at}.port", value.ToString(CultureInfo.InvariantCulture), "must be between 1 and 65535, inclusive"));
            if (port["targetPort"] is JsonValue target && target.TryGetValue<string>(out var targetName))
                errors.AddRange(IsValidPortName(targetName).Select(m => Invalid($"{at}.targetPort", Quote(targetName), m)));
        }
    }

    private static void ConfigMap(JsonObject obj, string name, List<StatusCause> errors)
    {
        foreach (var section in new[] { "data", "binaryData" })
        {
            foreach (var (key, _) in obj[section] as JsonObject ?? [])
            {
                if (!ConfigMapKey().IsMatch(key))
                    errors.Add(Invalid($"{section}[{key}]", Quote(key), NameValidation.RegexError(ConfigMapKeyErrMsg, ConfigMapKeyFmt, "key.name", "KEY_NAME", "key-name")));
            }
        }
    }

    private static void PodDisruptionBudget(JsonObject obj, string name, List<StatusCause> errors)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        if (spec["minAvailable"] is not null && spec["maxUnavailable"] is not null)
            errors.Add(Invalid("spec", GoMap(null), "minAvailable and maxUnavailable cannot be both set"));
        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            if (spec[field] is JsonValue value && value.TryGetValue<long>(out var n) && n < 0)
                errors.Add(Invalid($"spec.{field}", n.ToString(CultureInfo.InvariantCulture), "must be greater than or equal to 0"));
        }
    }

    private static void Role(JsonObject obj, string name, List<StatusCause> errors)
    {
        var rules = obj["rules"] as JsonArray ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i] as JsonObject ?? [];
            if (rule["verbs"] is not JsonArray { Count: > 0 })
                errors.Add(Required($"rules[{i}].verbs", "verbs must contain at least one value"));
            var hasResources = rule["resources"] is JsonArray { Count: > 0 };
            var hasUrls = rule["nonResourceURLs"] is JsonArray { Count: > 0 };
            if (hasResources && rule["apiGroups"] is not JsonArray { Count: > 0 })
                errors.Add(Required($"rules[{i}].apiGroups", "resource rules must supply at least one api group"));
            if (!hasResources && !hasUrls)
                errors.Add(Required($"rules[{i}].resources", "resource rules must supply at least one resource"));
        }
    }

    private static void Binding(JsonObject obj, bool clusterScoped, List<StatusCause> errors)
    {
        var roleRef = obj["roleRef"] as JsonObject ?? [];
        var kind = (string?)roleRef["kind"] ?? "";
        if (clusterScoped ? kind != "ClusterRole" : kind is not ("Role" or "ClusterRole"))
            errors.Add(new StatusCause("FieldValueNotSupported", $"Unsupported value: {Quote(kind)}: supported values: {(clusterScoped ? "\"ClusterRole\"" : "\"Role\", \"ClusterRole\"")}", "roleRef.kind"));
        if ((string?)roleRef["apiGroup"] != "rbac.authorization.k8s.io")
            errors.Add(new StatusCause("FieldValueNotSupported", $"Unsupported value: {Quote((string?)roleRef["apiGroup"] ?? "")}: supported values: \"rbac.authorization.k8s.io\"", "roleRef.apiGroup"));
        if (string.IsNullOrEmpty((string?)roleRef["name"]))
            errors.Add(Required("roleRef.name", ""));
        var subjects = obj["subjects"] as JsonArray ?? [];
        for (var i = 0; i < subjects.Count; i++)
        {
            var subject = subjects[i] as JsonObject ?? [];
            var subjectKind = (string?)subject["kind"] ?? "";
            if (!SubjectKinds.Contains(subjectKind))
                errors.Add(new StatusCause("FieldValueNotSupported", $"Unsupported value: {Quote(subjectKind)}: supported values: \"ServiceAccount\", \"User\", \"Group\"", $"subjects[{i}].kind"));
            if (string.IsNullOrEmpty((string?)subject["name"]))
                errors.Add(Required($"subjects[{i}].name", ""));
            if (subjectKind == "ServiceAccount" && clusterScoped && string.IsNullOrEmpty((string?)subject["namespace"]))
                errors.Add(Required($"subjects[{i}].namespace", ""));
        }
    }

    private static void ApiService(JsonObject obj, string name, List<StatusCause> errors)
    {
        var spec = obj["spec"] as JsonObject ?? [];
        var group = (string?)spec["group"] ?? "";
        var version = (string?)spec["version"] ?? "";
        if (version.Length == 0)
            errors.Add(Required("spec.version", ""));
        var expected = $"{version}.{group}";
        if (name != expected)
            errors.Add(Invalid("metadata.name", Quote(name), $"must be {expected}"));
        if (Number(spec["groupPriorityMinimum"]) is not (>= 1 and <= 20000) and var groupPriority)
            errors.Add(Invalid("spec.groupPriorityMinimum", groupPriority.ToString(CultureInfo.InvariantCulture), "must be positive and less than 20000"));
        if (Number(spec["versionPriority"]) is not (>= 1 and <= 1000) and var versionPriority)
            errors.Add(Invalid("spec.versionPriority", versionPriority.ToString(CultureInfo.InvariantCulture), "must be positive and less than 1000"));
        if ((bool?)spec["insecureSkipTLSVerify"] == true && spec["caBundle"] is JsonValue ca && ((string?)ca)?.Length > 0)
            errors.Add(Invalid("spec.insecureSkipTLSVerify", "true", "may not be true if caBundle is present"));
    }

    private static List<string> IsDns1035Label(string value)
    {
        var errors = new List<string>();
        if (value.Length > Dns1035LabelMaxLength)
            errors.Add(NameValidation.MaxLenError(Dns1035LabelMaxLength));
        if (!Dns1035Label().IsMatch(value))
            errors.Add(NameValidation.RegexError(Dns1035LabelErrMsg, Dns1035LabelFmt, "my-name", "abc-123"));
        return errors;
    }

    private static List<string> IsPathSegmentName(string value)
    {
        if (value is "." or "..")
            return [$"may not be '{value}'"];
        foreach (var illegal in new[] { "/", "%" })
        {
            if (value.Contains(illegal, StringComparison.Ordinal))
                return [$"may not contain '{illegal}'"];
        }
        return [];
    }

    private static List<string> IsValidPortName(string port)
    {
        var errors = new List<string>();
        if (port.Length is < 1 or > PortNameMaxLength)
            errors.Add(NameValidation.MaxLenError(PortNameMaxLength).Replace("no more than", "at most", StringComparison.Ordinal));
        if (!PortName().IsMatch(port))
            errors.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        if (port.Contains("--", StringComparison.Ordinal))
            errors.Add("must not contain consecutive hyphens");
        if (!port.Any(char.IsAsciiLetter))
            errors.Add("must contain at least one letter (a-z)");
        return errors;
    }

    private static StatusCause Invalid(string field, string value, string message) =>
        new("FieldValueInvalid", $"Invalid value: {value}: {message}", field);

    private static StatusCause Required(string field, string detail) =>
        new("FieldValueRequired", detail.Length == 0 ? "Required value" : $"Required value: {detail}", field);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A label map as Go's %#v prints map[string]string.</summary>
    private static string GoMap(JsonObject? map) =>
        map is null
            ? "map[string]string(nil)"
            : "map[string]string{" + string.Join(", ", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{Quote(p.Key)}:{Quote(p.Value?.ToString() ?? "")}")) + "}";

    private static long Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var n) ? n
        : node is JsonValue d && d.TryGetValue<double>(out var x) ? (long)x
        : 1;

    [GeneratedRegex("^" + Dns1035LabelFmt + "$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortName();

    [GeneratedRegex("^" + ConfigMapKeyFmt + "$")]
    private static partial Regex ConfigMapKey();
}
