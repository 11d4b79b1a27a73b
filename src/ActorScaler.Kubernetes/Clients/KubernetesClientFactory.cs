using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using k8s;

namespace ActorScaler.Kubernetes.Clients;

/// <summary>Where the API server is: a kubeconfig file, or the in-cluster service account.</summary>
public sealed record KubernetesConnection(string? KubeconfigPath, bool InCluster, string UserAgent)
{
    public static KubernetesConnection FromKubeconfig(string path, string userAgent) => new(path, false, userAgent);
}

public static class KubernetesClientFactory
{
    /// <summary>Builds the official client. The User-Agent names the member, so the API server's audit
    /// (and the simulator's) can tell which member wrote what.</summary>
    /// <param name="connection">Where the API server is.</param>
    /// <param name="writeGate">When set, every mutating request is checked against it as it leaves the
    /// member's request queue (<see cref="WriteGateHandler"/>): a cluster member's write fence.</param>
    public static IKubernetes Create(KubernetesConnection connection, IWriteGate? writeGate = null)
    {
        KubernetesClientConfiguration config;
        if (connection.InCluster)
        {
            config = KubernetesClientConfiguration.InClusterConfig();
        }
        else
        {
            var path = connection.KubeconfigPath
                ?? Environment.GetEnvironmentVariable("KUBECONFIG")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            if (!File.Exists(path))
                throw new FileNotFoundException($"kubeconfig {path} does not exist", path);
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }
        config.UserAgent = connection.UserAgent;
        // Watches are long-lived; per-call timeouts are set per request instead.
        config.HttpClientTimeout = TimeSpan.FromSeconds(30);
        // Outermost first: the queue, then the gate as a request leaves it, then the count of what was sent.
        var handlers = new List<DelegatingHandler> { new ApiConcurrencyLimitHandler(ApiConcurrencyLimitHandler.DefaultMaxInFlight) };
        if (writeGate is not null)
            handlers.Add(new WriteGateHandler(writeGate));
        handlers.Add(new ApiRequestTelemetryHandler());
        return new k8s.Kubernetes(config, [.. handlers]);
    }
}

/// <summary>
/// Bounds the member's API requests in flight (watches excepted: they stay open for minutes). Without
/// it, thousands of HPA entities that start together (a fresh member, a failover, 10,000 HPAs created
/// at once) each send their first status write at the same moment: thousands of connections and TLS
/// handshakes to the API server, a starved process that misses cluster heartbeats and gets downed.
/// Queued requests wait their turn instead; upstream's controller-manager limits itself the same way
/// (--kube-api-qps 20, --kube-api-burst 30), though by rate rather than concurrency.
/// </summary>
public sealed class ApiConcurrencyLimitHandler(int maxInFlight) : DelegatingHandler
{
    /// <summary>Enough to keep a write path busy at a few ms per request (thousands of requests per
    /// second), few enough that one member holds at most this many API connections besides its watches.</summary>
    public const int DefaultMaxInFlight = 16;

    private readonly SemaphoreSlim _slots = new(maxInFlight, maxInFlight);

    public int Available => _slots.CurrentCount;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ApiRequestTelemetryHandler.IsWatch(request.Method, request.RequestUri))
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _slots.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>
/// Counts every API server request by Kubernetes verb and HTTP status code
/// (actorscaler_kubernetes_api_requests_total{verb,code}) and times it, as the API server's own
/// apiserver_request_total does, so a member's API cost is visible from the member. Its Meter has the
/// member's meter name (ActorScalerTelemetry.Name), so one AddMeter("ActorScaler") exports it.
/// </summary>
public sealed class ApiRequestTelemetryHandler : DelegatingHandler
{
    public const string MeterName = "ActorScaler";
    public const string RequestsName = "actorscaler_kubernetes_api_requests_total";
    public const string DurationName = "actorscaler_kubernetes_api_request_duration_seconds";
    public const string VerbLabel = "verb";
    public const string CodeLabel = "code";
    /// <summary>The code label when no HTTP answer came (connection refused, timeout).</summary>
    public const string NoResponseCode = "none";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>(RequestsName, unit: null,
        "Requests to the Kubernetes API server, by verb (get, list, watch, create, update, patch, delete) and HTTP status code.");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram(DurationName, "s",
        "Time to the response headers of a Kubernetes API request (for a watch: until the stream opens), by verb.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var verb = new KeyValuePair<string, object?>(VerbLabel, Verb(request.Method, request.RequestUri));
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            Requests.Add(1, verb, new KeyValuePair<string, object?>(CodeLabel, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)));
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, verb);
            return response;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            Requests.Add(1, verb, new KeyValuePair<string, object?>(CodeLabel, NoResponseCode));
            throw;
        }
    }

    /// <summary>
    /// The API server's verb for a request (as in its audit log): GET of a collection is list, or watch
    /// with ?watch=true; GET of an object or its subresource is get; DELETE of a collection is
    /// deletecollection. The path is /api/v1/... or /apis/GROUP/VERSION/..., optionally namespaced.
    /// </summary>
    public static string Verb(HttpMethod method, Uri? uri)
    {
        ArgumentNullException.ThrowIfNull(method);
        var isCollection = uri is not null && IsCollection(uri.AbsolutePath);
        if (method == HttpMethod.Get)
        {
            if (IsWatch(method, uri))
                return "watch";
            return isCollection ? "list" : "get";
        }
        if (method == HttpMethod.Post)
            return "create";
        if (method == HttpMethod.Put)
            return "update";
        if (method == HttpMethod.Patch)
            return "patch";
        if (method == HttpMethod.Delete)
            return isCollection ? "deletecollection" : "delete";
        // Bounded: anything else is grouped rather than labelled by an arbitrary method name.
        return "other";
    }

    /// <summary>A watch: a GET with ?watch=true (it stays open for minutes).</summary>
    public static bool IsWatch(HttpMethod method, Uri? uri) => method == HttpMethod.Get && uri is not null && IsWatch(uri.Query);

    private static bool IsWatch(string query) =>
        query.Contains("watch=true", StringComparison.Ordinal) || query.Contains("watch=1", StringComparison.Ordinal);

    private static bool IsCollection(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // Skip the prefix: "api/v1" (core) or "apis/GROUP/VERSION".
        var skip = segments.Length > 0 && segments[0] == "api" ? 2 : segments.Length > 0 && segments[0] == "apis" ? 3 : 0;
        var rest = segments.AsSpan(Math.Min(skip, segments.Length));
        // "namespaces/NS/<resource>..." is namespaced; "namespaces" or "namespaces/NS" name the namespaces themselves.
        if (rest.Length > 2 && rest[0] == "namespaces")
            rest = rest[2..];
        return rest.Length == 1;
    }
}
