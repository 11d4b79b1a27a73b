using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorScaler.Simulator.Api;
using ActorScaler.Simulator.Kubelets;
using ActorScaler.Simulator.Storage;
using ActorScaler.Simulator.Workloads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Simulator;

/// <summary>
/// The composition root of the cluster simulator: the object store, the API server on 127.0.0.1
/// (HTTPS with a CA of its own, or HTTP), the API faults and audit, the kubeconfig, and the node
/// and workload simulation behind it. Start it in process with <see cref="StartAsync"/> (port 0
/// picks a free port); `actorscaler sim serve` does the same from the command line.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    /// <summary>Namespaces a fresh kube-apiserver creates for itself.</summary>
    public static readonly IReadOnlyList<string> SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public const string ContextName = "actorscaler-sim";

    private readonly WebApplication _app;
    private readonly Aggregator _aggregator;

    private SimulatedCluster(SimulatorOptions options, ClusterStore store, ApiHandler handler, ApiFaults faults, ApiAudit audit,
        Aggregator aggregator, SimulatorCertificateAuthority ca, WebApplication app, Uri baseUrl, KubernetesVersion version, WorkloadSimulation? workloads)
    {
        Options = options;
        Store = store;
        Handler = handler;
        Faults = faults;
        Audit = audit;
        _aggregator = aggregator;
        CertificateAuthority = ca;
        _app = app;
        ApiBaseUrl = baseUrl;
        Version = version;
        Workloads = workloads;
    }

    public SimulatorOptions Options { get; }
    public ClusterStore Store { get; }
    public ApiHandler Handler { get; }
    public ApiFaults Faults { get; }
    public ApiAudit Audit { get; }
    public SimulatorCertificateAuthority CertificateAuthority { get; }
    public KubernetesVersion Version { get; }

    /// <summary>Nodes, kubelets, workload controllers and load; null when started with SimulateWorkloads = false.</summary>
    public WorkloadSimulation? Workloads { get; }

    /// <summary>e.g. https://127.0.0.1:41234/</summary>
    public Uri ApiBaseUrl { get; }

    public int Port => ApiBaseUrl.Port;

    /// <summary>The kubeconfig written at start, or null when none was asked for.</summary>
    public string? KubeconfigPath { get; private set; }

    /// <summary>The CA certificate file written beside the kubeconfig (HTTPS only).</summary>
    public string? CaFile { get; private set; }

    public static async Task<SimulatedCluster> StartAsync(SimulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("invalid simulator options: " + string.Join("; ", problems), nameof(options));

        var time = options.Time ?? TimeProvider.System;
        var version = KubernetesVersion.Parse(options.KubernetesVersion);
        var store = new ClusterStore(time, options.WatchHistory);
        var faults = new ApiFaults();
        var audit = new ApiAudit();
        var aggregator = new Aggregator(store);
        var handler = new ApiHandler(store, faults, audit, new Tables(time, version.Minor), options.BookmarkInterval);
        var ca = SimulatorCertificateAuthority.Create();
        foreach (var ns in SystemNamespaces) handler.ApplyObject(new() { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = ns } });
        // Every cluster has default/kubernetes, the API server's own Service, at the first service IP.
        handler.ApplyObject(new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject
            {
                ["name"] = "kubernetes",
                ["namespace"] = "default",
                ["labels"] = new System.Text.Json.Nodes.JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            ["spec"] = new System.Text.Json.Nodes.JsonObject
            {
                ["ports"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = 6443 }),
            },
        });

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        X509Certificate2? serving = options.Https
            ? ca.IssueServingCertificate("kube-apiserver", ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"], includeLoopbackIpSan: true)
            : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = serving is null ? HttpProtocols.Http1 : HttpProtocols.Http1AndHttp2;
                if (serving is not null) listen.UseHttps(serving);
            });
        });
        var app = builder.Build();
        WorkloadSimulation? workloads = null;
        if (options.SimulateWorkloads)
        {
            // One CA for the whole cluster: the kubeconfig's CA also verifies the kubelets.
            workloads = new WorkloadSimulation(store, time, new WorkloadSimulationOptions
            {
                NodeCount = options.Nodes,
                CertificateAuthority = ca,
                PrometheusSdFile = options.PrometheusSdFile,
            });
            await workloads.StartAsync(cancellationToken);
            app.MapSimulatorNodeAdmin(workloads);
            app.MapKubeletRequestLog(workloads);
        }
        var server = new ApiServer(store, handler, aggregator, faults, audit, version);
        server.Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            if (workloads is not null) await workloads.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var baseUrl = new Uri($"{(options.Https ? "https" : "http")}://127.0.0.1:{port}/");
        server.ServerAddress = $"127.0.0.1:{port}";

        var cluster = new SimulatedCluster(options, store, handler, faults, audit, aggregator, ca, app, baseUrl, version, workloads);
        try
        {
            if (options.KubeconfigOut is { } kubeconfig) cluster.WriteKubeconfig(kubeconfig);
            foreach (var file in options.Manifests) cluster.ApplyManifestFile(file);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>Applies every object of a manifest file (create or replace); returns what was stored.</summary>
    public IReadOnlyList<StoredObject> ApplyManifestFile(string path)
    {
        var stored = new List<StoredObject>();
        foreach (var obj in Manifests.ReadFile(path))
        {
            try
            {
                stored.Add(Handler.ApplyObject(obj));
            }
            catch (StatusException e)
            {
                throw new InvalidDataException($"{path}: {(string?)obj["kind"]} \"{(string?)obj["metadata"]?["name"]}\": {e.Message}", e);
            }
        }
        return stored;
    }

    /// <summary>Writes a kubeconfig for this cluster (and the CA file beside it for HTTPS).</summary>
    public string WriteKubeconfig(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var cluster = new StringBuilder();
        cluster.Append("    server: ").Append(ApiBaseUrl.ToString().TrimEnd('/')).Append('\n');
        if (Options.Https)
        {
            CaFile = CertificateAuthority.WriteCaFile(Path.Combine(directory, SimulatorCertificateAuthority.CaFileName));
            cluster.Append("    certificate-authority: ").Append(CaFile).Append('\n');
        }
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {ContextName}
              cluster:
            {cluster.ToString().TrimEnd('\n')}
            contexts:
            - name: {ContextName}
              context:
                cluster: {ContextName}
                user: {ContextName}
                namespace: default
            current-context: {ContextName}
            users:
            - name: {ContextName}
              user:
                token: simulator-admin-token

            """;
        File.WriteAllText(full, text);
        KubeconfigPath = full;
        return full;
    }

    public async ValueTask DisposeAsync()
    {
        Store.DropWatches(reason: "simulator stopping");
        if (Workloads is not null) await Workloads.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _aggregator.Dispose();
    }
}
