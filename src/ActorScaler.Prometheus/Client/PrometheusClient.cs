using System.Globalization;
using System.Net;
using System.Text.Json;
using ActorScaler.Prometheus.Rules;
using YamlDotNet.RepresentationModel;

namespace ActorScaler.Prometheus.Client;

/// <summary>One sample of an instant query: the series' labels, the sample time and the value.</summary>
public sealed record PrometheusSample(IReadOnlyDictionary<string, string> Labels, DateTimeOffset Timestamp, double Value);

/// <summary>An instant query's answer: <c>vector</c> or <c>scalar</c> (one sample without labels).</summary>
public sealed record PrometheusQueryResult(string ResultType, IReadOnlyList<PrometheusSample> Samples, IReadOnlyList<string> Warnings);

/// <summary>
/// Prometheus failed a call. <see cref="ErrorType"/> is Prometheus's errorType (bad_data, execution,
/// timeout, ...) when Prometheus answered; <see cref="Unreachable"/> is true when it did not answer at all
/// (connection refused, timeout, not Prometheus).
/// </summary>
public sealed class PrometheusApiException : Exception
{
    public PrometheusApiException(string message, string? errorType, bool unreachable, Exception? inner = null)
        : base(message, inner)
    {
        ErrorType = errorType;
        Unreachable = unreachable;
    }

    public PrometheusApiException()
    {
    }

    public PrometheusApiException(string message)
        : base(message)
    {
    }

    public PrometheusApiException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public string? ErrorType { get; }
    public bool Unreachable { get; }
}

/// <summary>
/// The parts of Prometheus's HTTP API (/api/v1) the provider needs: instant queries and series (POST with
/// a form body, as prometheus-adapter's <c>--prometheus-verb=POST</c>, so long pod-name regexes never hit
/// URL limits), and the running configuration's global scrape interval. Every call is bounded by
/// <see cref="Timeout"/>, which is also sent as the query's own <c>timeout</c> so Prometheus stops
/// evaluating when we stop waiting.
/// </summary>
public sealed class PrometheusClient : IDisposable
{
    /// <summary>Prometheus's own default global scrape_interval, when its configuration names none.</summary>
    public static readonly TimeSpan DefaultScrapeInterval = TimeSpan.FromMinutes(1);

    private readonly HttpClient _http;

    public PrometheusClient(Uri baseUrl, TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        // Keep a path prefix (http://host/prometheus/) when joining /api/v1/...
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        Timeout = timeout;
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        // Each call has its own bound (Timeout), so the client's global one must not cut in first.
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;
    }

    public Uri BaseUrl { get; }
    public TimeSpan Timeout { get; }

    /// <summary>"prometheus http://127.0.0.1:9090": how messages name this backend.</summary>
    public string Name => $"prometheus {BaseUrl.AbsoluteUri.TrimEnd('/')}";

    /// <summary>GET|POST /api/v1/query: an instant query at <paramref name="time"/> (now when null).</summary>
    public async Task<PrometheusQueryResult> QueryAsync(string query, DateTimeOffset? time, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>>
        {
            new("query", query),
            new("timeout", FormatSeconds(Timeout)),
        };
        if (time is { } t)
            form.Add(new("time", (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)));
        using var document = await PostAsync("api/v1/query", form, cancellationToken).ConfigureAwait(false);
        var data = document.RootElement.GetProperty("data");
        var resultType = data.GetProperty("resultType").GetString() ?? "";
        var samples = new List<PrometheusSample>();
        var result = data.GetProperty("result");
        switch (resultType)
        {
            case "vector":
                foreach (var item in result.EnumerateArray())
                    samples.Add(new PrometheusSample(Labels(item.GetProperty("metric")), Time(item.GetProperty("value")[0]), Value(item.GetProperty("value")[1])));
                break;
            case "scalar":
                samples.Add(new PrometheusSample(new Dictionary<string, string>(), Time(result[0]), Value(result[1])));
                break;
            default:
                // matrix and string answers carry no single current value; the caller names the rule.
                break;
        }
        return new PrometheusQueryResult(resultType, samples, Warnings(document.RootElement));
    }

