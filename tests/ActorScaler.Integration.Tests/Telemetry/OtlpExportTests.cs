using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorScaler.Hosting;
using ActorScaler.Integration.Tests.Controller;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Integration.Tests.Telemetry;

/// <summary>
/// OTLP export is configured by the standard OTEL_* variables alone: a member built while they point at
/// a loopback OTLP/HTTP receiver sends it traces, metrics and logs. (In the controller collection so it
/// does not run beside the other cluster tests; the variables are set only while the member is built.)
/// </summary>
[Collection(ControllerCollection.Name)]
public sealed class OtlpExportTests
{
    private static readonly string[] Variables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_BLRP_SCHEDULE_DELAY"];

    [Fact]
    public async Task A_member_exports_traces_metrics_and_logs_to_the_otlp_endpoint_in_the_environment()
    {
        var port = FreePort();
        using var receiver = new HttpListener();
        receiver.Prefixes.Add($"http://127.0.0.1:{port}/");
        receiver.Start();
        var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await receiver.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }
                received.AddOrUpdate($"{context.Request.HttpMethod} {context.Request.Url!.AbsolutePath} {context.Request.ContentType}", 1, (_, n) => n + 1);
                // An empty protobuf body is an empty Export*ServiceResponse: accepted.
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        });

        var previous = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        InProcessCluster cluster;
        try
        {
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", $"http://127.0.0.1:{port}");
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            Environment.SetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL", "500");
            Environment.SetEnvironmentVariable("OTEL_BSP_SCHEDULE_DELAY", "200");
            Environment.SetEnvironmentVariable("OTEL_BLRP_SCHEDULE_DELAY", "200");
            cluster = await InProcessCluster.StartAsync(new InProcessClusterOptions
            {
                Members = 1,
                Nodes = 1,
                Member = ControllerFixture.FastMember,
                Logging = logging => logging.SetMinimumLevel(LogLevel.Information),
            });
        }
        finally
        {
            foreach (var (name, value) in previous)
                Environment.SetEnvironmentVariable(name, value);
        }

        await using (cluster)
        {
            // A server span for the trace export (only /metrics is left out of tracing).
            using var http = new HttpClient();
            (await http.GetAsync(new Uri(cluster.Members[0].ListenUri, "/healthz"))).EnsureSuccessStatusCode();

            string[] expected = ["POST /v1/traces application/x-protobuf", "POST /v1/metrics application/x-protobuf", "POST /v1/logs application/x-protobuf"];
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!expected.All(received.ContainsKey) && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            Assert.True(expected.All(received.ContainsKey), $"the receiver got: {string.Join("; ", received.Keys)}");
        }
        await stop.CancelAsync();
        receiver.Stop();
        await receiving;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
