using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Projections;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;

namespace ActorScaler.Actors.Metrics;

/// <summary>Marker key of the inventory in the ActorRegistry.</summary>
public sealed class NodeInventoryKey;

/// <summary>
/// One per member: starts and stops scraper entities from the member's node cache. Every node gets an
/// <see cref="EnsureScraper"/> when it appears and again every keep-alive interval (Akka's
/// sharded-daemon-process keep-alive idea: an entity lost in a rebalance or with a dead member is
/// restarted within one interval, with no remember-entities store); a deleted node gets
/// <see cref="StopScraper"/>. Every member watches the nodes, but only the cluster's leader sends: the
/// messages are idempotent, so N members sending them would only multiply the traffic by N. Akka
/// elects the leader among reachable members, so when the leader dies another takes over as soon as
/// the dead one is unreachable; while no leader is known every member sends (harmless duplicates
/// beat silence). When a member is removed, the leader re-ensures every node at once instead of at
/// the next keep-alive: the removed member's scrapers restart elsewhere without waiting an interval.
/// </summary>
public sealed class NodeInventory : ReceiveActor, IWithTimers
{
    /// <summary>akka.cluster.sharded-daemon-process.keep-alive-interval's default.</summary>
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(10);

    private readonly ObjectCache<k8s.Models.V1Node, NodeInfo> _nodes;
    private readonly IActorRef _region;
    private readonly TimeSpan _keepAlive;
    private IDisposable? _subscription;
    private Akka.Cluster.Cluster? _cluster;

    public NodeInventory(ObjectCache<k8s.Models.V1Node, NodeInfo> nodes, IActorRef region, TimeSpan keepAlive)
    {
        _nodes = nodes;
        _region = region;
        _keepAlive = keepAlive;

        Receive<CacheChange<NodeInfo>>(change =>
        {
            switch (change.Kind)
            {
                case CacheChangeKind.Upsert:
                    if (Leads())
                        _region.Tell(new EnsureScraper(change.Key));
                    break;
                case CacheChangeKind.Delete:
                    if (Leads())
                        _region.Tell(new StopScraper(change.Key));
                    break;
                case CacheChangeKind.Replaced:
                    EnsureAll();
                    break;
            }
        });
        Receive<KeepAlive>(_ => EnsureAll());
        Receive<ClusterEvent.MemberRemoved>(_ =>
        {
            EnsureAll();
            // The regions learn of the removed member's death on their own schedule; a message that
            // reached a region still routing to the dead one is lost, so repeat once they have.
            Timers.StartSingleTimer("after-removal", KeepAlive.Instance, AfterRemovalRetry);
        });
        Receive<ClusterEvent.LeaderChanged>(_ => EnsureAll()); // the new leader may have missed changes
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    /// <summary>Second round of ensures after a member's removal (see the removal handler).</summary>
    public static readonly TimeSpan AfterRemovalRetry = TimeSpan.FromSeconds(1);

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var self = Self;
        // The callback runs on the informer's thread: only a Tell, as ObjectCache asks.
        _subscription = _nodes.Subscribe(change => self.Tell(change));
        if (((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider)
        {
            _cluster = Akka.Cluster.Cluster.Get(Context.System);
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.LeaderChanged));
        }
        EnsureAll();
        Timers.StartPeriodicTimer(nameof(KeepAlive), KeepAlive.Instance, _keepAlive);
    }

    protected override void PostStop()
    {
        _subscription?.Dispose();
        _cluster?.Unsubscribe(Self);
    }

    /// <summary>Whether this member sends: it is the leader, or no reachable leader is known.</summary>
    private bool Leads()
    {
        if (_cluster is null)
            return true;
        var state = _cluster.State;
        return state.Leader is null
            || state.Leader == _cluster.SelfAddress
            || state.Unreachable.Any(m => m.Address == state.Leader);
    }

    private void EnsureAll()
    {
        if (!Leads())
            return;
        foreach (var (name, _) in _nodes.Entries)
            _region.Tell(new EnsureScraper(name));
    }

    public static Props Props(ObjectCache<k8s.Models.V1Node, NodeInfo> nodes, IActorRef region, TimeSpan keepAlive) =>
        Akka.Actor.Props.Create(() => new NodeInventory(nodes, region, keepAlive));

    private sealed class KeepAlive : INotInfluenceReceiveTimeout, IDeadLetterSuppression, INoSerializationVerificationNeeded
    {
        public static readonly KeepAlive Instance = new();
    }
}

public static class NodeInventoryExtensions
{
    /// <summary>The member's node inventory, driving the node-scraper region (add it after
    /// <see cref="NodeScraperExtensions.AddNodeScrapers"/>).</summary>
    public static AkkaConfigurationBuilder AddNodeInventory(this AkkaConfigurationBuilder builder, ClusterCaches caches, TimeSpan keepAlive)
    {
        builder.WithActors((system, registry) =>
        {
            var region = registry.Get<NodeScraperRegion>();
            registry.Register<NodeInventoryKey>(system.ActorOf(NodeInventory.Props(caches.Nodes, region, keepAlive), "node-inventory"));
        });
        return builder;
    }
}
