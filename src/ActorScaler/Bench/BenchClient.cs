using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Bench;

/// <summary>One audited write to a /scale subresource or an HPA's status (the simulator's audit).</summary>
public sealed record AuditedWrite(DateTimeOffset Time, string Kind, string Namespace, string Name, string UserAgent, int? ReplicasBefore, int? ReplicasAfter, int Code)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>Requests of one verb on one resource by one User-Agent, as the simulator counts them.</summary>
public sealed record AuditedRequests(string Verb, string Resource, string UserAgent, long Count);

/// <summary>One node's kubelet /metrics/resource requests: the total and the recent arrival times.</summary>
public sealed record KubeletRequests(string Node, long Requests, IReadOnlyList<DateTimeOffset> Times);

/// <summary>
/// The benchmark's calls to the simulator (its Kubernetes API and its /simulator admin routes) and to
/// the members' /metrics. Its User-Agent is not the members', so the audit tells them apart.
/// </summary>
public sealed class BenchClient : IDisposable
{
    public const string UserAgent = "actorscaler-bench/1.0";

    /// <summary>Upstream's counter of HPA reconciliations (kube-controller-manager's name, which the members export too).</summary>
    public const string ReconciliationsTotal = "horizontal_pod_autoscaler_controller_reconciliations_total";

    private readonly HttpClient _http;
    private readonly HttpClient _members;

