using System.Text.Json;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Api;
using ActorScaler.Metrics.Custom;

namespace ActorScaler.Prometheus.Api;

/// <summary>The object a custom metric describes, as custom-metrics-apiserver writes describedObject.</summary>
public sealed record DescribedObject(string Kind, string Namespace, string Name, string ApiVersion);

/// <summary>
/// custom.metrics.k8s.io/v1beta2 and external.metrics.k8s.io/v1beta1 documents written as the adapters
/// (custom-metrics-apiserver) write them: <c>timestamp</c> a metav1.Time (whole seconds), <c>value</c> a
/// milli-quantity in canonical form (<c>16500m</c>, <c>22</c>), <c>windowSeconds</c> (custom) or
/// <c>window</c> (external) in whole seconds, a <c>metric.selector</c> that is <c>null</c> when none was
/// given, and core objects' apiVersion as "/v1" (the group "" joined to the version with a slash).
/// </summary>
public static class CustomMetricsJson
{
    public const string CustomGroup = "custom.metrics.k8s.io";
    public const string CustomVersion = "v1beta2";
    public const string ExternalGroup = "external.metrics.k8s.io";
    public const string ExternalVersion = "v1beta1";

    public static string Value(long milli) => Quantity.FromMilli(milli).ToCanonicalString();

    public static void WriteMetricValueList(Utf8JsonWriter w, string metricName, LabelSelector? selector,
        IEnumerable<(DescribedObject Object, CustomMetricValue Value)> items)
    {
        w.WriteStartObject();
        w.WriteString("kind", "MetricValueList");
        w.WriteString("apiVersion", $"{CustomGroup}/{CustomVersion}");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var (obj, value) in items)
        {
            w.WriteStartObject();
            w.WriteStartObject("describedObject");
            w.WriteString("kind", obj.Kind);
            if (obj.Namespace.Length > 0)
                w.WriteString("namespace", obj.Namespace);
            w.WriteString("name", obj.Name);
            w.WriteString("apiVersion", obj.ApiVersion);
            w.WriteEndObject();
            w.WriteStartObject("metric");
            w.WriteString("name", metricName);
            w.WritePropertyName("selector");
            WriteSelector(w, selector);
            w.WriteEndObject();
            w.WriteString("timestamp", MetricsJson.Time(value.Timestamp));
            WriteWindow(w, "windowSeconds", value.Window);
            w.WriteString("value", Value(value.ValueMilli));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteExternalMetricValueList(Utf8JsonWriter w, string metricName, IEnumerable<ExternalMetricSeries> items)
    {
        w.WriteStartObject();
        w.WriteString("kind", "ExternalMetricValueList");
        w.WriteString("apiVersion", $"{ExternalGroup}/{ExternalVersion}");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var item in items)
        {
            w.WriteStartObject();
            w.WriteString("metricName", metricName);
            w.WriteStartObject("metricLabels");
            foreach (var (key, value) in item.Labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal))
                w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteString("timestamp", MetricsJson.Time(item.Value.Timestamp));
            WriteWindow(w, "window", item.Value.Window);
            w.WriteString("value", Value(item.Value.ValueMilli));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    // windowSeconds / window are *int64 with omitempty: a window under a second is not expressible and is left out.
    private static void WriteWindow(Utf8JsonWriter w, string name, TimeSpan window)
    {
        var seconds = (long)window.TotalSeconds;
        if (seconds > 0)
            w.WriteNumber(name, seconds);
    }

    /// <summary>metav1.LabelSelector JSON: matchLabels then matchExpressions, each omitted when empty; null for none.</summary>
    public static void WriteSelector(Utf8JsonWriter w, LabelSelector? selector)
    {
        if (selector is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        if (selector.MatchLabels is { Count: > 0 } labels)
        {
            w.WriteStartObject("matchLabels");
            foreach (var (key, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
                w.WriteString(key, value);
            w.WriteEndObject();
        }
        if (selector.MatchExpressions is { Count: > 0 } expressions)
        {
            w.WriteStartArray("matchExpressions");
            foreach (var e in expressions)
            {
                w.WriteStartObject();
                w.WriteString("key", e.Key);
                w.WriteString("operator", e.Operator);
                if (e.Values is { Count: > 0 } values)
                {
                    w.WriteStartArray("values");
                    foreach (var v in values)
                        w.WriteStringValue(v);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>APIResourceList of custom.metrics.k8s.io/v1beta2: "&lt;resource&gt;/&lt;metric&gt;" per metric.</summary>
    public static void WriteCustomResourceList(Utf8JsonWriter w, IEnumerable<CustomMetricInfo> metrics) =>
        WriteResourceList(w, $"{CustomGroup}/{CustomVersion}", metrics.Select(m => ($"{m.Resource}/{m.Metric}", m.Namespaced, "MetricValueList")));

    /// <summary>APIResourceList of external.metrics.k8s.io/v1beta1: one namespaced resource per metric name.</summary>
    public static void WriteExternalResourceList(Utf8JsonWriter w, IEnumerable<string> metrics) =>
        WriteResourceList(w, $"{ExternalGroup}/{ExternalVersion}", metrics.Select(m => (m, true, "ExternalMetricValueList")));

    private static void WriteResourceList(Utf8JsonWriter w, string groupVersion, IEnumerable<(string Name, bool Namespaced, string Kind)> resources)
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIResourceList");
        w.WriteString("apiVersion", "v1");
        w.WriteString("groupVersion", groupVersion);
        w.WriteStartArray("resources");
        foreach (var (name, namespaced, kind) in resources)
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("singularName", "");
            w.WriteBoolean("namespaced", namespaced);
            w.WriteString("kind", kind);
            w.WriteStartArray("verbs");
            w.WriteStringValue("get");
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The APIGroup document of one group with one version.</summary>
    public static void WriteGroup(Utf8JsonWriter w, string group, string version)
    {
        w.WriteStartObject();
        w.WriteString("kind", "APIGroup");
        w.WriteString("apiVersion", "v1");
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        WriteGroupVersion(w, group, version);
        w.WriteEndArray();
        w.WritePropertyName("preferredVersion");
        WriteGroupVersion(w, group, version);
        w.WriteEndObject();
    }

    private static void WriteGroupVersion(Utf8JsonWriter w, string group, string version)
    {
        w.WriteStartObject();
        w.WriteString("groupVersion", $"{group}/{version}");
        w.WriteString("version", version);
        w.WriteEndObject();
    }

    /// <summary>A metav1.Status failure for this group.</summary>
    public static void WriteStatus(Utf8JsonWriter w, int code, string reason, string message, string group)
    {
        w.WriteStartObject();
        w.WriteString("kind", "Status");
        w.WriteString("apiVersion", "v1");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteString("status", "Failure");
        w.WriteString("message", message);
        w.WriteString("reason", reason);
        w.WriteStartObject("details");
        w.WriteString("group", group);
        w.WriteEndObject();
        w.WriteNumber("code", code);
        w.WriteEndObject();
    }
}
