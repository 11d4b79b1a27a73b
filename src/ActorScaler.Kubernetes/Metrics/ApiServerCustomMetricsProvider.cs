using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;
using k8s;

namespace ActorScaler.Kubernetes.Metrics;

/// <summary>
/// Pods, Object and External metrics read through the API server from whatever adapter is registered
/// for custom.metrics.k8s.io/v1beta2 and external.metrics.k8s.io/v1beta1 (prometheus-adapter, KEDA,
/// Datadog...): the same GETs upstream's metrics clients (k8s.io/metrics/pkg/client) make, with the
/// member's own credentials. Failures carry the API server's Status message, as upstream's client does.
/// </summary>
public sealed class ApiServerCustomMetricsProvider : ICustomMetricsProvider
{
    public const string CustomMetricsPrefix = "apis/custom.metrics.k8s.io/v1beta2";
    public const string ExternalMetricsPrefix = "apis/external.metrics.k8s.io/v1beta1";

    /// <summary>What upstream's HPA assumes when an item has no window (metrics/client.go).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(1);

    private readonly k8s.Kubernetes _client;
    private readonly TimeSpan _timeout;

    /// <param name="client">The member's client; the official <see cref="k8s.Kubernetes"/>, whose HTTP
    /// pipeline (TLS, credentials) the raw GETs reuse, because the typed API has no call for these paths.</param>
    public ApiServerCustomMetricsProvider(IKubernetes client, TimeSpan? timeout = null)
    {
        _client = client as k8s.Kubernetes
            ?? throw new ArgumentException($"the custom metrics provider needs the official k8s.Kubernetes client, got {client?.GetType().Name ?? "null"}", nameof(client));
        _timeout = timeout ?? TimeSpan.FromSeconds(10);
    }

    public string Name => $"API server {_client.BaseUri.AbsoluteUri.TrimEnd('/')}";

    public async Task<IReadOnlyList<PodCustomMetricValue>> GetPodsMetricAsync(string ns, string metricName, string podSelector,
        IReadOnlyList<string> podNames, LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        var path = $"{CustomMetricsPrefix}/namespaces/{Escape(ns)}/pods/*/{Escape(metricName)}";
        using var document = await GetAsync(path, [("labelSelector", podSelector), ("metricLabelSelector", SelectorText(metricSelector))], cancellationToken).ConfigureAwait(false);
        var values = new List<PodCustomMetricValue>();
        foreach (var item in Items(document))
        {
            var (value, timestamp, window) = Read(item, "windowSeconds");
            values.Add(new PodCustomMetricValue(item.GetProperty("describedObject").GetProperty("name").GetString() ?? "", value, timestamp, window));
        }
        return values;
    }

    public async Task<CustomMetricValue> GetObjectMetricAsync(string ns, CrossVersionObjectReference describedObject, string metricName,
        LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(describedObject);
        var group = GroupOf(describedObject.ApiVersion);
        string path;
        if (describedObject.Kind == "Namespace" && group.Length == 0)
        {
            path = $"{CustomMetricsPrefix}/namespaces/{Escape(describedObject.Name.Length > 0 ? describedObject.Name : ns)}/metrics/{Escape(metricName)}";
        }
        else
        {
            var resource = Plural(describedObject.Kind.ToLowerInvariant()) + (group.Length > 0 ? "." + group : "");
            path = ClusterScopedKinds.Contains(describedObject.Kind) && group.Length == 0
                ? $"{CustomMetricsPrefix}/{resource}/{Escape(describedObject.Name)}/{Escape(metricName)}"
                : $"{CustomMetricsPrefix}/namespaces/{Escape(ns)}/{resource}/{Escape(describedObject.Name)}/{Escape(metricName)}";
        }
        using var document = await GetAsync(path, [("metricLabelSelector", SelectorText(metricSelector))], cancellationToken).ConfigureAwait(false);
        var items = Items(document);
        if (items.Count != 1)
            throw new CustomMetricsException($"the custom metrics API server returned {items.Count} results when we asked for exactly one");
        var (value, timestamp, window) = Read(items[0], "windowSeconds");
        return new CustomMetricValue(value, timestamp, window);
    }

