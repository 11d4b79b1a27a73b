using System.Globalization;
using System.Text.Json;
using ActorScaler.Core.Durations;
using ActorScaler.Core.Quantities;
using ActorScaler.Metrics.Storage;

namespace ActorScaler.Metrics.Api;

/// <summary>
/// metrics.k8s.io documents written exactly as metrics-server writes them: <c>timestamp</c> a
/// Kubernetes Time (RFC 3339, UTC, whole seconds), <c>window</c> a Go duration string, CPU as integer
/// nanocores in canonical Quantity form (<c>250m</c>, <c>1387411600n</c>), memory as bytes in binary-SI
/// form (<c>258Mi</c>, <c>51212Ki</c>).
/// </summary>
public static class MetricsJson
{
    public const string Group = "metrics.k8s.io";
    /// <summary>The versions served; v1beta1 first because it is the one kubectl top and the HPA use.</summary>
    public static readonly IReadOnlyList<string> Versions = ["v1beta1", "v1"];
    public const string PreferredVersion = "v1beta1";

    /// <summary>Kubernetes metav1.Time: RFC 3339 in UTC truncated to whole seconds.</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Unix nanoseconds as metav1.Time.</summary>
    public static string TimeFromUnixNanos(long unixNanos) =>
        Time(DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100));

    /// <summary>resource.NewScaledQuantity(nanocores, -9) in canonical form.</summary>
    public static string Cpu(long nanoCores) => Quantity.FromScaled(nanoCores, -9).ToCanonicalString();

    /// <summary>resource.NewQuantity(bytes, BinarySI) in canonical form.</summary>
    public static string Memory(long bytes) => Quantity.FromInt64(bytes, QuantityFormat.BinarySI).ToCanonicalString();

    public static string Window(long windowNs) => GoDuration.Format(windowNs);

    public static void WriteNode(Utf8JsonWriter w, NodeUsage node, IReadOnlyDictionary<string, string>? labels, DateTimeOffset now, string? apiVersion)
    {
        w.WriteStartObject();
        if (apiVersion is not null)
        {
            w.WriteString("kind", "NodeMetrics");
            w.WriteString("apiVersion", $"{Group}/{apiVersion}");
        }
        WriteMetadata(w, node.Name, null, labels, now);
        w.WriteString("timestamp", TimeFromUnixNanos(node.TimestampNs));
        w.WriteString("window", Window(node.WindowNs));
        w.WritePropertyName("usage");
        WriteUsage(w, node.CpuNanoCores, node.MemoryBytes);
        w.WriteEndObject();
    }

    public static void WritePod(Utf8JsonWriter w, PodUsage pod, IReadOnlyDictionary<string, string>? labels, DateTimeOffset now, string? apiVersion)
    {
        w.WriteStartObject();
        if (apiVersion is not null)
        {
            w.WriteString("kind", "PodMetrics");
            w.WriteString("apiVersion", $"{Group}/{apiVersion}");
        }
        WriteMetadata(w, pod.Name, pod.Namespace, labels, now);
        w.WriteString("timestamp", TimeFromUnixNanos(pod.TimestampNs));
        w.WriteString("window", Window(pod.WindowNs));
        w.WriteStartArray("containers");
        foreach (var c in pod.Containers)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            w.WritePropertyName("usage");
            WriteUsage(w, c.CpuNanoCores, c.MemoryBytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteMetadata(Utf8JsonWriter w, string name, string? ns, IReadOnlyDictionary<string, string>? labels, DateTimeOffset now)
    {
        w.WriteStartObject("metadata");
        w.WriteString("name", name);
        if (ns is not null)
            w.WriteString("namespace", ns);
        // metrics-server stamps the serving time: the object is made on request, it is not stored.
        w.WriteString("creationTimestamp", Time(now));
        if (labels is { Count: > 0 })
        {
            w.WriteStartObject("labels");
            foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                w.WriteString(key, value);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, long cpuNanoCores, long memoryBytes)
    {
        w.WriteStartObject();
        w.WriteString("cpu", Cpu(cpuNanoCores));
        w.WriteString("memory", Memory(memoryBytes));
        w.WriteEndObject();
    }

    /// <summary>GET /apis/metrics.k8s.io/{version}: the APIResourceList (same as metrics-server's).</summary>
    public static void WriteResourceList(Utf8JsonWriter w, string version)
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", $"{Group}/{version}");
        w.WriteStartArray("resources");
        foreach (var (name, kind, namespaced) in new[] { ("nodes", "NodeMetrics", false), ("pods", "PodMetrics", true) })
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("singularName", "");
            w.WriteBoolean("namespaced", namespaced);
            w.WriteString("kind", kind);
            w.WriteStartArray("verbs");
            w.WriteStringValue("get");
            w.WriteStringValue("list");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The APIGroup of metrics.k8s.io (GET /apis/metrics.k8s.io, or one entry of /apis).</summary>
    public static void WriteGroup(Utf8JsonWriter w, bool withKind)
    {
        w.WriteStartObject();
        if (withKind)
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
        }
        w.WriteString("name", Group);
        w.WriteStartArray("versions");
        foreach (var v in Versions)
            WriteGroupVersion(w, v);
        w.WriteEndArray();
        w.WritePropertyName("preferredVersion");
        WriteGroupVersion(w, PreferredVersion);
        w.WriteEndObject();
    }

    /// <summary>GET /apis when a member is used as the server directly (e.g. `top --server`).</summary>
    public static void WriteGroupList(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIGroupList");
        w.WriteString("apiVersion", "v1");
        w.WriteStartArray("groups");
        WriteGroup(w, withKind: false);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteGroupVersion(Utf8JsonWriter w, string version)
    {
        w.WriteStartObject();
        w.WriteString("groupVersion", $"{Group}/{version}");
        w.WriteString("version", version);
        w.WriteEndObject();
    }

    /// <summary>A metav1.Status failure, as the API server and metrics-server answer errors.</summary>
    public static void WriteStatus(Utf8JsonWriter w, int code, string reason, string message, string? name = null, string? kind = null)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Status");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteString("status", "Failure");
        w.WriteString("message", message);
        w.WriteString("reason", reason);
        if (name is not null || kind is not null)
        {
            w.WriteStartObject("details");
            if (name is not null)
                w.WriteString("name", name);
            w.WriteString("group", Group);
            if (kind is not null)
                w.WriteString("kind", kind);
            w.WriteEndObject();
        }
        w.WriteNumber("code", code);
        w.WriteEndObject();
    }
}
