using System.Net;
using System.Net.Sockets;
using ActorScaler.Actors.Cluster;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorScaler.Actors.Tests.Cluster;

/// <summary>
/// An actor system configured exactly as a member's (Akka.Hosting + <see cref="ClusterSetup.AddActorScalerCluster"/>
/// with the repository's hocon/actorscaler.conf), without the web host: the hosted services are started
/// and stopped by hand, so startup tasks (the formation guard) run as in `actorscaler run`.
/// </summary>
internal sealed class HostedMember : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly IReadOnlyList<IHostedService> _services;

    private HostedMember(ServiceProvider provider, IReadOnlyList<IHostedService> services, Lifetime lifetime)
    {
        _provider = provider;
        _services = services;
        StopRequested = lifetime.StopRequested;
    }

    public ActorSystem System => _provider.GetRequiredService<ActorSystem>();

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    /// <summary>Completes when the actor system asked the host to stop (what ends `actorscaler run`).</summary>
    public Task StopRequested { get; }

    public static async Task<HostedMember> StartAsync(ClusterMembership membership, string? overrideHocon = null, string? extraHocon = null, WriteFence? writeFence = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var lifetime = new Lifetime();
        services.AddSingleton<IHostApplicationLifetime>(lifetime);
        services.AddAkka(ClusterMembership.SystemName, builder =>
        {
            builder.AddActorScalerCluster(membership, overrideHocon, RepositoryFiles.Path(ClusterSetup.HoconRelativePath), writeFence);
            // Tests only: quiet logs; prepended last so it wins.
            builder.AddHocon("akka { loglevel = WARNING, stdout-loglevel = WARNING, log-dead-letters = off }" + (extraHocon ?? ""), HoconAddMode.Prepend);
        });
        var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
            await service.StartAsync(CancellationToken.None);
        return new HostedMember(provider, hosted, lifetime);
    }

    /// <summary>Free loopback ports, held until all are chosen so none is handed out twice.</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners)
            l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners)
            l.Stop();
        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services.Reverse())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await service.StopAsync(timeout.Token);
        }
        await _provider.DisposeAsync();
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();
        private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task StopRequested => _stopRequested.Task;
        public CancellationToken ApplicationStarted => CancellationToken.None;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopRequested.TrySetResult();
    }
}
