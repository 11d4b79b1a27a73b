using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Simulator.Kubelets;

/// <summary>How a <see cref="LoopbackPortFarm"/> serves its ports.</summary>
public sealed record LoopbackPortFarmOptions
{
    /// <summary>Picks the serving certificate per TLS handshake; null serves plain HTTP.</summary>
    public Func<int, X509Certificate2>? ServerCertificate { get; init; }

    /// <summary>
    /// Asked for every new connection with the port's index; true closes it before the TLS
    /// handshake, which is what a scraper sees from a kubelet that is down (a reset connection).
    /// </summary>
    public Func<int, bool>? RefuseConnection { get; init; }
}

/// <summary>
/// One Kestrel server listening on many 127.0.0.1 ports and dispatching on the local port. Two
/// thousand simulated kubelets each need their own port (a node publishes exactly one kubelet
/// port), and one server with many listeners costs far less than one server per node.
/// </summary>
public sealed class LoopbackPortFarm : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Dictionary<int, int> _indexByPort;

    private LoopbackPortFarm(WebApplication app, IReadOnlyList<int> ports)
    {
        _app = app;
        Ports = ports;
        _indexByPort = new Dictionary<int, int>(ports.Count);
        for (var i = 0; i < ports.Count; i++) _indexByPort[ports[i]] = i;
    }

    /// <summary>The bound port of each index, in index order.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>The index served on a local port, or -1 when the port is not one of ours.</summary>
    public int IndexOf(int localPort) => _indexByPort.TryGetValue(localPort, out var index) ? index : -1;

    /// <summary>
    /// Binds <paramref name="portCount"/> ephemeral ports on 127.0.0.1 and serves each request with
    /// <paramref name="handler"/>, given the index of the port the request arrived on.
    /// </summary>
    public static async Task<LoopbackPortFarm> StartAsync(
        int portCount,
        LoopbackPortFarmOptions options,
        Func<int, HttpContext, Task> handler,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(portCount);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var listenOptions = new List<Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions>(portCount);
        LoopbackPortFarm? farm = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            for (var i = 0; i < portCount; i++)
            {
                // Port 0: the OS picks a free port, so concurrent simulators and tests never collide.
                kestrel.Listen(IPAddress.Loopback, 0, listen =>
                {
                    listenOptions.Add(listen);
                    if (options.RefuseConnection is { } refuse)
                    {
                        // Registered before UseHttps so a "down" node resets the connection before any
                        // handshake, the way a stopped kubelet looks to a scraper.
                        listen.Use(next => connection =>
                        {
                            if (farm is not null && connection.LocalEndPoint is IPEndPoint local
                                && farm.IndexOf(local.Port) is var index and >= 0 && refuse(index))
                            {
                                connection.Abort(new ConnectionAbortedException("simulated kubelet is down"));
                                return Task.CompletedTask;
                            }
                            return next(connection);
                        });
                    }
                    if (options.ServerCertificate is { } certificate)
                    {
                        listen.UseHttps(new HttpsConnectionAdapterOptions
                        {
                            ServerCertificateSelector = (connection, _) =>
                                certificate(farm is not null && connection?.LocalEndPoint is IPEndPoint local ? farm.IndexOf(local.Port) : -1),
                        });
                    }
                });
            }
        });

        var app = builder.Build();
        app.Run(context =>
        {
            var index = farm?.IndexOf(context.Connection.LocalPort) ?? -1;
            if (index < 0)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return handler(index, context);
        });
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        // Kestrel writes the bound endpoint back into each ListenOptions once it has bound it.
        var ports = listenOptions.Select(l => ((IPEndPoint)l.EndPoint).Port).ToArray();
        if (ports.Any(p => p == 0))
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("Kestrel did not report the ports it bound");
        }
        farm = new LoopbackPortFarm(app, ports);
        return farm;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
