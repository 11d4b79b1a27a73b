using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Metrics;
using ActorScaler.Metrics.Api;
using ActorScaler.Metrics.Custom;
using ActorScaler.Prometheus;
using ActorScaler.Prometheus.Api;
using ActorScaler.Prometheus.Client;
using ActorScaler.Prometheus.Rules;
using Akka.Hosting;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Hosting;

/// <summary>
/// The source of Pods, Object and External metrics. With --prometheus-url and --prometheus-rules it
/// registers a <see cref="PrometheusMetricsProvider"/> as the member's <see cref="ICustomMetricsProvider"/>,
/// serves custom.metrics.k8s.io/v1beta2 and external.metrics.k8s.io/v1beta1 from it on --listen-address
/// (so the member can also be the cluster's adapter behind an APIService), and rediscovers series every
/// --metrics-relist-interval, logging rules Prometheus refuses. With --custom-metrics-from-api-server it
/// registers an <see cref="ApiServerCustomMetricsProvider"/> over an adapter already installed, and serves
/// nothing (serving what it reads through the API server could proxy to itself). With neither, nothing is
/// registered and the controller reports upstream's "no custom metrics API" failure.
/// </summary>
public sealed class CustomMetricsFeature : IMemberFeature
{
    /// <summary>Checks the flags together; returns the Prometheus URL. Bad values throw FormatException naming the flag.</summary>
    public static Uri? ValidatePrometheusFlags(string? url, string? rulesFile, bool fromApiServer)
    {
        if (url is null && rulesFile is null)
            return null;
        if (fromApiServer)
            throw new FormatException("--prometheus-url and --custom-metrics-from-api-server are mutually exclusive: pick one source of custom metrics");
        if (url is null)
            throw new FormatException("--prometheus-rules needs --prometheus-url: the Prometheus the rules query");
        if (rulesFile is null)
            throw new FormatException("--prometheus-url needs --prometheus-rules: the rules file that maps HPA metrics to PromQL");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            throw new FormatException($"invalid value for --prometheus-url: \"{url}\": must be an http:// or https:// URL such as http://prometheus.monitoring.svc:9090");
        if (!File.Exists(rulesFile))
            throw new FormatException($"invalid value for --prometheus-rules: {rulesFile} does not exist");
        try
        {
            RulesLoader.LoadFile(rulesFile);
        }
        catch (RulesFileException ex)
        {
            throw new FormatException($"invalid value for --prometheus-rules: {ex.Message}", ex);
        }
        return uri;
    }

    public void ConfigureServices(IServiceCollection services, RunOptions options)
    {
        if (options.PrometheusUrl is { } url && options.PrometheusRules is { } rulesFile)
        {
            services.AddSingleton(_ => new PrometheusClient(url, options.PrometheusTimeout));
            services.AddSingleton(sp => new PrometheusMetricsProvider(
                sp.GetRequiredService<PrometheusClient>(),
                RulesLoader.LoadFile(rulesFile),
                new PrometheusProviderOptions { RelistInterval = options.MetricsRelistInterval },
                TimeProvider.System));
            services.AddSingleton<ICustomMetricsProvider>(sp => sp.GetRequiredService<PrometheusMetricsProvider>());
            services.AddHostedService<DiscoveryService>();
        }
        else if (options.CustomMetricsFromApiServer)
        {
            services.AddSingleton<ICustomMetricsProvider>(sp => new ApiServerCustomMetricsProvider(sp.GetRequiredService<IKubernetes>()));
        }
    }

    public void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider services, RunOptions options)
    {
    }

    public void MapEndpoints(WebApplication app, RunOptions options)
    {
        if (options.PrometheusUrl is null)
            return;
        foreach (var group in new[] { CustomMetricsJson.CustomGroup, CustomMetricsJson.ExternalGroup })
        {
            app.Map($"/apis/{group}/{{**rest}}", Serve);
            app.Map($"/apis/{group}", Serve);
        }
    }

    private static async Task Serve(HttpContext context, PrometheusMetricsProvider provider, ClusterCaches caches)
    {
        var query = context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
        // The adapter LISTs pods from the API server for every request; the member's pod cache has them.
        var handler = new CustomMetricsApiHandler(provider, (ns, selector) => caches.Pods.Snapshot()
            .Where(p => p.Pod.Namespace == ns && selector.Matches(p.Pod.Labels))
            .Select(p => p.Pod.Name)
            .Order(StringComparer.Ordinal)
            .ToList());
        var response = await handler.HandleAsync(context.Request.Method, context.Request.Path.Value ?? "", query, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = MetricsApiResponse.ContentType;
        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Rediscovers series every relist interval so the discovery documents stay current and a
    /// rule Prometheus refuses shows in the log at start, not only in an HPA's condition.</summary>
    private sealed class DiscoveryService(PrometheusMetricsProvider provider, RunOptions options, ILogger<PrometheusMetricsProvider> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            string? lastReport = null;
            while (!stoppingToken.IsCancellationRequested)
            {
                string report;
                var level = LogLevel.Information;
                try
                {
                    var snapshot = await provider.RefreshAsync(stoppingToken).ConfigureAwait(false);
                    report = $"{provider.Name}: {snapshot.Custom.Count} custom and {snapshot.External.Count} external metrics from the rules in {provider.Rules.Source}";
                    foreach (var error in snapshot.RuleErrors)
                    {
                        report += "; " + error;
                        level = LogLevel.Warning;
                    }
                }
                catch (PrometheusApiException ex)
                {
                    report = $"{ex.Message} (discovering the series of the rules in {provider.Rules.Source})";
                    level = LogLevel.Warning;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                // Log changes only: a steady state says nothing new every minute.
                if (report != lastReport && logger.IsEnabled(level))
                    logger.Log(level, "{Report}", report);
                lastReport = report;
                try
                {
                    await Task.Delay(options.MetricsRelistInterval, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
