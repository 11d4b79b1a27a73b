using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Metrics;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Custom;
using Akka.Hosting;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Hosting;

/// <summary>The distributed HPA controller: HPA and scale-target informers, the status and event
/// clients, and the sharded HPA entities with this member's inventory. Needs the metrics feature's
/// <see cref="ResourceMetricsStore"/>.</summary>
public sealed class ControllerFeature : IMemberFeature
{
    public void ConfigureServices(IServiceCollection services, RunOptions options)
    {
        services.AddSingleton<ControllerCaches>();
        services.AddSingleton<HpaStatusClient>();
        services.AddSingleton(sp => new EventRecorder(sp.GetRequiredService<IKubernetes>(), TimeProvider.System));
        services.AddHostedService<ControllerCachesService>();
    }

    public void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider services, RunOptions options)
    {
        var context = new HpaControllerContext(
            ToControllerOptions(options),
            new CachedHpaInputs(services.GetRequiredService<ControllerCaches>(), services.GetRequiredService<ClusterCaches>()),
            new StoreMetricsSource(services.GetRequiredService<ResourceMetricsStore>()),
            new FencedHpaWriter(new KubernetesHpaWriter(services.GetRequiredService<ScaleClient>(), services.GetRequiredService<HpaStatusClient>(), services.GetRequiredService<EventRecorder>()), services.GetRequiredService<WriteFence>()),
            TimeProvider.System,
            // Registered by the custom metrics feature when a provider is configured; absent, the
            // Pods/Object/External metrics fail as upstream's do without an aggregated metrics API.
            services.GetService<ICustomMetricsProvider>());
        builder.AddHpaController(context);
    }

    public void MapEndpoints(WebApplication app, RunOptions options)
    {
    }

    /// <summary>The run flags as the controller's options (the flags were validated when parsed).</summary>
    public static HpaControllerOptions ToControllerOptions(RunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new HpaControllerOptions
        {
            SyncPeriod = options.SyncPeriod,
            Shadow = options.Mode == ControllerMode.Shadow,
            CustomMetricsPollInterval = options.CustomMetricsPollInterval,
            CustomMetricsStalenessBudget = options.CustomMetricsStalenessBudget,
            ResourceMetricsMaxAge = 2 * options.MetricResolution,
            HpaSelector = options.HpaSelector is null ? null : Selector.Parse(options.HpaSelector),
            Settings = ControllerSettings.Production with
            {
                Tolerance = options.Tolerance,
                CpuInitializationPeriod = options.CpuInitializationPeriod,
                DelayOfInitialReadinessStatus = options.InitialReadinessDelay,
                DownscaleStabilizationWindow = options.DownscaleStabilization,
            },
        };
    }

    private sealed class ControllerCachesService(IKubernetes client, ControllerCaches caches, RunOptions options, ILogger<ControllerCaches> logger) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
            caches.RunAsync(client, options.Namespaces, Log, stoppingToken);

        private void Log(string message)
        {
            if (logger.IsEnabled(LogLevel.Information))
                logger.LogInformation("{Message}", message);
        }
    }
}
