namespace ActorScaler.Actors.Cluster;

/// <summary>How this member joins the cluster: the remoting endpoint it is known by and the seeds.
/// With no seeds the member forms a one-member cluster of its own.</summary>
public sealed record ClusterMembership
{
    public const string SystemName = "actorscaler";
    public const int DefaultPort = 4053;
    public const string Role = "reconciler";

    /// <summary>The name other members reach this one by. In a StatefulSet this is the pod's stable
    /// DNS name, so a restarted pod replaces its old incarnation at once instead of waiting for the
    /// split brain resolver.</summary>
    public string PublicHostname { get; init; } = "127.0.0.1";
    public string BindHostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = DefaultPort;
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    /// <summary>Members to wait for before sharding starts allocating (a majority of the replicas).</summary>
    public int MinimumMembers { get; init; } = 1;

    public string SelfAddress => $"akka.tcp://{SystemName}@{PublicHostname}:{Port}";

    /// <summary>Seed addresses in Akka form; host:port entries are expanded.</summary>
    public IReadOnlyList<string> SeedAddresses =>
        SeedNodes.Count == 0
            ? [SelfAddress]
            : SeedNodes.Select(s => s.StartsWith("akka.tcp://", StringComparison.Ordinal) ? s : $"akka.tcp://{SystemName}@{s}").ToList();
}
