using ActorScaler.Actors.Cluster;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Informers;
using Akka.Hosting;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Hosting;

/// <summary>The API client and the member's shared informer caches (nodes, slim pods).</summary>
public sealed class KubernetesFeature : IMemberFeature
{
    public void ConfigureServices(IServiceCollection services, RunOptions options)
    {
        // The member's write fence checks every write again as it leaves the request queue (docs/cluster.md).
        services.AddSingleton<IKubernetes>(sp => KubernetesClientFactory.Create(
            new KubernetesConnection(options.Kubeconfig, options.InCluster, options.UserAgent), sp.GetService<WriteFence>()));
        services.AddSingleton<ClusterCaches>();
        services.AddSingleton<ScaleClient>();
        services.AddHostedService<ClusterCachesService>();
    }

    public void ConfigureAkka(AkkaConfigurationBuilder builder, IServiceProvider services, RunOptions options)
    {
    }

    public void MapEndpoints(WebApplication app, RunOptions options)
    {
    }

    private sealed class ClusterCachesService(IKubernetes client, ClusterCaches caches, RunOptions options, ILogger<ClusterCaches> logger) : BackgroundService
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
