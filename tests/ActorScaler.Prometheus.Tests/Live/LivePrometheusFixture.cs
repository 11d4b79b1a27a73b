using System.Net;
using System.Text.Json.Nodes;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Api;
using ActorScaler.Prometheus.Api;
using ActorScaler.Prometheus.Client;
using ActorScaler.Prometheus.Rules;
using StoreResource = ActorScaler.Simulator.Storage.GroupResource;
using ActorScaler.Prometheus.Tests.Support;
using ActorScaler.Simulator;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Prometheus.Tests.Live;

/// <summary>
/// One simulated cluster (2 nodes, per-pod /metrics listed in a file-SD file), one real Prometheus
/// scraping it and a static target every second, the provider over them, and the provider's APIs served
/// over HTTPS and registered with the simulator's aggregation as a cluster registers an adapter.
/// </summary>
public sealed class LivePrometheusFixture : IAsyncLifetime
{
    /// <summary>The rules the live tests use: a Pods rate, an Object gauge on Services, an External gauge,
    /// and one rule whose query Prometheus refuses (an unbalanced parenthesis).</summary>
    public const string RulesYaml = """
        rules:
        - seriesQuery: 'http_requests_total{namespace!="",pod!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
              pod: {resource: pod}
          name:
            matches: "^(.*)_total$"
            as: "${1}_per_second"
          metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[5s])) by (<<.GroupBy>>)'
        - seriesQuery: 'service_inflight_requests{namespace!="",service!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
              service: {resource: service}
          metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
        - seriesQuery: 'broken_requests_total{namespace!="",pod!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
              pod: {resource: pod}
          metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[5s]) by (<<.GroupBy>>)'
        externalRules:
        - seriesQuery: '{__name__="queue_messages_ready",queue!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
          metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
        """;

    private WebApplication? _api;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"actorscaler-live-prom-{Guid.NewGuid():N}");
    public SimulatedCluster Cluster { get; private set; } = null!;
    public PrometheusServer Prometheus { get; private set; } = null!;
    public StaticMetricsTarget Static { get; private set; } = null!;
    public PrometheusClient Client { get; private set; } = null!;
    public PrometheusMetricsProvider Provider { get; private set; } = null!;
    public string RulesFile => Path.Combine(Directory, "rules.yaml");
    public int ApiPort { get; private set; }

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var sd = Path.Combine(Directory, "pods-sd.json");
        Cluster = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = 2,
            PrometheusSdFile = sd,
            KubeconfigOut = Path.Combine(Directory, "kubeconfig"),
        });
        Static = await StaticMetricsTarget.StartAsync();
        Prometheus = await PrometheusServer.StartAsync(new PrometheusServerOptions { FileSdPath = sd, StaticTargets = [Static.Address] });
        await File.WriteAllTextAsync(RulesFile, RulesYaml);
        Client = new PrometheusClient(Prometheus.Url, TimeSpan.FromSeconds(5));
        // Short relists: the tests create series and expect them within seconds.
        Provider = new PrometheusMetricsProvider(Client, RulesLoader.LoadFile(RulesFile),
            new PrometheusProviderOptions { RelistInterval = TimeSpan.FromSeconds(2), MissRelistInterval = TimeSpan.FromSeconds(1) });
        await StartApiAsync();
    }

    /// <summary>Serves the provider's APIs over HTTPS with a certificate for custom-metrics-apiserver.monitoring.svc
    /// from the simulator's CA, and registers both groups with APIServices, a Service and Endpoints.</summary>
    private async Task StartApiAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var certificate = Cluster.CertificateAuthority.IssueServingCertificate("custom-metrics-apiserver", ["custom-metrics-apiserver.monitoring.svc"], includeLoopbackIpSan: false);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var handler = new CustomMetricsApiHandler(Provider, PodNames);
        app.Run(async context =>
        {
            var query = context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);
            var response = await handler.HandleAsync(context.Request.Method, context.Request.Path.Value ?? "", query, context.RequestAborted);
            context.Response.StatusCode = response.StatusCode;
            context.Response.ContentType = MetricsApiResponse.ContentType;
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        _api = app;
        ApiPort = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        var caBundle = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(Cluster.CertificateAuthority.CertificatePem));
        Apply($$"""
            apiVersion: v1
            kind: Namespace
            metadata: {name: monitoring}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: custom-metrics-apiserver, namespace: monitoring}
            spec:
              ports: [{name: https, port: 443, targetPort: {{ApiPort}}}]
            ---
            apiVersion: v1
            kind: Endpoints
            metadata: {name: custom-metrics-apiserver, namespace: monitoring}
            subsets:
            - addresses: [{ip: 127.0.0.1}]
              ports: [{name: https, port: {{ApiPort}}}]
            ---
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata: {name: v1beta2.custom.metrics.k8s.io}
            spec:
              group: custom.metrics.k8s.io
              version: v1beta2
              groupPriorityMinimum: 100
              versionPriority: 200
              service: {name: custom-metrics-apiserver, namespace: monitoring, port: 443}
              caBundle: {{caBundle}}
            ---
            apiVersion: apiregistration.k8s.io/v1
            kind: APIService
            metadata: {name: v1beta1.external.metrics.k8s.io}
            spec:
              group: external.metrics.k8s.io
              version: v1beta1
              groupPriorityMinimum: 100
              versionPriority: 100
              service: {name: custom-metrics-apiserver, namespace: monitoring, port: 443}
              caBundle: {{caBundle}}
            """);
    }

    /// <summary>The pods of a namespace matching a selector, from the simulator's store (as the adapter LISTs them).</summary>
    public IReadOnlyList<string> PodNames(string ns, Selector selector) =>
        Cluster.Store.List(StoreResource.Pods).Items
            .Where(p => p.Namespace == ns)
            .Select(p => (p.Name, Labels: p.ToJsonObject()["metadata"]?["labels"] as JsonObject))
            .Where(p => selector.Matches((p.Labels ?? []).ToDictionary(l => l.Key, l => (string?)l.Value ?? "", StringComparer.Ordinal)))
            .Select(p => p.Name)
            .Order(StringComparer.Ordinal)
            .ToList();

    public void Apply(string yaml)
    {
        foreach (var obj in Manifests.Read(yaml, "test"))
            Cluster.Handler.ApplyObject(obj);
    }

    public async Task DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.StopAsync();
            await _api.DisposeAsync();
        }
        Provider?.Dispose();
        Client?.Dispose();
        if (Prometheus is not null)
            await Prometheus.DisposeAsync();
        if (Static is not null)
            await Static.DisposeAsync();
        if (Cluster is not null)
            await Cluster.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LivePrometheusCollection : ICollectionFixture<LivePrometheusFixture>
{
    public const string Name = "live prometheus";
}
