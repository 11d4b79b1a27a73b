using System.Text.Json;
using System.Text.Json.Serialization;
using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Kubernetes.Informers;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ActorScaler.Hosting;

/// <summary>
/// Telemetry of a member through the OpenTelemetry SDK: the ActorScaler meter (upstream's HPA controller
/// instruments and ours), runtime, HTTP client and server instrumentation, a Prometheus scrape endpoint
/// /metrics on --listen-address, and OTLP export of metrics, traces and logs configured only by the
/// standard OTEL_* environment variables (on when OTEL_EXPORTER_OTLP_ENDPOINT is set). Akka's own log
/// goes through ILogger. GET /debug/hpas/{namespace}/{name}/decisions answers from the member that owns
/// the HPA, whichever member is asked (the request goes through the HPA shard region).
/// </summary>
public sealed class TelemetryFeature : IMemberFeature
{
    /// <summary>The standard variable that turns OTLP export on (the SDK reads the rest: protocol, headers...).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";
    public const string ServiceName = "actorscaler";
    public const string MetricsPath = "/metrics";
    public const string DecisionsRoute = "/debug/hpas/{namespace}/{name}/decisions";

    /// <summary>How long the endpoint waits for the owning entity (it may be on another member).</summary>
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static string DecisionsPath(string @namespace, string name) =>
        $"/debug/hpas/{Uri.EscapeDataString(@namespace)}/{Uri.EscapeDataString(name)}/decisions";

    public static bool OtlpEnabled => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));

    public void ConfigureServices(IServiceCollection services, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.PerHpaMetrics)
            ActorScalerTelemetry.Shared.PerHpaMetrics = true;
        var otlp = OtlpEnabled;
        var member = $"{options.Membership.PublicHostname}:{options.Membership.Port}";
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win when set (the SDK's environment detector).
                if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ServiceNameVariable)))
                    resource.AddService(ServiceName, serviceInstanceId: member);
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ActorScalerTelemetry.Name)
                    .AddRuntimeInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddAspNetCoreInstrumentation()
                    .AddPrometheusExporter();
                // Every kubelet is its own server: per-server series would be one per node.
                foreach (var (instrument, keys) in HttpClientTagKeys)
                    metrics.AddView(instrument, new MetricStreamConfiguration { TagKeys = keys });
                if (otlp)
                    metrics.AddOtlpExporter();
            });
        if (otlp)
        {
            // Spans cost only when something exports them: without a collector no tracer provider listens.
            telemetry.WithTracing(tracing => tracing
                .AddSource(ActorScalerTelemetry.Name)
                .AddHttpClientInstrumentation(o => o.FilterHttpRequestMessage = IsTracedRequest)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != MetricsPath)
                .AddOtlpExporter());
            telemetry.WithLogging(logging => logging.AddOtlpExporter(), logOptions =>
            {
                logOptions.IncludeScopes = true;
                logOptions.ParseStateValues = true;
            });
        }
    }

    /// <summary>System.Net.Http's client instruments without server.address/server.port/network.peer.address.</summary>
    public static IReadOnlyList<(string Instrument, string[] TagKeys)> HttpClientTagKeys { get; } =
    [
        ("http.client.request.duration", ["http.request.method", "http.response.status_code", "error.type", "network.protocol.version", "url.scheme"]),
        ("http.client.active_requests", ["http.request.method", "url.scheme"]),
        ("http.client.open_connections", ["http.connection.state", "network.protocol.version", "url.scheme"]),
        ("http.client.connection.duration", ["network.protocol.version", "url.scheme"]),
        ("http.client.request.time_in_queue", ["http.request.method", "network.protocol.version", "url.scheme"]),
    ];

    /// <summary>Kubelet requests are traced only inside a sampled scrape span (ScrapeTelemetry samples them);
    /// API server requests always.</summary>
    private static bool IsTracedRequest(HttpRequestMessage request) =>
        request.RequestUri?.AbsolutePath.StartsWith("/metrics/resource", StringComparison.Ordinal) != true
        || System.Diagnostics.Activity.Current?.Parent?.OperationName == ActorScaler.Metrics.Scraping.ScrapeTelemetry.ScrapeSpan;

    public void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider services, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Akka's log events (cluster membership, sharding, remoting) through the host's ILogger, so they
        // reach the console and OTLP with everything else.
        builder.ConfigureLoggers(setup =>
        {
            setup.ClearLoggers();
            setup.AddLoggerFactory();
        });
        builder.WithActors((system, _) =>
        {
            var observations = MemberObservations.Start(system, ActorScalerTelemetry.Shared);
            system.RegisterOnTermination(observations.Dispose);
        });
    }

    public void MapEndpoints(WebApplication app, RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapGet(DecisionsRoute, GetDecisionsAsync);
    }

    private static async Task<IResult> GetDecisionsAsync(string @namespace, string name, HttpContext context)
    {
        if (!IsObjectName(@namespace) || !IsObjectName(name))
            return Results.Text($"invalid HPA reference \"{@namespace}/{name}\": namespace and name must be Kubernetes object names", statusCode: StatusCodes.Status400BadRequest);
        var key = $"{@namespace}/{name}";
        var registry = context.RequestServices.GetRequiredService<ActorRegistry>();
        if (!registry.TryGet<HpaSupervisor>(out var region))
            return Results.Text("the HPA controller does not run on this member", statusCode: StatusCodes.Status503ServiceUnavailable);
        // Asking the region for an HPA the informer does not know would start an entity for nothing.
        if (context.RequestServices.GetService<ControllerCaches>() is { } caches)
        {
            if (!caches.Hpas.IsSynced)
                return Results.Text("the HPA informer has not synced yet", statusCode: StatusCodes.Status503ServiceUnavailable);
            if (!caches.Hpas.TryGet(key, out _))
                return Results.Text($"horizontalpodautoscaler {key} not found", statusCode: StatusCodes.Status404NotFound);
        }
        try
        {
            var reply = await region.Ask<DecisionHistoryReply>(new GetDecisionHistory(key, TraceContext.Capture()), AskTimeout, context.RequestAborted).ConfigureAwait(false);
            return Results.Json(reply, DecisionHistoryJson.Options);
        }
        catch (AskTimeoutException)
        {
            return Results.Text($"the entity of {key} did not answer within {AskTimeout.TotalSeconds:0}s", statusCode: StatusCodes.Status504GatewayTimeout);
        }
    }

    /// <summary>A DNS subdomain as Kubernetes names objects (lowercase alphanumerics, '-' and '.', at most 253).</summary>
    private static bool IsObjectName(string value) =>
        value.Length is > 0 and <= 253 && value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.');
}

/// <summary>The JSON of the decisions endpoint, shared by the server and `actorscaler explain`.</summary>
public static class DecisionHistoryJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
