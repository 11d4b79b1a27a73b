using System.Net;
using ActorScaler.Actors.Cluster;
using ActorScaler.Kubernetes.Informers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Hosting;

/// <summary>
/// One cluster member: an ASP.NET Core host (HTTP endpoints on --listen-address) with an Akka.NET
/// cluster member inside. Several can run in one process (the demo, tests) because nothing here is
/// static.
/// </summary>
public sealed class MemberHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RunOptions _options;

    private CoordinatedShutdown? _shutdown;

    private MemberHost(WebApplication app, RunOptions options)
    {
        _app = app;
        _options = options;
        // RunAsync disposes the service provider when it returns; keep CoordinatedShutdown from the
        // start so the reason can still be read afterwards.
        app.Lifetime.ApplicationStarted.Register(() => _shutdown ??= CoordinatedShutdown.Get(app.Services.GetRequiredService<ActorSystem>()));
    }

    /// <summary>How long the host waits for its services (and so for CoordinatedShutdown: shard hand-off,
    /// leaving the cluster) after SIGTERM or Ctrl+C. Below the StatefulSet's terminationGracePeriodSeconds
    /// (60) so the process ends by itself before the kubelet's SIGKILL; a healthy leave takes ~3 s.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(45);

    public IServiceProvider Services => _app.Services;

    /// <summary>Why the member's actor system shut down; null while it runs (or if it never started). A
    /// graceful stop (SIGTERM, Ctrl+C, StopAsync) gives CoordinatedShutdown's ClrExitReason.</summary>
    public CoordinatedShutdown.Reason? ShutdownReason => _shutdown?.ShutdownReason;

    /// <summary>True when the cluster removed this member instead of it leaving on request: downed by
    /// the split brain resolver or another member, or stranded below min-nr-of-members. `run` exits
    /// non-zero then, so the restart is visible in the pod's status.</summary>
    public bool EndedByCluster => ShutdownReason is CoordinatedShutdown.ClusterDowningReason or FormationTimeoutReason or CoordinatedShutdown.ClusterJoinUnsuccessfulReason;
    public RunOptions Options => _options;

    /// <summary>The base URL of the HTTP endpoints once started (the bound port when 0 was asked).</summary>
    public Uri ListenUri
    {
        get
        {
            var addresses = _app.Urls;
            return new Uri(addresses.First());
        }
    }

    public static MemberHost Build(RunOptions options, IReadOnlyList<IMemberFeature>? features = null, Action<ILoggingBuilder>? logging = null)
    {
        features ??= MemberFeatures.All;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        if (logging is not null)
            logging(builder.Logging);
        else
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Services.AddSingleton(options);
        // One fence per member: its keeper (started with the actor system) feeds it, the HPA writer asks it.
        builder.Services.AddSingleton(_ => new WriteFence(TimeProvider.System));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.ListenAddress, listen =>
            {
                if (!options.ListenInsecureHttp)
                {
                    var ip = options.ListenAddress.Address;
                    var addresses = new List<IPAddress> { IPAddress.Loopback };
                    if (!ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.Loopback))
                        addresses.Add(ip);
                    listen.UseHttps(SelfSignedCertificate.Create("actorscaler", addresses, ["localhost", Environment.MachineName]));
                }
            });
        });

        foreach (var feature in features)
            feature.ConfigureServices(builder.Services, options);

        builder.Services.AddAkka(ClusterMembership.SystemName, (akka, services) =>
        {
            akka.AddActorScalerCluster(options.Membership, options.ConfigFile, writeFence: services.GetRequiredService<WriteFence>());
            foreach (var feature in features)
                feature.ConfigureAkka(akka, services, options);
        });

        var app = builder.Build();
        app.MapGet("/healthz", (ActorSystem system) =>
            system.WhenTerminated.IsCompleted ? Results.Text("actor system terminated", statusCode: 503) : Results.Text("ok"));
        app.MapGet("/readyz", (ActorSystem system, ClusterCaches caches) =>
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            var problems = new List<string>();
            if (cluster.SelfMember.Status != MemberStatus.Up)
                problems.Add($"cluster member is {cluster.SelfMember.Status}");
            if (!caches.Nodes.IsSynced || !caches.Pods.IsSynced)
                problems.Add("informer caches not synced");
            return problems.Count == 0 ? Results.Text("ok") : Results.Text(string.Join("\n", problems), statusCode: 503);
        });
        if (options.Membership.Partitionable)
        {
            // Test only (ACTORSCALER_TEST_PARTITIONABLE=true, see docs/cluster.md): drop this member's
            // traffic to and from every other member, a true partition for the process-level cluster tests.
            app.MapPost("/debug/partition", async (ActorSystem system) =>
            {
                var others = await PartitionHook.CutOffAsync(system).ConfigureAwait(false);
                return Results.Text($"cut off from {string.Join(", ", others)}\n");
            });
        }
        foreach (var feature in features)
            feature.MapEndpoints(app, options);
        return new MemberHost(app, options);
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Runs until the host is stopped (Ctrl+C / SIGTERM trigger a graceful cluster leave
    /// through CoordinatedShutdown before exit).</summary>
    public Task RunAsync(CancellationToken cancellationToken = default) => _app.RunAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
