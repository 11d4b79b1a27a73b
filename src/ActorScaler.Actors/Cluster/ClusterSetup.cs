using ActorScaler.Actors.Protocol;
using ActorScaler.Actors.Serialization;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;

namespace ActorScaler.Actors.Cluster;

public static class ClusterSetup
{
    /// <summary>The static tuning file shipped beside the binary (hocon/actorscaler.conf).</summary>
    public static string DefaultHoconPath => Path.Combine(AppContext.BaseDirectory, "hocon", "actorscaler.conf");

    /// <summary>
    /// Remoting, clustering and serialization for a member. Layering, lowest first: the shipped
    /// hocon/actorscaler.conf, then the operator's --config file, then what flags and the environment
    /// set here (host, port, seeds, minimum members). Each file is prepended before the With* calls,
    /// which prepend only the keys they set, so a later layer wins key by key.
    /// </summary>
    public static AkkaConfigurationBuilder AddActorScalerCluster(this AkkaConfigurationBuilder builder, ClusterMembership membership, string? overrideHoconPath = null)
    {
        if (!File.Exists(DefaultHoconPath))
            throw new FileNotFoundException($"HOCON file {DefaultHoconPath} does not exist", DefaultHoconPath);
        builder.AddHoconFile(DefaultHoconPath, HoconAddMode.Prepend);
        if (overrideHoconPath is not null)
        {
            if (!File.Exists(overrideHoconPath))
                throw new FileNotFoundException($"--config {overrideHoconPath} does not exist", overrideHoconPath);
            builder.AddHoconFile(overrideHoconPath, HoconAddMode.Prepend);
        }
        builder.WithRemoting(new RemoteOptions
        {
            HostName = membership.BindHostname,
            PublicHostName = membership.PublicHostname,
            Port = membership.Port,
        });
        builder.WithClustering(new ClusterOptions
        {
            SeedNodes = [.. membership.SeedAddresses],
            Roles = [ClusterMembership.Role],
            MinimumNumberOfMembers = membership.MinimumMembers,
        });
        builder.WithCustomSerializer("actorscaler", [typeof(IActorScalerMessage)], system => new ProtocolSerializer(system));
        return builder;
    }
}
