using ActorScaler.Actors.Telemetry;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// The sharded entity of one scale target (entity id <see cref="ScaleTargetKey"/>): sharding keeps
/// exactly one alive in the cluster, and every reconciler that may write this target's /scale is its
/// child, one <see cref="HpaReconciler"/> per HPA that targets it. So a target has one writer at any
/// time even when several HPAs point at it (upstream lets them fight; here they also get upstream's
/// AmbiguousSelector and hold), and an HPA's reconciler moves with its target, not with the HPA's
/// supervisor. It only routes: HPA supervisors start and release their reconcilers, and questions about
/// an HPA (owner, decision history) are answered by its reconciler. With no child left it passivates.
/// On a hand-off (<see cref="HandOffReconcilers"/>, the region's stop message) it stops once every
/// reconciler has finished its writes in flight.
/// </summary>
public sealed class ScaleTargetReconciler : ReceiveActor
{
    private readonly string _targetKey;
    private readonly HpaControllerContext _context;
    private readonly IActorRef? _replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _reconcilers = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _keysByReconciler = [];
    private bool _passivating;
    private bool _handingOff;
    private long _incarnations;

    public ScaleTargetReconciler(string targetKey, HpaControllerContext context, IActorRef? replicator)
    {
        _targetKey = targetKey;
        _context = context;
        _replicator = replicator;

        Receive<ReconcileHpa>(reconcile => ForwardToReconciler(reconcile.HpaKey, reconcile));
        Receive<HandOffReconcilers>(_ =>
        {
            _handingOff = true;
            if (_reconcilers.Count == 0)
                Context.Stop(Self);
            foreach (var reconciler in _reconcilers.Values)
                reconciler.Tell(HandOffReconcilers.Instance);
        });
        Receive<ReleaseHpa>(release =>
        {
            if (_reconcilers.TryGetValue(release.HpaKey, out var reconciler))
                reconciler.Forward(release);
        });
        // Asked through the HPA's supervisor: start the reconciler if the target moved here and the
        // supervisor has not re-ensured it yet, so the answer is the owner's, never a stale "none".
        Receive<GetHpaOwner>(ask => ForwardToReconciler(ask.HpaKey, ask));
        Receive<GetDecisionHistory>(ask => ForwardToReconciler(ask.HpaKey, ask));
        Receive<Terminated>(terminated =>
        {
            if (!_keysByReconciler.Remove(terminated.ActorRef, out var hpaKey))
                return;
            _reconcilers.Remove(hpaKey);
            if (_handingOff)
            {
                if (_reconcilers.Count == 0)
                    Context.Stop(Self);
                return;
            }
            if (_reconcilers.Count == 0 && !_passivating)
            {
                _passivating = true;
                if (_log.IsDebugEnabled)
                    _log.Debug("scale target {0}: no HPA left, passivating", _targetKey);
                Context.Parent.Tell(new Passivate(PoisonPill.Instance));
            }
        });
    }

    public static Props Props(string targetKey, HpaControllerContext context, IActorRef? replicator = null) =>
        Akka.Actor.Props.Create(() => new ScaleTargetReconciler(targetKey, context, replicator));

    /// <summary>Forwards to the HPA's reconciler, started if need be; while handing off nothing new
    /// starts here: the supervisors re-ensure their HPAs at the target's next owner.</summary>
    private void ForwardToReconciler(string hpaKey, object message)
    {
        if (!_handingOff)
            ReconcilerOf(hpaKey).Forward(message);
    }

    private IActorRef ReconcilerOf(string hpaKey)
    {
        if (_reconcilers.TryGetValue(hpaKey, out var reconciler))
            return reconciler;
        _passivating = false;
        // Actor names must be URI-safe ("namespace/name" becomes one path element) and unique even while a
        // stopped reconciler of the same HPA has not terminated yet.
        reconciler = Context.ActorOf(HpaReconciler.Props(hpaKey, _context, _replicator), $"{Uri.EscapeDataString(hpaKey)}-{++_incarnations}");
        Context.Watch(reconciler);
        _reconcilers[hpaKey] = reconciler;
        _keysByReconciler[reconciler] = hpaKey;
        return reconciler;
    }
}
