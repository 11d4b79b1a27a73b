using System.Net;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Kubelets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>
/// A stand-in metrics.k8s.io/v1beta1 backend over HTTPS (certificate for
/// metrics-server.kube-system.svc from the simulator CA), registered the way a cluster registers
/// metrics-server: an APIService with caBundle, a Service and its Endpoints.
/// </summary>
public sealed class MetricsBackend : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsBackend(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }
    public int Requests;

    public static async Task<MetricsBackend> StartAsync(SimulatorCertificateAuthority ca)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var cert = ca.IssueServingCertificate("metrics-server", ["metrics-server.kube-system.svc"], includeLoopbackIpSan: false);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(cert)));
        var app = builder.Build();
        MetricsBackend? self = null;
        app.Run(async ctx =>
        {
            Interlocked.Increment(ref self!.Requests);
            var path = ctx.Request.Path.Value!.TrimEnd('/');
            JsonObject body = path switch
            {
                "/apis/metrics.k8s.io/v1beta1" => new JsonObject
                {
                    ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = "metrics.k8s.io/v1beta1",
                    ["resources"] = new JsonArray(
                        new JsonObject { ["name"] = "nodes", ["singularName"] = "", ["namespaced"] = false, ["kind"] = "NodeMetrics", ["verbs"] = new JsonArray("get", "list") },
                        new JsonObject { ["name"] = "pods", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "PodMetrics", ["verbs"] = new JsonArray("get", "list") }),
                },
                "/apis/metrics.k8s.io/v1beta1/nodes" => new JsonObject
                {
                    ["kind"] = "NodeMetricsList", ["apiVersion"] = "metrics.k8s.io/v1beta1", ["metadata"] = new JsonObject(),
                    ["items"] = new JsonArray(new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["name"] = "node-a" }, ["timestamp"] = "2026-01-01T00:00:00Z", ["window"] = "15s",
                        ["usage"] = new JsonObject { ["cpu"] = "250m", ["memory"] = "1024Mi" },
                    }),
                },
                _ when path.StartsWith("/apis/metrics.k8s.io/v1beta1/namespaces/", StringComparison.Ordinal) && path.EndsWith("/pods", StringComparison.Ordinal) => new JsonObject
                {
                    ["kind"] = "PodMetricsList", ["apiVersion"] = "metrics.k8s.io/v1beta1", ["metadata"] = new JsonObject(),
                    ["items"] = new JsonArray(new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["name"] = "web-abc", ["namespace"] = path.Split('/')[5] },
                        ["timestamp"] = "2026-01-01T00:00:00Z", ["window"] = "15s",
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = "web", ["usage"] = new JsonObject { ["cpu"] = "1387411600n", ["memory"] = "12544Ki" } }),
                    }),
                },
                _ => new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404 },
            };
            ctx.Response.StatusCode = (string?)body["kind"] == "Status" ? 404 : 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(body.ToJsonString());
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        self = new MetricsBackend(app, port);
        return self;
    }

    /// <summary>The APIService, Service and Endpoints that register this backend, as a manifest.</summary>
    public string RegistrationManifest(SimulatorCertificateAuthority ca) => $"""
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: metrics-server, namespace: kube-system{"}"}
        spec:
          ports: [{"{"}name: https, port: 443, targetPort: {Port}{"}"}]
        ---
        apiVersion: v1
        kind: Endpoints
        metadata: {"{"}name: metrics-server, namespace: kube-system{"}"}
        subsets:
        - addresses: [{"{"}ip: 127.0.0.1{"}"}]
          ports: [{"{"}name: https, port: {Port}{"}"}]
        ---
        apiVersion: apiregistration.k8s.io/v1
        kind: APIService
        metadata: {"{"}name: v1beta1.metrics.k8s.io{"}"}
        spec:
          group: metrics.k8s.io
          version: v1beta1
          groupPriorityMinimum: 100
          versionPriority: 100
          service: {"{"}name: metrics-server, namespace: kube-system, port: 443{"}"}
          caBundle: {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(ca.CertificatePem))}
        """;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
