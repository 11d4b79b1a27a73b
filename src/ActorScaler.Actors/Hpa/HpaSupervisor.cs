using ActorScaler.Actors.Telemetry;
using ActorScaler.Core.Spec;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// The sharded entity for one HPA (entity id "namespace/name"). It holds the HPA's spec (from the
/// member's informer cache) and supervises one <see cref="CustomMetricSource"/> child per Pods, Object
/// and External metric in it (Resource metrics are pushed by the scrapers into every member's store and
/// need no child). The decisions and every write happen in the HPA's <see cref="HpaReconciler"/>, which
/// lives under the <see cref="ScaleTargetReconciler"/> entity of the HPA's scale target, so a target has
/// one writer whatever points at it. This entity keeps that reconciler going: it sends
/// <see cref="ReconcileHpa"/> (with its children's latest readings) when it starts, on every ensure from
/// the inventories and when a child answers, <see cref="ReleaseHpa"/> when the HPA goes or is
/// retargeted, and forwards questions about the HPA to it.
/// </summary>
public sealed class HpaSupervisor : ReceiveActor
{
    private readonly string _key;
    private readonly HpaControllerContext _context;
    private readonly IActorRef? _targets;
    private readonly IActorRef? _replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, MetricChild> _metricChildren = new(StringComparer.Ordinal);
    private int _metricChildCount;
    private string? _targetKey;
    private IActorRef? _localTarget;
    private long _localTargets;

    /// <summary>A Pods, Object or External metric's child, the query it was last told and its last reading.</summary>
    private sealed class MetricChild(IActorRef actor, CustomMetricQuery query)
    {
        public IActorRef Actor { get; } = actor;
        public CustomMetricQuery Query { get; set; } = query;
        public MetricReading? Reading { get; set; }
    }

    /// <param name="targets">The "scale-target" shard region (<see cref="ScaleTargetReconciler"/> entities);
    /// null runs the target's reconciler as this entity's own child (one member without sharding: tests).</param>
    /// <param name="replicator">Akka.DistributedData's replicator for the reconciler's decision state
    /// (used only with <paramref name="targets"/> null; the region's entities get their own).</param>
    public HpaSupervisor(string hpaKey, HpaControllerContext context, IActorRef? replicator = null, IActorRef? targets = null)
    {
        _key = hpaKey;
        _context = context;
        _replicator = replicator;
        _targets = targets;

        Receive<EnsureHpa>(ensure => Reconcile(ensure.TraceParent));
        Receive<StopHpa>(_ => Passivate("the HPA was deleted or is no longer selected"));
        Receive<CustomMetricReading>(OnReading);
        Receive<GetHpaOwner>(ask => AskReconciler(ask));
        Receive<GetDecisionHistory>(ask => AskReconciler(ask));
        // A local target entity (no sharding) asks its parent to passivate it like a shard would.
        Receive<Passivate>(_ =>
        {
            if (!Context.GetChildren().Contains(Sender))
                return;
            Context.Stop(Sender);
            if (Sender.Equals(_localTarget))
                _localTarget = null;
            // Its reconciler stopped because the HPA is gone: so does this entity (with sharding, the
            // inventory's StopHpa does it).
            if (!_context.Inputs.TryGetHpa(_key, out var _))
                Passivate("the HPA no longer exists");
        });
    }

    public static Props Props(string hpaKey, HpaControllerContext context, IActorRef? replicator = null, IActorRef? targets = null) =>
        Akka.Actor.Props.Create(() => new HpaSupervisor(hpaKey, context, replicator, targets));

    /// <summary>Brings the metric children in line with the spec and tells the target's reconciler.</summary>
    private void Reconcile(string? traceParent)
    {
        if (!_context.Inputs.TryGetHpa(_key, out var entry) || entry.Hpa is not { } hpa)
        {
            // Not in this member's cache (yet, or any more): the reconciler, if any, decides from its own
            // cache when it runs; the inventory stops this entity when the HPA is deleted.
            if (_targetKey is not null)
                SendToTarget(_targetKey, new ReconcileHpa(_targetKey, _key, traceParent, Readings()));
            return;
        }
        var targetKey = ScaleTargetKey.For(hpa.Metadata.Namespace, hpa.Spec.ScaleTargetRef);
        if (_targetKey is not null && !string.Equals(_targetKey, targetKey, StringComparison.Ordinal))
        {
            if (_log.IsInfoEnabled)
                _log.Info("HPA {0}: scale target changed from {1} to {2}", _key, _targetKey, targetKey);
            SendToTarget(_targetKey, new ReleaseHpa(_targetKey, _key));
            _localTarget = null;
        }
        _targetKey = targetKey;
        EnsureMetricChildren(hpa);
        SendToTarget(targetKey, new ReconcileHpa(targetKey, _key, traceParent, Readings()));
    }

