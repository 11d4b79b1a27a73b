using System.Buffers;
using System.Text.Json;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Storage;

namespace ActorScaler.Metrics.Api;

/// <summary>What the Metrics API reads: the member's store plus the labels of nodes and pods.</summary>
public interface IMetricsApiSource
{
    IReadOnlyList<NodeUsage> Nodes();
    bool TryGetNode(string name, out NodeUsage usage);
    IReadOnlyList<PodUsage> AllPods();
    IReadOnlyList<PodUsage> PodsInNamespace(string ns);
    bool TryGetPod(string ns, string name, out PodUsage usage);
    /// <summary>The Node object's labels; null when the node is unknown.</summary>
    IReadOnlyDictionary<string, string>? NodeLabels(string name);
    /// <summary>The Pod object's labels; null when the pod is unknown.</summary>
    IReadOnlyDictionary<string, string>? PodLabels(string ns, string name);
}

/// <summary>An answer: HTTP status and a JSON body.</summary>
public sealed record MetricsApiResponse(int StatusCode, byte[] Body)
{
    public const string ContentType = "application/json";
}

/// <summary>
/// metrics.k8s.io over HTTP without the HTTP: the routes metrics-server serves (discovery, NodeMetrics
/// and PodMetrics get and list, namespaced and all-namespace pod lists, <c>labelSelector</c>,
/// <c>fieldSelector</c> on <c>metadata.name</c>/<c>metadata.namespace</c>), for v1beta1 and v1. Lists
/// hold only objects that have metrics (sorted by name, pods by namespace then name); a get of an object
/// without metrics is 404 NotFound, as from metrics-server. Pure: the host maps it onto Kestrel.
/// </summary>
public sealed class MetricsApiHandler(IMetricsApiSource source)
{
    private const string Prefix = "/apis";

    /// <summary>True when <paramref name="path"/> is one this handler answers (the host routes by it).</summary>
    public static bool Handles(string path) =>
        path == Prefix || path == Prefix + "/" || path.StartsWith($"{Prefix}/{MetricsJson.Group}", StringComparison.Ordinal);

    public MetricsApiResponse Handle(string method, string path, IReadOnlyDictionary<string, string?> query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        if (!string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
            return Status(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method} {path}): metrics are read-only (get, list)");
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        // segments[0] == "apis"
        if (segments.Length == 0 || segments[0] != "apis")
            return NotFoundPath(path);
        if (segments.Length == 1)
            return Write(w => MetricsJson.WriteGroupList(w));
        if (segments[1] != MetricsJson.Group)
            return NotFoundPath(path);
        if (segments.Length == 2)
            return Write(w => MetricsJson.WriteGroup(w, withKind: true));
        var version = segments[2];
        if (!MetricsJson.Versions.Contains(version))
            return NotFoundPath(path);
        if (segments.Length == 3)
            return Write(w => MetricsJson.WriteResourceList(w, version));

        var rest = segments.AsSpan(3);
        switch (rest.Length)
        {
            case 1 when rest[0] == "nodes":
                return ListNodes(version, query, now);
            case 2 when rest[0] == "nodes":
                return GetNode(version, rest[1], now);
            case 1 when rest[0] == "pods":
                return ListPods(version, null, query, now);
            case 3 when rest[0] == "namespaces" && rest[2] == "pods":
                return ListPods(version, rest[1], query, now);
            case 4 when rest[0] == "namespaces" && rest[2] == "pods":
                return GetPod(version, rest[1], rest[3], now);
            default:
                return NotFoundPath(path);
        }
    }

