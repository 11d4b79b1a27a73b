using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Metrics;
using ActorScaler.Hosting;
using ActorScaler.Simulator;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Integration.Tests.Metrics;

/// <summary>Integration tests of the metrics pipeline run one at a time: each starts a simulator and
/// members, and together they would starve a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsPipelineCollection
{
    public const string Name = "metrics pipeline";
}

/// <summary>
/// The simulator (API server, HTTPS kubelets with the cluster CA, workloads) and N members running only
/// the metrics pipeline (Kubernetes + Metrics features), at --metric-resolution 1s so each test takes
/// seconds. Member log lines are captured so tests can assert what an operator would read.
/// </summary>
internal sealed class MetricsCluster : IAsyncDisposable
{
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan KubeletTimeout = TimeSpan.FromMilliseconds(700);

    private readonly string _directory;

    private MetricsCluster(SimulatedCluster simulator, string directory)
    {
        Simulator = simulator;
        _directory = directory;
    }

    public SimulatedCluster Simulator { get; }
    public List<MemberHost> Members { get; } = [];
    public ConcurrentQueue<string> Log { get; } = new();
    public string Kubeconfig => Simulator.KubeconfigPath!;

    public static async Task<MetricsCluster> StartAsync(int nodes, Action<SimulatedCluster>? beforeMembers = null, int members = 1,
        bool insecureTls = false, bool https = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actorscaler-metrics-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var simulator = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            Nodes = nodes,
            KubeconfigOut = Path.Combine(directory, "kubeconfig"),
        });
        var cluster = new MetricsCluster(simulator, directory);
        try
        {
            beforeMembers?.Invoke(simulator);
            var ports = FreePorts(members);
            for (var i = 0; i < members; i++)
                await cluster.StartMemberAsync(ports[i], ports[0], insecureTls, https);
            await cluster.WaitForClusterAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private async Task StartMemberAsync(int port, int seedPort, bool insecureTls, bool https)
    {
        var options = new RunOptions
        {
            Kubeconfig = Kubeconfig,
            MetricResolution = Resolution,
            KubeletRequestTimeout = KubeletTimeout,
            KubeletInsecureTls = insecureTls,
            ListenAddress = new IPEndPoint(IPAddress.Loopback, 0),
            ListenInsecureHttp = !https,
            Membership = new ClusterMembership { Port = port, SeedNodes = [$"127.0.0.1:{seedPort}"] },
        };
        var member = MemberHost.Build(options, [new KubernetesFeature(), new MetricsFeature()], logging =>
        {
            logging.SetMinimumLevel(LogLevel.Information);
            logging.AddProvider(new CapturingLoggerProvider(Log, $"member:{port}"));
        });
        await member.StartAsync();
        Members.Add(member);
    }

    private async Task WaitForClusterAsync(TimeSpan timeout)
    {
        await Until(() => Members.All(m =>
        {
            var cluster = Akka.Cluster.Cluster.Get(m.Services.GetRequiredService<Akka.Actor.ActorSystem>());
            return cluster.State.Members.Count(x => x.Status == Akka.Cluster.MemberStatus.Up) == Members.Count;
        }), timeout, "the members did not form one cluster");
    }

    public ResourceMetricsStore Store(int member = 0) => Members[member].Services.GetRequiredService<ResourceMetricsStore>();

    public Uri ListenUri(int member = 0)
    {
        var addresses = Members[member].Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        return new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>A Deployment whose pods together use <paramref name="cpuDemand"/> (the simulator's load annotation).</summary>
    public void ApplyDeployment(string name, int replicas, string cpuDemand, string ns = "default")
    {
        Simulator.Handler.ApplyObject(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["annotations"] = new JsonObject { ["simulator.actorscaler.io/cpu-demand"] = cpuDemand, ["simulator.actorscaler.io/ready-after"] = "1s" },
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "app",
                            ["image"] = "nginx:1.27",
                            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi" } },
                        }),
                    },
                },
            },
        });
    }

    /// <summary>Registers member <paramref name="member"/> as the metrics.k8s.io backend, the usual way:
    /// an APIService, a Service and (no pods back it) Endpoints pointing at its --listen-address.</summary>
    public void RegisterApiService(int member = 0)
    {
        var port = ListenUri(member).Port;
        Simulator.Handler.ApplyObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "actorscaler", ["namespace"] = "kube-system" },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = port }) },
        });
        Simulator.Handler.ApplyObject(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = "actorscaler", ["namespace"] = "kube-system" },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port }),
            }),
        });
        Simulator.Handler.ApplyObject(new JsonObject
        {
            ["apiVersion"] = "apiregistration.k8s.io/v1",
            ["kind"] = "APIService",
            ["metadata"] = new JsonObject { ["name"] = "v1beta1.metrics.k8s.io" },
            ["spec"] = new JsonObject
            {
                ["group"] = "metrics.k8s.io",
                ["version"] = "v1beta1",
                ["groupPriorityMinimum"] = 100,
                ["versionPriority"] = 100,
                // The member serves a self-signed certificate, as metrics-server does by default.
                ["insecureSkipTLSVerify"] = true,
                ["service"] = new JsonObject { ["name"] = "actorscaler", ["namespace"] = "kube-system", ["port"] = 443 },
            },
        });
    }

    /// <summary>GET on a member's Metrics API.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string pathAndQuery, int member = 0)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var http = new HttpClient(handler) { BaseAddress = ListenUri(member), Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} within {timeout.TotalSeconds:0}s");
            await Task.Delay(100);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{what} within {timeout.TotalSeconds:0}s");
            await Task.Delay(200);
        }
    }

    public async Task StopMemberAsync(int member)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await Members[member].StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
        await Members[member].DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in Enumerable.Reverse(Members))
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await member.StopAsync(timeout.Token);
                await member.DisposeAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
            }
        }
        await Simulator.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners)
            l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners)
            l.Stop();
        return ports;
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink, string prefix) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(sink, prefix);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> sink, string prefix) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Enqueue($"{prefix} {logLevel}: {formatter(state, exception)}");
        }
    }
}
