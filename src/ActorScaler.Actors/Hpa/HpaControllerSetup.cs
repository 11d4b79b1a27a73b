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

/// <summary>Routes scale-target messages by <see cref="ScaleTargetKey"/> over a fixed number of shards
/// (questions about an HPA arrive in a <see cref="ShardingEnvelope"/>, which sharding unwraps itself).</summary>
public sealed class ScaleTargetMessageExtractor() : HashCodeMessageExtractor(HpaControllerSetup.MaxShards)
{
    public override string? EntityId(object message) => (message as IWithScaleTarget)?.TargetKey;
}

public static class HpaControllerSetup
{
    public const string RegionName = "hpa";
    public const string ScaleTargetRegionName = "scale-target";
    /// <summary>Ten times the largest planned cluster (10 members). Never change it on a running
    /// cluster: the shard of every HPA would move.</summary>
    public const int MaxShards = 100;

    /// <summary>
    /// The HPA controller on this member: the "hpa" shard region of <see cref="HpaSupervisor"/> entities
    /// (one per HPA), the "scale-target" shard region of <see cref="ScaleTargetReconciler"/> entities (one
    /// per scale target, the HPAs' reconcilers and the only writers of /scale) and this member's
    /// <see cref="HpaInventory"/>. In the ActorRegistry: the regions under <see cref="HpaSupervisor"/> and
    /// <see cref="ScaleTargetReconciler"/>, the inventory under <see cref="HpaInventory"/>.
    /// </summary>
    public static AkkaConfigurationBuilder AddHpaController(this AkkaConfigurationBuilder builder, HpaControllerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        static ShardOptions Options() => new()
        {
            Role = ClusterMembership.Role,
            RememberEntities = false,
            StateStoreMode = StateStoreMode.DData,
            // Entities live as long as their HPA or target; they passivate when it is gone.
            ShouldPassivateIdleEntities = false,
        };
        var options = Options();
        // Its entities stop only after their writes in flight (see HandOffReconcilers).
        var targetOptions = Options();
        targetOptions.HandOffStopMessage = HandOffReconcilers.Instance;
        builder.WithShardRegion<ScaleTargetReconciler>(
            ScaleTargetRegionName,
            // Reconcilers keep their HPA's decision state in Akka.DistributedData (DecisionStateReplication).
            (system, _, _) =>
            {
                var replicator = DistributedData.Get(system).Replicator;
                return targetKey => ScaleTargetReconciler.Props(targetKey, context, replicator);
            },
            new ScaleTargetMessageExtractor(),
            targetOptions);
        builder.WithShardRegion<HpaSupervisor>(
            RegionName,
            (_, registry, _) => hpaKey => HpaSupervisor.Props(hpaKey, context, targets: registry.Get<ScaleTargetReconciler>()),
            new HpaMessageExtractor(),
            options);
        builder.WithActors((system, registry) =>
        {
            var region = registry.Get<HpaSupervisor>();
            registry.Register<HpaInventory>(system.ActorOf(HpaInventory.Props(region, context), "hpa-inventory"));
        });
        return builder;
    }
}
