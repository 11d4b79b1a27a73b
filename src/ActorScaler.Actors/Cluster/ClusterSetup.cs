using ActorScaler.Actors.Protocol;
using ActorScaler.Actors.Serialization;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;

namespace ActorScaler.Actors.Cluster;

public static class ClusterSetup
{
    /// <summary>Where the shipped HOCON lives relative to the binary (and the repository root).</summary>
    public const string HoconRelativePath = "hocon/actorscaler.conf";

    /// <summary>Used when the HOCON sets no formation timeout (it does; this keeps a hand-written --config
    /// that replaces the whole file from disabling the guard).</summary>
    public static readonly TimeSpan DefaultFormationTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The static tuning file shipped beside the binary (hocon/actorscaler.conf).</summary>
    public static string DefaultHoconPath => Path.Combine(AppContext.BaseDirectory, HoconRelativePath);

    /// <summary>
    /// Remoting, clustering and serialization for a member. Layering, lowest first: the shipped
    /// hocon/actorscaler.conf, then the operator's --config file, then what environment variables and flags
    /// set here (<see cref="MembershipSources"/>: host, port, seeds, minimum members). Each file is
    /// prepended before the With* calls, which prepend only the keys they set, so a later layer wins key
    /// by key. <paramref name="shippedHoconPath"/> is for tests that run without the binary's folder.
    /// With a <paramref name="writeFence"/>, the member runs the <see cref="WriteFenceKeeper"/> that feeds it
    /// (what lets the HPA writers refuse writes once this member lost the majority).
    /// </summary>
    public static AkkaConfigurationBuilder AddActorScalerCluster(this AkkaConfigurationBuilder builder, ClusterMembership membership,
        string? overrideHoconPath = null, string? shippedHoconPath = null, WriteFence? writeFence = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(membership);
        var problems = membership.Validate();
        if (problems.Count > 0)
            throw new ArgumentException($"invalid cluster membership: {string.Join("; ", problems)}", nameof(membership));
        var shipped = shippedHoconPath ?? DefaultHoconPath;
        if (!File.Exists(shipped))
            throw new FileNotFoundException($"HOCON file {shipped} does not exist", shipped);
        builder.AddHoconFile(shipped, HoconAddMode.Prepend);
        if (overrideHoconPath is not null)
        {
            if (!File.Exists(overrideHoconPath))
                throw new FileNotFoundException($"--config {overrideHoconPath} does not exist", overrideHoconPath);
            builder.AddHoconFile(overrideHoconPath, HoconAddMode.Prepend);
        }
        if (membership.Partitionable)
        {
            // Test only: every association goes through the throttler, which PartitionHook switches
            // to blackhole. Prepended last, so no --config can take it away from a test that needs it.
            builder.AddHocon($"akka.remote.dot-netty.tcp.applied-adapters = [{PartitionHook.ThrottlerAdapter}]", HoconAddMode.Prepend);
        }
        builder.WithRemoting(new RemoteOptions
        {
            HostName = membership.BindHostname,
            // The same canonical form as the seed list, so ordinal 0 recognises itself as the first seed.
            PublicHostName = membership.CanonicalHostname,
            Port = membership.Port,
        });
        builder.WithClustering(new ClusterOptions
        {
            // No seeds: the member joins itself once remoting is bound (below), so --cluster-port 0
            // works too; a seed list naming port 0 would never match the port actually bound.
            SeedNodes = membership.SeedNodes.Count == 0 ? [] : [.. membership.SeedAddresses],
            Roles = [ClusterMembership.Role],
            MinimumNumberOfMembers = membership.MinimumMembers,
        });
        if (membership.SeedNodes.Count == 0)
        {
            builder.AddStartup((system, _) =>
            {
                var cluster = Akka.Cluster.Cluster.Get(system);
                cluster.Join(cluster.SelfAddress);
            });
        }
        builder.WithCustomSerializer("actorscaler", [typeof(IActorScalerMessage)], system => new ProtocolSerializer(system));
        if (membership.MinimumMembers > 1)
        {
            // Only a member that must wait for others can be stranded below min-nr-of-members.
            builder.AddStartup((system, _) =>
            {
                var timeout = system.Settings.Config.GetTimeSpan(ClusterFormationGuard.FormationTimeoutPath, DefaultFormationTimeout, allowInfinite: false);
                system.ActorOf(Props.Create(() => new ClusterFormationGuard(timeout)), "cluster-formation-guard");
            });
        }
        if (writeFence is not null)
            builder.AddStartup((system, _) => StartWriteFence(system, writeFence));
        return builder;
    }

    /// <summary>Starts the keeper of <paramref name="fence"/> with the HOCON's timings, on the cluster's
    /// dispatcher; throws naming the keys when the TTL would outlast the majority's downing decision.</summary>
    public static IActorRef StartWriteFence(ActorSystem system, WriteFence fence)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(fence);
        var config = system.Settings.Config;
        var settings = WriteFenceSettings.From(config);
        var problems = settings.Validate(config);
        if (problems.Count > 0)
            throw new ArgumentException($"invalid write fence configuration: {string.Join("; ", problems)}");
        var props = WriteFenceKeeper.Props(fence, settings);
        var dispatcher = config.GetString("akka.cluster.use-dispatcher", "");
        if (!string.IsNullOrEmpty(dispatcher))
            props = props.WithDispatcher(dispatcher);
        return system.ActorOf(props, WriteFenceKeeper.Name);
    }
}