    public async Task<IReadOnlyList<CustomMetricValue>> GetExternalMetricAsync(string ns, string metricName, LabelSelector? metricSelector,
        CancellationToken cancellationToken)
    {
        var path = $"{ExternalMetricsPrefix}/namespaces/{Escape(ns)}/{Escape(metricName)}";
        using var document = await GetAsync(path, [("labelSelector", SelectorText(metricSelector))], cancellationToken).ConfigureAwait(false);
        return Items(document).Select(item =>
        {
            var (value, timestamp, window) = Read(item, "window");
            return new CustomMetricValue(value, timestamp, window);
        }).ToList();
    }

    private static readonly HashSet<string> ClusterScopedKinds = new(StringComparer.Ordinal) { "Node", "PersistentVolume", "Namespace" };

    private async Task<JsonDocument> GetAsync(string path, (string Name, string Value)[] parameters, CancellationToken cancellationToken)
    {
        var query = string.Join("&", parameters.Where(p => p.Value.Length > 0).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
        var uri = new Uri(_client.BaseUri, path + (query.Length > 0 ? "?" + query : ""));
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd("application/json");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        HttpResponseMessage response;
        string body;
        try
        {
            if (_client.Credentials is { } credentials)
                await credentials.ProcessHttpRequestAsync(request, timeout.Token).ConfigureAwait(false);
            response = await _client.HttpClient.SendAsync(request, timeout.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CustomMetricsException($"Get \"{uri}\": no answer within {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new CustomMetricsException($"Get \"{uri}\": {ex.Message}", ex);
        }
        using (response)
        {
            JsonDocument? document = null;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                document?.Dispose();
                throw new CustomMetricsException($"Get \"{uri}\": HTTP {(int)response.StatusCode} {response.ReasonPhrase}, not JSON: {Shorten(body)}");
            }
            if (response.StatusCode == HttpStatusCode.OK)
                return document;
            using (document)
            {
                // A metav1.Status: its message is what upstream's client reports.
                var message = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var m)
                    ? m.GetString()
                    : null;
                throw new CustomMetricsException(message ?? $"Get \"{uri}\": HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Shorten(body)}");
            }
        }
    }

    private static List<JsonElement> Items(JsonDocument document) =>
        document.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().ToList()
            : [];

    private static (long ValueMilli, DateTimeOffset Timestamp, TimeSpan Window) Read(JsonElement item, string windowKey)
    {
        var valueText = item.GetProperty("value").GetString() ?? "";
        if (!Quantity.TryParse(valueText, out var quantity, out var error))
            throw new CustomMetricsException($"the custom metrics API returned a value {valueText} that is not a quantity: {error}");
        var timestamp = DateTimeOffset.Parse(item.GetProperty("timestamp").GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var window = item.TryGetProperty(windowKey, out var w) && w.ValueKind == JsonValueKind.Number ? TimeSpan.FromSeconds(w.GetInt64()) : DefaultWindow;
        return (quantity.MilliValue(), timestamp, window);
    }

    /// <summary>labels.Selector.String() of the metric selector ("" when none: the parameter is left out).</summary>
    private static string SelectorText(LabelSelector? selector) =>
        selector is null ? "" : Selector.FromLabelSelector(selector).ToString();

    private static string GroupOf(string? apiVersion)
    {
        var slash = apiVersion?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        return slash < 0 ? "" : apiVersion![..slash];
    }

    private static string Plural(string singular)
    {
        if (singular.EndsWith('y') && singular.Length > 1 && !"aeiou".Contains(singular[^2], StringComparison.Ordinal))
            return singular[..^1] + "ies";
        if (singular.EndsWith('s') || singular.EndsWith('x') || singular.EndsWith("ch", StringComparison.Ordinal) || singular.EndsWith("sh", StringComparison.Ordinal))
            return singular + "es";
        return singular + "s";
    }

    private static string Escape(string segment) => segment == "*" ? segment : Uri.EscapeDataString(segment);

    private static string Shorten(string body)
    {
        var text = new StringBuilder(body.ReplaceLineEndings(" ").Trim());
        return text.Length <= 200 ? text.ToString() : text.ToString(0, 200) + "...";
    }
}
