using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using ActorScaler.Core.Quantities;

namespace ActorScaler.Simulator.Workloads;

/// <summary>Label, annotation and naming conventions of the upstream workload controllers.</summary>
public static class KubernetesConventions
{
    public const string PodTemplateHashLabel = "pod-template-hash";
    public const string ControllerRevisionHashLabel = "controller-revision-hash";
    public const string StatefulSetPodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string HostnameLabel = "kubernetes.io/hostname";

    /// <summary>Pod annotations a Prometheus kubernetes_sd config keys on.</summary>
    public const string PrometheusScrapeAnnotation = "prometheus.io/scrape";
    public const string PrometheusPortAnnotation = "prometheus.io/port";
    public const string PrometheusPathAnnotation = "prometheus.io/path";

    // k8s.io/apimachinery/pkg/util/rand: the alphabet without vowels and look-alike characters
    // that pod-template-hash and generated name suffixes are drawn from.
    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// The pod-template-hash of a template: FNV-32a over its JSON, printed in decimal and each digit
    /// mapped through rand.SafeEncodeString, as controller.ComputeHash does (the exact bytes hashed
    /// differ from Go's DeepHashObject, so the value differs, but the shape is the same).
    /// </summary>
    public static string TemplateHash(JsonNode? template, int collisionCount = 0)
    {
        var text = (template?.ToJsonString() ?? "null") + (collisionCount == 0 ? "" : collisionCount.ToString(CultureInfo.InvariantCulture));
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(digits.Length);
        foreach (var d in digits) sb.Append(SafeAlphabet[d % SafeAlphabet.Length]);
        return sb.ToString();
    }

    /// <summary>RFC 3339 with second precision, as metav1.Time marshals.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>A quantity in a resources map as milli-units (CPU), 0 when absent or unreadable.</summary>
    public static long Milli(JsonNode? resources, string name) =>
        resources?[name] is JsonValue v && Quantity.TryParse(v.ToString(), out var q, out _) ? q.MilliValue() : 0;

    /// <summary>A quantity in a resources map as whole units (bytes), 0 when absent or unreadable.</summary>
    public static long Units(JsonNode? resources, string name) =>
        resources?[name] is JsonValue v && Quantity.TryParse(v.ToString(), out var q, out _) ? q.Value() : 0;

    public static int Int(JsonNode? node, int fallback = 0) =>
        node is JsonValue v && v.TryGetValue<int>(out var i) ? i
        : node is JsonValue l && l.TryGetValue<long>(out var n) ? (int)Math.Clamp(n, int.MinValue, int.MaxValue)
        : fallback;

    public static long Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var n) ? n : 0;

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static Dictionary<string, string> StringMap(JsonNode? node)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is JsonObject obj)
        {
            foreach (var (k, v) in obj) result[k] = v?.ToString() ?? "";
        }
        return result;
    }

    /// <summary>The controller owner reference (controller: true) of an object, if any.</summary>
    public static (string Kind, string Name, string Uid)? ControllerOf(JsonObject obj)
    {
        if (obj["metadata"]?["ownerReferences"] is not JsonArray refs) return null;
        foreach (var r in refs.OfType<JsonObject>())
        {
            if (r["controller"] is JsonValue c && c.TryGetValue<bool>(out var isController) && isController)
            {
                return (Str(r["kind"]) ?? "", Str(r["name"]) ?? "", Str(r["uid"]) ?? "");
            }
        }
        return null;
    }

    public static JsonObject OwnerReference(string apiVersion, string kind, string name, string uid) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = name,
        ["uid"] = uid,
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };
}
