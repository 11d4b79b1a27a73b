using System.Globalization;

namespace ActorScaler.Actors.Cluster;

/// <summary>The membership values as given on the command line; null = the flag was not given.</summary>
public sealed record MembershipFlags(string? Hostname = null, int? Port = null, string? SeedNodes = null, int? MinMembers = null);

/// <summary>
/// Builds a <see cref="ClusterMembership"/> from the two layers above the HOCON files: environment
/// variables, then flags (a flag wins over its variable, key by key). The HOCON layers (shipped file, then
/// --config) never set these keys, so each value has exactly one source that wins. In a StatefulSet the
/// variables are the natural place (one pod template, values from the downward API); the flags are for
/// people running members by hand.
/// </summary>
public static class MembershipSources
{
    public const string HostnameVariable = "ACTORSCALER_CLUSTER_HOSTNAME";
    public const string PortVariable = "ACTORSCALER_CLUSTER_PORT";
    public const string SeedNodesVariable = "ACTORSCALER_SEED_NODES";
    public const string MinMembersVariable = "ACTORSCALER_MIN_MEMBERS";
    /// <summary>Test only, deliberately without a flag: "true" runs remoting through Akka's throttler so
    /// the process-level cluster tests can cut a member off (<see cref="ClusterMembership.Partitionable"/>).</summary>
    public const string PartitionableVariable = "ACTORSCALER_TEST_PARTITIONABLE";

    public const string HostnameFlag = "--cluster-hostname";
    public const string PortFlag = "--cluster-port";
    public const string SeedNodesFlag = "--seed-nodes";
    public const string MinMembersFlag = "--min-members";

    /// <summary>Binding on every interface is needed when other pods dial the stable name; loopback alone
    /// keeps a developer's members off the network.</summary>
    public const string LoopbackHostname = "127.0.0.1";

    /// <summary>Every membership variable, for documentation and tests.</summary>
    public static IReadOnlyList<string> Variables { get; } = [HostnameVariable, PortVariable, SeedNodesVariable, MinMembersVariable];

    /// <summary>Resolves flags over environment variables over defaults; a bad value throws
    /// FormatException naming the flag or the variable it came from.</summary>
    public static ClusterMembership Resolve(MembershipFlags flags, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(environment);
        var hostname = flags.Hostname ?? NonEmpty(environment(HostnameVariable)) ?? LoopbackHostname;
        var port = flags.Port ?? Integer(PortVariable, environment(PortVariable)) ?? ClusterMembership.DefaultPort;
        var minMembers = flags.MinMembers ?? Integer(MinMembersVariable, environment(MinMembersVariable)) ?? 1;
        var (seedSource, seedText) = flags.SeedNodes is not null
            ? (SeedNodesFlag, flags.SeedNodes)
            : (SeedNodesVariable, environment(SeedNodesVariable));
        var seeds = string.IsNullOrWhiteSpace(seedText)
            ? []
            : seedText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var seed in seeds)
        {
            if (!ClusterMembership.TryParseSeed(seed, out _, out var error))
                throw new FormatException($"invalid value for {seedSource}: \"{seed}\": {error}");
        }
        if (port is < 0 or > 65535)
            throw new FormatException($"invalid value for {(flags.Port is null ? PortVariable : PortFlag)}: {port}: must be between 0 and 65535");
        if (minMembers < 1)
            throw new FormatException($"invalid value for {(flags.MinMembers is null ? MinMembersVariable : MinMembersFlag)}: {minMembers}: must be at least 1");
        var membership = new ClusterMembership
        {
            PublicHostname = hostname,
            BindHostname = hostname == LoopbackHostname ? LoopbackHostname : "0.0.0.0",
            Port = port,
            SeedNodes = seeds,
            MinimumMembers = minMembers,
            Partitionable = Boolean(PartitionableVariable, environment(PartitionableVariable)),
        };
        var problems = membership.Validate();
        if (problems.Count > 0)
            throw new FormatException(string.Join("; ", problems));
        return membership;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool Boolean(string variable, string? value) =>
        NonEmpty(value) is not { } text ? false
        : bool.TryParse(text, out var b) ? b
        : throw new FormatException($"invalid value for {variable}: \"{text}\": must be true or false");

    private static int? Integer(string variable, string? value)
    {
        if (NonEmpty(value) is not { } text)
            return null;
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new FormatException($"invalid value for {variable}: \"{text}\": must be an integer");
    }
}