    public BenchClient(SimulatorProcess simulator)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        _http = simulator.CreateHttpClient(TimeSpan.FromMinutes(2));
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        _members = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        _members.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
    }

    public async Task CreateAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"POST {path}", cancellationToken).ConfigureAwait(false);
    }

    public async Task MergePatchAsync(string path, JsonObject patch, CancellationToken cancellationToken)
    {
        using var content = new StringContent(patch.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/merge-patch+json");
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(path, UriKind.Relative)) { Content = content };
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"PATCH {path}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>How many objects a list would return (one item fetched; the rest from remainingItemCount).</summary>
    public async Task<long> CountAsync(string path, CancellationToken cancellationToken)
    {
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var list = await GetJsonAsync($"{path}{separator}limit=1", cancellationToken).ConfigureAwait(false);
        var items = list["items"]?.AsArray().Count ?? 0;
        var remaining = list["metadata"]?["remainingItemCount"]?.GetValue<long>() ?? 0;
        return items + remaining;
    }

    /// <summary>Pods with a label selector: app label -> the nodes its pods run on.</summary>
    public async Task<Dictionary<string, HashSet<string>>> NodesByAppAsync(string labelSelector, CancellationToken cancellationToken)
    {
        var list = await GetJsonAsync($"/api/v1/pods?labelSelector={Uri.EscapeDataString(labelSelector)}", cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var pod in list["items"]?.AsArray() ?? [])
        {
            var ns = (string?)pod?["metadata"]?["namespace"];
            var app = (string?)pod?["metadata"]?["labels"]?[BenchWorkload.AppLabel];
            var node = (string?)pod?["spec"]?["nodeName"];
            if (ns is null || app is null || node is null)
                continue;
            var key = $"{ns}/{app}";
            if (!result.TryGetValue(key, out var nodes))
                result[key] = nodes = new HashSet<string>(StringComparer.Ordinal);
            nodes.Add(node);
        }
        return result;
    }

    public async Task<IReadOnlyList<AuditedWrite>> WritesAsync(string kind, CancellationToken cancellationToken)
    {
        using var doc = await GetDocumentAsync($"/simulator/audit/writes?kind={kind}&includeRefused=true", cancellationToken).ConfigureAwait(false);
        var result = new List<AuditedWrite>();
        foreach (var w in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            result.Add(new AuditedWrite(
                w.GetProperty("time").GetDateTimeOffset(),
                w.GetProperty("kind").GetString() ?? "",
                w.GetProperty("namespace").GetString() ?? "",
                w.GetProperty("name").GetString() ?? "",
                w.GetProperty("userAgent").GetString() ?? "",
                OptionalInt(w, "replicasBefore"),
                OptionalInt(w, "replicasAfter"),
                w.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : 200));
        }
        return result;
    }

    public async Task<IReadOnlyList<AuditedRequests>> RequestsAsync(CancellationToken cancellationToken)
    {
        using var doc = await GetDocumentAsync("/simulator/audit/requests", cancellationToken).ConfigureAwait(false);
        return doc.RootElement.GetProperty("items").EnumerateArray()
            .Select(r => new AuditedRequests(r.GetProperty("verb").GetString() ?? "", r.GetProperty("resource").GetString() ?? "",
                r.GetProperty("userAgent").GetString() ?? "", r.GetProperty("count").GetInt64()))
            .ToList();
    }

    public async Task<IReadOnlyList<KubeletRequests>> KubeletRequestsAsync(DateTimeOffset? since, CancellationToken cancellationToken)
    {
        var query = since is { } s ? $"?since={Uri.EscapeDataString(s.ToString("O", CultureInfo.InvariantCulture))}" : "?times=false";
        using var doc = await GetDocumentAsync("/simulator/kubelets/requests" + query, cancellationToken).ConfigureAwait(false);
        return doc.RootElement.GetProperty("nodes").EnumerateArray()
            .Select(n => new KubeletRequests(
                n.GetProperty("name").GetString() ?? "",
                n.GetProperty("requests").GetInt64(),
                n.TryGetProperty("times", out var times) ? times.EnumerateArray().Select(t => t.GetDateTimeOffset()).ToList() : []))
            .ToList();
    }

    /// <summary>
    /// The sum of a counter over every series in a member's Prometheus text (/metrics); null when the
    /// member does not export it (or /metrics is not there).
    /// </summary>
    public async Task<double?> MemberCounterAsync(MemberProcess member, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        try
        {
            var text = await _members.GetStringAsync(new Uri(member.HttpBaseUrl, "/metrics"), cancellationToken).ConfigureAwait(false);
            return SumCounter(text, name);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A member's whole /metrics text (runtime, GC, HTTP and controller instruments); null when not served.</summary>
    public async Task<string?> MemberMetricsTextAsync(MemberProcess member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        try
        {
            return await _members.GetStringAsync(new Uri(member.HttpBaseUrl, "/metrics"), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>How many nodes a member's Metrics API has usage for.</summary>
    public async Task<int> MemberNodeMetricsAsync(MemberProcess member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        try
        {
            using var stream = await _members.GetStreamAsync(new Uri(member.HttpBaseUrl, "/apis/metrics.k8s.io/v1beta1/nodes"), cancellationToken).ConfigureAwait(false);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return doc.RootElement.TryGetProperty("items", out var items) ? items.GetArrayLength() : 0;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    /// <summary>Sums every sample of a metric family in Prometheus text; null when there is none.</summary>
    public static double? SumCounter(string prometheusText, string name)
    {
        ArgumentNullException.ThrowIfNull(prometheusText);
        ArgumentNullException.ThrowIfNull(name);
        double? sum = null;
        foreach (var raw in prometheusText.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
                continue;
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
                continue; // another metric whose name starts with this one
            var valueStart = rest[0] == '{' ? rest.LastIndexOf('}') + 1 : 0;
            var fields = rest[valueStart..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                sum = (sum ?? 0) + value;
        }
        return sum;
    }

    public void Dispose()
    {
        _http.Dispose();
        _members.Dispose();
    }

    private async Task<JsonNode> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"GET {path}", cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonNode.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"GET {path}: empty answer");
    }

    private async Task<JsonDocument> GetDocumentAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"GET {path}", cancellationToken).ConfigureAwait(false);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
            return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new HttpRequestException($"{what}: {(int)response.StatusCode} {body}");
    }

    private static int? OptionalInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}