    private MetricsApiResponse ListNodes(string version, IReadOnlyDictionary<string, string?> query, DateTimeOffset now)
    {
        if (!TryParseSelectors(query, namespaced: false, out var labels, out var fields, out var error))
            return error!;
        var items = new List<(NodeUsage Usage, IReadOnlyDictionary<string, string>? Labels)>();
        foreach (var node in source.Nodes())
        {
            var nodeLabels = source.NodeLabels(node.Name);
            if (fields.Matches(node.Name, null) && (labels.IsEmpty || labels.Matches(nodeLabels ?? EmptyLabels)))
                items.Add((node, nodeLabels));
        }
        items.Sort((a, b) => string.CompareOrdinal(a.Usage.Name, b.Usage.Name));
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "NodeMetricsList");
            w.WriteString("apiVersion", $"{MetricsJson.Group}/{version}");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var (usage, nodeLabels) in items)
                MetricsJson.WriteNode(w, usage, nodeLabels, now, apiVersion: null);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private MetricsApiResponse GetNode(string version, string name, DateTimeOffset now) =>
        source.TryGetNode(name, out var usage)
            ? Write(w => MetricsJson.WriteNode(w, usage, source.NodeLabels(name), now, version))
            : Status(404, "NotFound", $"nodemetrics.{MetricsJson.Group} \"{name}\" not found", name, "nodemetrics");

    private MetricsApiResponse ListPods(string version, string? ns, IReadOnlyDictionary<string, string?> query, DateTimeOffset now)
    {
        if (!TryParseSelectors(query, namespaced: true, out var labels, out var fields, out var error))
            return error!;
        var items = new List<(PodUsage Usage, IReadOnlyDictionary<string, string>? Labels)>();
        foreach (var pod in ns is null ? source.AllPods() : source.PodsInNamespace(ns))
        {
            var podLabels = source.PodLabels(pod.Namespace, pod.Name);
            if (fields.Matches(pod.Name, pod.Namespace) && (labels.IsEmpty || labels.Matches(podLabels ?? EmptyLabels)))
                items.Add((pod, podLabels));
        }
        items.Sort((a, b) =>
        {
            var byNamespace = string.CompareOrdinal(a.Usage.Namespace, b.Usage.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Usage.Name, b.Usage.Name);
        });
        return Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("kind", "PodMetricsList");
            w.WriteString("apiVersion", $"{MetricsJson.Group}/{version}");
            w.WriteStartObject("metadata");
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var (usage, podLabels) in items)
                MetricsJson.WritePod(w, usage, podLabels, now, apiVersion: null);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private MetricsApiResponse GetPod(string version, string ns, string name, DateTimeOffset now) =>
        source.TryGetPod(ns, name, out var usage)
            ? Write(w => MetricsJson.WritePod(w, usage, source.PodLabels(ns, name), now, version))
            : Status(404, "NotFound", $"podmetrics.{MetricsJson.Group} \"{name}\" not found", name, "podmetrics");

    private static bool TryParseSelectors(IReadOnlyDictionary<string, string?> query, bool namespaced,
        out Selector labels, out FieldSelector fields, out MetricsApiResponse? error)
    {
        labels = Selector.Everything;
        fields = FieldSelector.Everything;
        error = null;
        if (query.TryGetValue("labelSelector", out var labelText) && !string.IsNullOrEmpty(labelText)
            && !Selector.TryParse(labelText, out labels, out var labelError))
        {
            error = Status(400, "BadRequest", $"unable to parse requirement: {labelError}");
            return false;
        }
        if (query.TryGetValue("fieldSelector", out var fieldText) && !string.IsNullOrEmpty(fieldText)
            && !FieldSelector.TryParse(fieldText, namespaced, out fields, out var fieldError))
        {
            error = Status(400, "BadRequest", fieldError!);
            return false;
        }
        return true;
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    private static MetricsApiResponse NotFoundPath(string path) =>
        Status(404, "NotFound", $"the server could not find the requested resource ({path})");

    private static MetricsApiResponse Status(int code, string reason, string message, string? name = null, string? kind = null) =>
        Write(w => MetricsJson.WriteStatus(w, code, reason, message, name, kind), code);

    private static MetricsApiResponse Write(Action<Utf8JsonWriter> write, int code = 200)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return new MetricsApiResponse(code, buffer.WrittenSpan.ToArray());
    }
}

/// <summary>The field selectors metrics-server accepts: <c>metadata.name</c> and, for pods,
/// <c>metadata.namespace</c>, with <c>=</c>, <c>==</c> or <c>!=</c>, terms ANDed by commas.</summary>
public sealed class FieldSelector
{
    private readonly List<(string Field, string Value, bool Equal)> _terms;

    private FieldSelector(List<(string, string, bool)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool Matches(string name, string? ns)
    {
        foreach (var (field, value, equal) in _terms)
        {
            var actual = field == "metadata.name" ? name : ns ?? "";
            if (string.Equals(actual, value, StringComparison.Ordinal) != equal)
                return false;
        }
        return true;
    }

    public static bool TryParse(string text, bool namespaced, out FieldSelector selector, out string? error)
    {
        selector = Everything;
        error = null;
        var terms = new List<(string, string, bool)>();
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Length == 0)
                continue;
            string field, value;
            bool equal;
            int at;
            if ((at = term.IndexOf("!=", StringComparison.Ordinal)) > 0)
            {
                (field, value, equal) = (term[..at], term[(at + 2)..], false);
            }
            else if ((at = term.IndexOf("==", StringComparison.Ordinal)) > 0)
            {
                (field, value, equal) = (term[..at], term[(at + 2)..], true);
            }
            else if ((at = term.IndexOf('=', StringComparison.Ordinal)) > 0)
            {
                (field, value, equal) = (term[..at], term[(at + 1)..], true);
            }
            else
            {
                error = $"invalid selector: '{text}'; can't understand '{term}'";
                return false;
            }
            field = field.Trim();
            if (field != "metadata.name" && !(namespaced && field == "metadata.namespace"))
            {
                error = $"field label not supported: {field}";
                return false;
            }
            terms.Add((field, value.Trim(), equal));
        }
        selector = terms.Count == 0 ? Everything : new FieldSelector(terms);
        return true;
    }
}
