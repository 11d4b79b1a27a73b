using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Projections;
using Akka.Actor;
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
/// <see cref="StopScraper"/>. Every member does this for every node: the messages are idempotent and
/// cheap, and no member has to be elected for it.
/// </summary>
public sealed class NodeInventory : ReceiveActor, IWithTimers
{
    /// <summary>akka.cluster.sharded-daemon-process.keep-alive-interval's default.</summary>
    public static readonly TimeSpan DefaultKeepAliveInterval = TimeSpan.FromSeconds(10);

    private readonly ObjectCache<k8s.Models.V1Node, NodeInfo> _nodes;
    private readonly IActorRef _region;
    private readonly TimeSpan _keepAlive;
    private IDisposable? _subscription;

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
                    _region.Tell(new EnsureScraper(change.Key));
                    break;
                case CacheChangeKind.Delete:
                    _region.Tell(new StopScraper(change.Key));
                    break;
                case CacheChangeKind.Replaced:
                    EnsureAll();
                    break;
            }
        });
        Receive<KeepAlive>(_ => EnsureAll());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        var self = Self;
        // The callback runs on the informer's thread: only a Tell, as ObjectCache asks.
        _subscription = _nodes.Subscribe(change => self.Tell(change));
        EnsureAll();
        Timers.StartPeriodicTimer(nameof(KeepAlive), KeepAlive.Instance, _keepAlive);
    }

    protected override void PostStop() => _subscription?.Dispose();

    private void EnsureAll()
    {
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
