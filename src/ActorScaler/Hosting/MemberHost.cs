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

    private MemberHost(WebApplication app, RunOptions options)
    {
        _app = app;
        _options = options;
    }

    public IServiceProvider Services => _app.Services;
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
            akka.AddActorScalerCluster(options.Membership, options.ConfigFile);
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
