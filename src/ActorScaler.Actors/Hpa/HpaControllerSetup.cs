using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Protocol;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.DistributedData;
using Akka.Hosting;

namespace ActorScaler.Actors.Hpa;

/// <summary>Routes HPA messages by "namespace/name" over a fixed number of shards.</summary>
public sealed class HpaMessageExtractor() : HashCodeMessageExtractor(HpaControllerSetup.MaxShards)
{
    public override string? EntityId(object message) => (message as IWithHpaKey)?.HpaKey;
}

public static class HpaControllerSetup
{
    public const string RegionName = "hpa";
    /// <summary>Ten times the largest planned cluster (10 members). Never change it on a running
    /// cluster: the shard of every HPA would move.</summary>
    public const int MaxShards = 100;

    /// <summary>
    /// The HPA controller on this member: the "hpa" shard region of <see cref="HpaSupervisor"/> entities
    /// and this member's <see cref="HpaInventory"/>. The region is registered under
    /// <see cref="HpaSupervisor"/> and the inventory under <see cref="HpaInventory"/> in the ActorRegistry.
    /// </summary>
    public static AkkaConfigurationBuilder AddHpaController(this AkkaConfigurationBuilder builder, HpaControllerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        builder.WithShardRegion<HpaSupervisor>(
            RegionName,
            // Entities keep their decision state in Akka.DistributedData (DecisionStateReplication).
            (system, _, _) =>
            {
                var replicator = DistributedData.Get(system).Replicator;
                return hpaKey => HpaSupervisor.Props(hpaKey, context, replicator);
            },
            new HpaMessageExtractor(),
            new ShardOptions
            {
                Role = ClusterMembership.Role,
                RememberEntities = false,
                StateStoreMode = StateStoreMode.DData,
                // Entities live as long as their HPA; they passivate on StopHpa or when the HPA is gone.
                ShouldPassivateIdleEntities = false,
            });
        builder.WithActors((system, registry) =>
        {
            var region = registry.Get<HpaSupervisor>();
            registry.Register<HpaInventory>(system.ActorOf(HpaInventory.Props(region, context), "hpa-inventory"));
        });
        return builder;
    }
}
