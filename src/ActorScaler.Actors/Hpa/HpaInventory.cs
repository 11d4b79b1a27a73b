using ActorScaler.Actors.Telemetry;
using ActorScaler.Kubernetes.Informers;
using Akka.Actor;
using Akka.Event;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// One per member: turns the member's HPA informer cache into entity lifecycles. Every added or
/// changed HPA that this controller selects gets an <see cref="EnsureHpa"/>, a deleted or deselected
/// one a <see cref="StopHpa"/>, and every keep-alive interval all selected HPAs are ensured again, so
/// an entity lost in a rebalance or a member's crash is back within one interval. The API server is the
/// source of truth; sharding remembers nothing (remember-entities off). Every member runs one, which
/// costs a few idempotent messages per HPA per interval and needs no singleton hand-over.
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

    public HpaInventory(IActorRef region, HpaControllerContext context)
    {
        _region = region;
        _context = context;
        Receive<HpaChanged>(changed => OnChange(changed.Change));
        Receive<KeepAlive>(_ => EnsureAll());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef region, HpaControllerContext context) =>
        Akka.Actor.Props.Create(() => new HpaInventory(region, context));

    protected override void PreStart()
    {
        var self = Self;
        _subscription = _context.Inputs.SubscribeHpas(change => self.Tell(new HpaChanged(change)));
        Timers.StartPeriodicTimer(KeepAliveTimer, KeepAlive.Instance, TimeSpan.Zero, _context.Options.KeepAliveInterval);
    }

    protected override void PostStop()
    {
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
