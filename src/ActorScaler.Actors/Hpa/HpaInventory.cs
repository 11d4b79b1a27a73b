using ActorScaler.Actors.Telemetry;
using ActorScaler.Kubernetes.Informers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// One per member: turns the member's HPA informer cache into entity lifecycles. Every added or
/// changed HPA that this controller selects gets an <see cref="EnsureHpa"/>, a deleted or deselected
/// one a <see cref="StopHpa"/>, and every keep-alive interval all selected HPAs are ensured again, so
/// an entity lost in a rebalance or a member's crash is back within one interval. The API server is the
/// source of truth; sharding remembers nothing (remember-entities off). Every member runs one, which
/// costs a few idempotent messages per HPA per interval and needs no singleton hand-over.
/// When membership changes (a member downed, removed, unreachable or reachable again) the inventory
/// re-ensures every HPA at once and twice more shortly after, instead of at the next keep-alive: the
/// entities of a dead member come back as soon as their shards have a new home. The regions buffer
/// the messages for a shard without a home until the coordinator gives it one; the repeats cover a
/// region that had not yet learned of the death and sent a message to the dead member.
/// A rebalance (a member joined, or left gracefully) stops a shard's entities and starts none on the
/// new member; so every second the inventory asks its own region how many entities each shard it
/// hosts has running, and ensures the HPAs of any local shard that runs fewer than it should: a moved
/// shard's entities are back about a second after the hand-off instead of at the next keep-alive.
/// </summary>
public sealed class HpaInventory : ReceiveActor, IWithTimers
{
    private const string KeepAliveTimer = "keep-alive";

    private readonly IActorRef _region;
    private readonly HpaControllerContext _context;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _ensured = new(StringComparer.Ordinal);
    private IDisposable? _subscription;
    private readonly SpecChangeTracer _tracer = new(Context.System is ExtendedActorSystem system ? system.Provider.DefaultAddress.ToString() : "");

    private sealed record HpaChanged(CacheChange<HpaEntry> Change);

    private sealed class KeepAlive
    {
        public static readonly KeepAlive Instance = new();
    }

    /// <summary>When EnsureAll is repeated after a membership change: the shard coordinator gives a dead
    /// member's shards a new home after the removal margin (1 s in hocon/actorscaler.conf) and the regions
    /// ask it again every retry interval (1 s), so most of them have one within ~2 s of the removal.</summary>
    public static readonly IReadOnlyList<TimeSpan> AfterMembershipChange = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private Akka.Cluster.Cluster? _cluster;

    /// <summary>How often the local region is asked for its shards' entity counts.</summary>
    public static readonly TimeSpan RegionCheckInterval = TimeSpan.FromSeconds(1);

    private readonly HpaMessageExtractor _extractor = new();

    private sealed class CheckRegion
    {
        public static readonly CheckRegion Instance = new();
    }

    public HpaInventory(IActorRef region, HpaControllerContext context)
    {
        _region = region;
        _context = context;
        Receive<HpaChanged>(changed => OnChange(changed.Change));
        Receive<KeepAlive>(_ => EnsureAll());
        Receive<ClusterEvent.IMemberEvent>(change =>
        {
            if (change is ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned or ClusterEvent.MemberUp)
                OnMembershipChange();
        });
        Receive<ClusterEvent.IReachabilityEvent>(_ => OnMembershipChange());
        Receive<CheckRegion>(_ => _region.Tell(GetShardRegionStats.Instance));
        Receive<ShardRegionStats>(OnRegionStats);
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
    }

    /// <summary>Ensures the HPAs of every local shard running fewer entities than this member's cache
    /// says it should (a shard taken over in a rebalance starts empty).</summary>
    private void OnRegionStats(ShardRegionStats stats)
    {
        if (stats.Stats.Count == 0 || _ensured.Count == 0)
            return;
        var expected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var key in _ensured)
        {
            var shard = _extractor.ShardId(key);
            if (!stats.Stats.ContainsKey(shard))
                continue;
            if (!expected.TryGetValue(shard, out var keys))
                expected[shard] = keys = [];
            keys.Add(key);
        }
        foreach (var (shard, keys) in expected)
        {
            if (stats.Stats[shard] >= keys.Count)
                continue;
            _log.Debug("shard {0} runs {1} of {2} HPA entities: ensuring them", shard, stats.Stats[shard], keys.Count);
            foreach (var key in keys)
                _region.Tell(new EnsureHpa(key, null));
        }
    }

    private void OnMembershipChange()
    {
        EnsureAll();
        for (var i = 0; i < AfterMembershipChange.Count; i++)
            Timers.StartSingleTimer($"after-membership-change-{i}", KeepAlive.Instance, AfterMembershipChange[i]);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, HpaControllerContext context) =>
        Akka.Actor.Props.Create(() => new HpaInventory(region, context));

    protected override void PreStart()
    {
        var self = Self;
        _subscription = _context.Inputs.SubscribeHpas(change => self.Tell(new HpaChanged(change)));
        Timers.StartPeriodicTimer(KeepAliveTimer, KeepAlive.Instance, TimeSpan.Zero, _context.Options.KeepAliveInterval);
        if (((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider)
        {
            _cluster = Akka.Cluster.Cluster.Get(Context.System);
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
                typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
            // Only a shard region answers GetShardRegionStats (tests outside a cluster use a probe).
            Timers.StartPeriodicTimer(nameof(CheckRegion), CheckRegion.Instance, RegionCheckInterval);
        }
    }

    protected override void PostStop()
    {
        _cluster?.Unsubscribe(Self);
        _subscription?.Dispose();
        base.PostStop();
    }

    private void OnChange(CacheChange<HpaEntry> change)
    {
        switch (change.Kind)
        {
            case CacheChangeKind.Upsert when change.Item is { } entry:
                Apply(entry, entry.Hpa is { } hpa ? _tracer.OnUpsert(entry.Key, hpa.Metadata.Generation) : null);
                break;
            case CacheChangeKind.Delete:
                _tracer.Forget(change.Key);
                Stop(change.Key);
                break;
            default:
                EnsureAll();
                break;
        }
    }

    private void EnsureAll()
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _context.Inputs.AllHpas())
        {
            present.Add(entry.Key);
            Apply(entry);
        }
        foreach (var key in _ensured.Where(k => !present.Contains(k)).ToList())
            Stop(key);
    }

    private void Apply(HpaEntry entry, string? traceParent = null)
    {
        if (HpaSelection.IsSelected(entry, _context.Options.HpaSelector))
        {
            if (_ensured.Add(entry.Key))
                _log.Debug("managing HPA {0}", entry.Key);
            _region.Tell(new EnsureHpa(entry.Key, traceParent));
        }
        else
        {
            Stop(entry.Key);
        }
    }

    private void Stop(string key)
    {
        if (_ensured.Remove(key))
            _region.Tell(new StopHpa(key));
    }
}
