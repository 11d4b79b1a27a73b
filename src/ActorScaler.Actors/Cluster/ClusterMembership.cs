using System.Globalization;

namespace ActorScaler.Actors.Cluster;

/// <summary>
/// How this member joins the cluster: the remoting endpoint it is known by and the seeds.
/// With no seeds the member forms a one-member cluster of its own.
/// </summary>
/// <remarks>
/// The guard against two clusters at first start rests on three rules, all checked by <see cref="Validate"/>:
/// every member gets the same seed list (the StatefulSet's stable names in ordinal order), so exactly one
/// member - the one whose own address is the first seed, ordinal 0 - may join itself (Akka's
/// FirstSeedNodeProcess); every other member runs Akka's JoinSeedNodeProcess, which never self-joins and
/// retries the seeds until one answers. And with several seeds the member waits for a majority of them
/// (<see cref="MinimumMembers"/>) before it is Up, so an ordinal 0 that restarted while it could not reach
/// the others and joined itself stays a harmless Joining island (no shards, not ready) until
/// <see cref="ClusterFormationGuard"/> restarts it.
/// </remarks>
public sealed record ClusterMembership
{
    public const string SystemName = "actorscaler";
    public const int DefaultPort = 4053;
    public const string Role = "reconciler";
    public const string Protocol = "akka.tcp";
    /// <summary>The scheme when Akka's throttler adapter wraps TCP (<see cref="Partitionable"/>).</summary>
    public const string ThrottledProtocol = "akka.trttl.tcp";

    /// <summary>The name other members reach this one by. In a StatefulSet this is the pod's stable
    /// DNS name, so a restarted pod replaces its old incarnation at once instead of waiting for the
    /// split brain resolver.</summary>
    public string PublicHostname { get; init; } = "127.0.0.1";
    public string BindHostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = DefaultPort;
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    /// <summary>Members to wait for before this member is Up and sharding allocates (a majority of the replicas).</summary>
    public int MinimumMembers { get; init; } = 1;

    /// <summary>Test only (<see cref="MembershipSources.PartitionableVariable"/>): remoting runs through
    /// Akka's throttler adapter, so <see cref="PartitionHook"/> can drop this member's traffic to and
    /// from the others, a true network partition without root. It changes every address's scheme to
    /// <see cref="ThrottledProtocol"/>, so all members of a cluster must agree on it.</summary>
    public bool Partitionable { get; init; }

    /// <summary>The scheme of every member address: <see cref="Protocol"/>, or <see cref="ThrottledProtocol"/>
    /// when <see cref="Partitionable"/>.</summary>
    public string AddressProtocol => Partitionable ? ThrottledProtocol : Protocol;

    /// <summary>The public hostname as Akka compares it (see <see cref="SeedAddresses"/>).</summary>
    public string CanonicalHostname => NormalizeHost(PublicHostname);

    public string SelfAddress => $"{AddressProtocol}://{SystemName}@{CanonicalHostname}:{Port}";

    /// <summary>Seed addresses in Akka form; host:port entries are expanded. Host names are compared
    /// case-insensitively by DNS but as strings by Akka, so they are lower-cased (and a trailing root dot
    /// dropped): otherwise ordinal 0 would not recognise itself as the first seed and no one would ever
    /// form the cluster.</summary>
    public IReadOnlyList<string> SeedAddresses =>
        SeedNodes.Count == 0
            ? [SelfAddress]
            : SeedNodes.Select(ToAddress).Select(a => AddressProtocol + a[Protocol.Length..]).ToList();

    /// <summary>True when this member is the first seed: the only one allowed to join itself.</summary>
    public bool IsFirstSeed => SeedAddresses[0] == SelfAddress;

    /// <summary>Problems that would let two clusters form or keep one from forming; empty when none.
    /// Each names the setting (flag) at fault.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(PublicHostname))
            problems.Add("cluster hostname (--cluster-hostname) is empty");
        if (Port is < 0 or > 65535)
            problems.Add($"cluster port (--cluster-port) {Port} must be between 0 and 65535");
        if (MinimumMembers < 1)
            problems.Add($"minimum members (--min-members) {MinimumMembers} must be at least 1");
        var seeds = new List<string>();
        foreach (var seed in SeedNodes)
        {
            if (TryParseSeed(seed, out var address, out var error))
                seeds.Add(address);
            else
                problems.Add($"seed node (--seed-nodes) \"{seed}\": {error}");
        }
        if (problems.Count > 0)
            return problems;
        var duplicate = seeds.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            problems.Add($"seed node (--seed-nodes) {duplicate.Key} is listed twice");
        // With one seed (a single member, or a dev cluster with one seed) there is nothing to split; with
        // several, fewer than a majority could be Up on both sides of a partition at first start.
        if (seeds.Count > 1 && MinimumMembers <= seeds.Count / 2)
            problems.Add($"minimum members (--min-members) {MinimumMembers} must be a majority of the {seeds.Count} seed nodes (at least {(seeds.Count / 2) + 1}), or two clusters could form at first start");
        if (seeds.Count > 0 && Port == 0)
            problems.Add("cluster port (--cluster-port) 0 picks a random port, which no seed list can name; give a fixed port with --seed-nodes");
        return problems;
    }

    /// <summary>"host:port" or a full akka.tcp address to the canonical address string.</summary>
    public static bool TryParseSeed(string seed, out string address, out string error)
    {
        address = "";
        var text = seed.Trim();
        var prefix = $"{Protocol}://{SystemName}@";
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!text.StartsWith(prefix, StringComparison.Ordinal))
            {
                error = $"must be host:port or {prefix}host:port (the actor system is named \"{SystemName}\")";
                return false;
            }
            text = text[prefix.Length..];
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = "must be host:port with a port between 1 and 65535";
            return false;
        }
        address = $"{prefix}{NormalizeHost(text[..colon])}:{port}";
        error = "";
        return true;
    }

    private static string ToAddress(string seed) =>
        TryParseSeed(seed, out var address, out var error)
            ? address
            : throw new FormatException($"seed node (--seed-nodes) \"{seed}\": {error}");

    private static string NormalizeHost(string host) => host.Trim().TrimEnd('.').ToLowerInvariant();
}
