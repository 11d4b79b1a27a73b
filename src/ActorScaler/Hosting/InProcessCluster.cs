using System.Net;
using System.Net.Sockets;
using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Hpa;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Simulator;
using ActorScaler.Simulator.Workloads;
using Akka.Actor;
using Akka.Hosting;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Hosting;

/// <summary>How to start an <see cref="InProcessCluster"/>.</summary>
public sealed record InProcessClusterOptions
{
    public int Members { get; init; } = 3;
    public int Nodes { get; init; } = 3;
    /// <summary>The run flags every member gets; connection, ports and seeds are filled in.</summary>
    public RunOptions Member { get; init; } = new();
    /// <summary>Member logging; null = none (the demo draws its own view).</summary>
    public Action<ILoggingBuilder>? Logging { get; init; }
}

/// <summary>
/// The simulator (API server, kubelets, workload controllers) and several `run` members forming one
/// Akka cluster, all in this process on 127.0.0.1 and free ports: what the demo and the end-to-end
/// tests run. Each member has its own API client (its own User-Agent), informers and actor system,
/// exactly as separate processes would.
/// </summary>
public sealed class InProcessCluster : IAsyncDisposable
{
    /// <summary>The User-Agent of <see cref="Client"/>: the audit tells its requests from the members'.</summary>
    public const string OperatorUserAgent = "actorscaler-operator";

    private readonly string _directory;

    private InProcessCluster(SimulatedCluster simulator, WorkloadSimulation workloads, IReadOnlyList<MemberHost> members, IKubernetes client, string directory)
    {
        Simulator = simulator;
        Workloads = workloads;
        Members = members;
        Client = client;
        _directory = directory;
    }

    public SimulatedCluster Simulator { get; }
    public WorkloadSimulation Workloads { get; }
    public IReadOnlyList<MemberHost> Members { get; }
    /// <summary>An operator's client (kubectl's role): applies manifests and changes load.</summary>
    public IKubernetes Client { get; }

    public static async Task<InProcessCluster> StartAsync(InProcessClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = Path.Combine(Path.GetTempPath(), $"actorscaler-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var simulator = await SimulatedCluster.StartAsync(new SimulatorOptions
        {
            // The kubelets and nodes come from the workload simulation started below.
            Nodes = 0,
            KubeconfigOut = Path.Combine(directory, "kubeconfig"),
            SimulateWorkloads = false,
        }, cancellationToken).ConfigureAwait(false);
        var kubeletCa = Path.Combine(directory, "kubelet-ca.crt");
        var workloads = new WorkloadSimulation(simulator.Store, TimeProvider.System, new WorkloadSimulationOptions
        {
            NodeCount = options.Nodes,
            CertificateAuthority = simulator.CertificateAuthority,
            CaFile = kubeletCa,
        });
        await workloads.StartAsync(cancellationToken).ConfigureAwait(false);

        // Akka logs to stdout on its own; without a log sink asked for, keep it quiet (the demo draws
        // its own view, the tests read the audit).
        var hocon = options.Member.ConfigFile;
        if (options.Logging is null && hocon is null)
        {
            hocon = Path.Combine(directory, "quiet.conf");
            await File.WriteAllTextAsync(hocon, "akka { loglevel = OFF, stdout-loglevel = OFF, log-dead-letters = off }\n", cancellationToken).ConfigureAwait(false);
        }
        var ports = FreePorts(options.Members);
        var members = new List<MemberHost>();
        try
        {
            for (var i = 0; i < options.Members; i++)
            {
                var memberOptions = options.Member with
                {
                    Kubeconfig = simulator.KubeconfigPath,
                    InCluster = false,
                    ConfigFile = hocon,
                    KubeletCertificateAuthority = kubeletCa,
                    KubeletInsecureTls = false,
                    ListenAddress = new IPEndPoint(IPAddress.Loopback, 0),
                    ListenInsecureHttp = true,
                    Membership = new ClusterMembership
                    {
                        PublicHostname = "127.0.0.1",
                        BindHostname = "127.0.0.1",
                        Port = ports[i],
                        SeedNodes = [$"127.0.0.1:{ports[0]}"],
                    },
                };
                var member = MemberHost.Build(memberOptions, logging: options.Logging ?? (b => b.SetMinimumLevel(LogLevel.None)));
                await member.StartAsync(cancellationToken).ConfigureAwait(false);
                members.Add(member);
            }
        }
        catch
        {
            foreach (var member in members)
                await member.DisposeAsync().ConfigureAwait(false);
            await workloads.DisposeAsync().ConfigureAwait(false);
            await simulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var client = KubernetesClientFactory.Create(new KubernetesConnection(simulator.KubeconfigPath, false, OperatorUserAgent));
        var cluster = new InProcessCluster(simulator, workloads, members, client, directory);
        await cluster.WaitForMembersUpAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>Waits until every member sees every member Up.</summary>
    public async Task WaitForMembersUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var up = Members.All(m =>
            {
                var cluster = Akka.Cluster.Cluster.Get(m.Services.GetRequiredService<ActorSystem>());
                return cluster.State.Members.Count(x => x.Status == Akka.Cluster.MemberStatus.Up) == Members.Count;
            });
            if (up)
                return;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"the {Members.Count} members did not form one cluster within {timeout.TotalSeconds:0}s");
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Which member's entity owns an HPA, asked through member 0's shard region.</summary>
    public async Task<HpaOwner?> OwnerOfAsync(string hpaKey, TimeSpan timeout)
    {
        var registry = Members[0].Services.GetRequiredService<ActorRegistry>();
        if (!registry.TryGet<HpaSupervisor>(out var region))
            return null;
        try
        {
            return await region.Ask<HpaOwner>(new GetHpaOwner(hpaKey), timeout).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>The index of the member with this Akka address, or -1.</summary>
    public int MemberIndexOf(string address)
    {
        for (var i = 0; i < Members.Count; i++)
            if (address.EndsWith($":{Members[i].Options.Membership.Port}", StringComparison.Ordinal))
                return i;
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        // Members leave first (as a rolling shutdown would), then the cluster they talk to.
        foreach (var member in Members.Reverse())
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await member.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            await member.DisposeAsync().ConfigureAwait(false);
        }
        Client.Dispose();
        await Workloads.DisposeAsync().ConfigureAwait(false);
        await Simulator.DisposeAsync().ConfigureAwait(false);
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
        // Hold every listener until all are chosen so the same port is not handed out twice.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        foreach (var l in listeners)
            l.Start();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners)
            l.Stop();
        return ports;
    }
}
