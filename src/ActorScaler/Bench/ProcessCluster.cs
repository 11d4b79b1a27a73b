namespace ActorScaler.Bench;

/// <summary>What <see cref="ProcessCluster.StartAsync"/> starts.</summary>
public sealed record ProcessClusterOptions
{
    public int Members { get; init; } = 3;

    public SimulatorProcessOptions Simulator { get; init; } = new();

    public MemberProcessOptions Member { get; init; } = new();

    /// <summary>Where the kubeconfig, the CA and one log file per process go.</summary>
    public required string OutDirectory { get; init; }

    /// <summary>How long the simulator may take to serve (its manifests applied).</summary>
    public TimeSpan SimulatorReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the members may take to be Up with their caches synced.</summary>
    public TimeSpan MembersReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// The simulator and N `actorscaler run` members, each a separate OS process of the running build,
/// on free loopback ports, forming one Akka cluster (every member lists every member as a seed, the
/// first one first, so a restarted member rejoins the others instead of forming a cluster of its own).
/// Disposal kills every process it started.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private ProcessCluster(SimulatorProcess simulator, IReadOnlyList<MemberProcess> members, ProcessClusterOptions options)
    {
        Simulator = simulator;
        Members = members;
        Options = options;
    }

    public SimulatorProcess Simulator { get; }

    public IReadOnlyList<MemberProcess> Members { get; }

    public ProcessClusterOptions Options { get; }

    public static async Task<ProcessCluster> StartAsync(ProcessClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Members < 1)
            throw new ArgumentException($"members: must be at least 1, got {options.Members}", nameof(options));
        var executable = ActorScalerExecutable.Current();
        var outDirectory = Path.GetFullPath(options.OutDirectory);
        var simulator = await SimulatorProcess.StartAsync(options.Simulator, outDirectory, options.SimulatorReadyTimeout, executable, cancellationToken).ConfigureAwait(false);
        var members = new List<MemberProcess>();
        try
        {
            var ports = LoopbackPorts.Free(options.Members * 2);
            var clusterPorts = ports.Take(options.Members).ToArray();
            var minMembers = options.Member.MinMembers ?? options.Members;
            for (var i = 0; i < options.Members; i++)
            {
                var httpPort = ports[options.Members + i];
                var args = MemberProcess.Arguments(options.Member, simulator.KubeconfigPath, simulator.CaFile, clusterPorts[i], httpPort, clusterPorts, minMembers);
                var child = new ChildProcess($"member-{i}", executable, args, Path.Combine(outDirectory, $"member-{i}.log"), options.Member.Environment);
                members.Add(new MemberProcess(i, child, clusterPorts[i], httpPort));
            }
            foreach (var member in members)
                member.Process.Start();
            foreach (var member in members)
                await member.WaitReadyAsync(options.MembersReadyTimeout, cancellationToken).ConfigureAwait(false);
            return new ProcessCluster(simulator, members, options);
        }
        catch
        {
            foreach (var member in members)
                await member.DisposeAsync().ConfigureAwait(false);
            await simulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The member whose User-Agent or Akka address ends in this "host:port"; null when none.</summary>
    public MemberProcess? MemberAt(string address) =>
        Members.FirstOrDefault(m => address.EndsWith(m.ClusterAddress, StringComparison.Ordinal) || address.Contains($"(member {m.ClusterAddress})", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        // Kill, do not leave gracefully: a benchmark or test that is done needs no hand-over, and
        // a hung member must not hold the caller.
        foreach (var member in Members)
            await member.DisposeAsync().ConfigureAwait(false);
        await Simulator.DisposeAsync().ConfigureAwait(false);
    }
}