    /// <summary>One child per Pods, Object and External metric of the spec: new metrics get a child, removed
    /// ones lose theirs, and each child is told its query when it changed (pods come and go).</summary>
    private void EnsureMetricChildren(HorizontalPodAutoscaler hpa)
    {
        if (_context.CustomMetrics is not { } provider)
            return;
        var ns = hpa.Metadata.Namespace;
        var scaleSelector = _context.Inputs.TryGetScale(ns, hpa.Spec.ScaleTargetRef, out var scale, out _) ? scale.Scale.Selector : "";
        Selector? podSelector = scaleSelector.Length > 0 && Selector.TryParse(scaleSelector, out var parsed, out _) ? parsed : null;
        IReadOnlyList<Core.Calculation.PodInfo> pods = podSelector is null ? [] : _context.Inputs.PodsMatching(ns, scaleSelector, podSelector);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var query in CustomMetricQuery.ForSpec(hpa, scaleSelector, podSelector, pods))
        {
            if (!keep.Add(query.Key))
                continue;
            if (_metricChildren.TryGetValue(query.Key, out var child))
            {
                if (!child.Query.SameAs(query))
                {
                    child.Query = query;
                    child.Actor.Tell(query);
                }
                continue;
            }
            var actor = Context.ActorOf(CustomMetricSource.Props(Self, query, provider, _context.Options.CustomMetricsPollInterval, _context.Time),
                $"metric-{++_metricChildCount}");
            _metricChildren[query.Key] = new MetricChild(actor, query);
        }
        foreach (var key in _metricChildren.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            Context.Stop(_metricChildren[key].Actor);
            _metricChildren.Remove(key);
        }
    }

    private void OnReading(CustomMetricReading reading)
    {
        if (!_metricChildren.TryGetValue(reading.Query.Key, out var child) || _targetKey is null)
            return;
        child.Reading = MetricReading.From(reading);
        // Every answer goes on (the reconciler tells a new value from a repeat): it also refreshes the
        // reconciler's copy after its target moved to another member.
        SendToTarget(_targetKey, new ReconcileHpa(_targetKey, _key, null, Readings()));
    }

    private List<MetricReading> Readings()
    {
        var readings = new List<MetricReading>(_metricChildren.Count);
        foreach (var child in _metricChildren.Values)
            if (child.Reading is { } reading)
                readings.Add(reading);
        return readings;
    }

    private void AskReconciler(object ask)
    {
        if (_targetKey is null)
            Reconcile(null);
        if (_targetKey is null)
        {
            // No spec in this member's cache: nothing reconciles this HPA here.
            if (ask is GetHpaOwner)
                Sender.Tell(new HpaOwner(_key, "", 0, -1, -1, "the HPA is not in this member's cache"));
            return;
        }
        if (_targets is null)
            LocalTarget(_targetKey).Forward(ask);
        else
            _targets.Forward(new ShardingEnvelope(_targetKey, ask));
    }

    private void SendToTarget(string targetKey, object message)
    {
        if (_targets is null)
            LocalTarget(targetKey).Tell(message);
        else
            _targets.Tell(new ShardingEnvelope(targetKey, message));
    }

    private IActorRef LocalTarget(string targetKey) =>
        _localTarget ??= Context.ActorOf(ScaleTargetReconciler.Props(targetKey, _context, _replicator), $"target-{++_localTargets}");

    private void Passivate(string why)
    {
        if (_log.IsInfoEnabled)
            _log.Info("HPA {0}: stopping: {1}", _key, why);
        if (_targetKey is not null)
            SendToTarget(_targetKey, new ReleaseHpa(_targetKey, _key));
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }
}