    /// <summary>GET|POST /api/v1/series: the label sets of the series matching any of <paramref name="matchers"/>
    /// with samples between <paramref name="start"/> and <paramref name="end"/>.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> SeriesAsync(IEnumerable<string> matchers, DateTimeOffset start, DateTimeOffset end,
        CancellationToken cancellationToken)
    {
        var form = matchers.Select(m => new KeyValuePair<string, string>("match[]", m)).ToList();
        form.Add(new("start", (start.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)));
        form.Add(new("end", (end.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture)));
        using var document = await PostAsync("api/v1/series", form, cancellationToken).ConfigureAwait(false);
        return document.RootElement.GetProperty("data").EnumerateArray().Select(Labels).ToList();
    }

    /// <summary>GET /api/v1/status/config: global.scrape_interval of the running configuration.</summary>
    public async Task<TimeSpan> ScrapeIntervalAsync(CancellationToken cancellationToken)
    {
        using var document = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(BaseUrl, "api/v1/status/config")), "api/v1/status/config", cancellationToken).ConfigureAwait(false);
        var yaml = document.RootElement.GetProperty("data").GetProperty("yaml").GetString() ?? "";
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root
            && root.Children.TryGetValue(new YamlScalarNode("global"), out var global) && global is YamlMappingNode globalMap
            && globalMap.Children.TryGetValue(new YamlScalarNode("scrape_interval"), out var interval)
            && PromQl.TryParseDuration((interval as YamlScalarNode)?.Value ?? "", out var parsed))
            return parsed;
        return DefaultScrapeInterval;
    }

    private Task<JsonDocument> PostAsync(string path, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, path)) { Content = new FormUrlEncodedContent(form) }, path, cancellationToken);

    private async Task<JsonDocument> SendAsync(Func<HttpRequestMessage> request, string path, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var message = request();
        HttpResponseMessage response;
        string body;
        try
        {
            response = await _http.SendAsync(message, timeout.Token).ConfigureAwait(false);
            body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusApiException($"{Name}: no answer to /{path} within {FormatSeconds(Timeout)}", "timeout", unreachable: true, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new PrometheusApiException($"{Name}: unreachable: {ex.Message}", null, unreachable: true, ex);
        }
        using (response)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw new PrometheusApiException(
                    $"{Name}: /{path} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase} that is not Prometheus's API JSON: {Shorten(body)}",
                    null, unreachable: true);
            }
            var root = document.RootElement;
            var status = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (status == "success" && response.StatusCode == HttpStatusCode.OK)
                return document;
            using (document)
            {
                var errorType = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) ? e.GetString() : null;
                if (error is null)
                    throw new PrometheusApiException($"{Name}: /{path} answered HTTP {(int)response.StatusCode} without an error: {Shorten(body)}", null, unreachable: true);
                // 503 with errorType timeout/canceled is Prometheus overloaded, not a bad query.
                var unreachable = errorType is "timeout" or "canceled" or "unavailable";
                throw new PrometheusApiException($"{errorType}: {error}", errorType, unreachable);
            }
        }
    }

    private static string Shorten(string body)
    {
        var oneLine = body.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 200 ? oneLine : oneLine[..200] + "...";
    }

    private static string FormatSeconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    private static Dictionary<string, string> Labels(JsonElement metric)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in metric.EnumerateObject())
            labels[property.Name] = property.Value.GetString() ?? "";
        return labels;
    }

    private static DateTimeOffset Time(JsonElement seconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds.GetDouble() * 1000));

    /// <summary>Prometheus writes values as strings, with "NaN", "+Inf" and "-Inf" for the specials.</summary>
    private static double Value(JsonElement value)
    {
        var text = value.GetString() ?? "";
        return text switch
        {
            "+Inf" or "Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    private static List<string> Warnings(JsonElement root) =>
        root.TryGetProperty("warnings", out var w) && w.ValueKind == JsonValueKind.Array
            ? w.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
            : [];

    public void Dispose() => _http.Dispose();
}
