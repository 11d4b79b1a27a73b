using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Prometheus.Tests.Support;

/// <summary>
/// A /metrics endpoint on 127.0.0.1 whose series the test sets (a queue exporter's gauge, a per-Service
/// gauge): what External and Object metrics read in a cluster, scraped by the test Prometheus.
/// </summary>
public sealed class StaticMetricsTarget : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, double> _series = new(StringComparer.Ordinal);

    private StaticMetricsTarget(WebApplication app) => _app = app;

    public int Port { get; private set; }
    public string Address => $"127.0.0.1:{Port}";

    public static async Task<StaticMetricsTarget> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var target = new StaticMetricsTarget(app);
        app.MapGet("/metrics", target.Render);
        await app.StartAsync();
        target.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return target;
    }

    /// <summary>Sets a series, written as in the exposition format: <c>name{a="b"}</c>.</summary>
    public void Set(string series, double value) => _series[series] = value;

    public void Remove(string series) => _series.TryRemove(series, out _);

    private Task Render(HttpContext context)
    {
        var text = new StringBuilder();
        foreach (var (series, value) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            text.Append(series).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(text.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
