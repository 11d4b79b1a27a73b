using ActorScaler.Actors.Protocol;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Metrics.Custom;
using Akka.Actor;
using Akka.Event;

namespace ActorScaler.Actors.Hpa;

// The HPA region's protocol. Messages that cross members are sealed records with codecs in
// HpaCodecs; the entity's own timer and push notifications stay local and are never serialized.

/// <summary>Keep-alive from a member's inventory: start the entity for this HPA if it is not running.
/// Sent when the HPA is added or changed and every keep-alive interval, so an entity lost in a
/// rebalance or failover comes back within one interval (no remember-entities).</summary>
/// <remarks><paramref name="TraceParent"/>: the W3C trace context of the spec change that caused it (telemetry), if traced.</remarks>
public sealed record EnsureHpa(string HpaKey, string? TraceParent = null) : IActorScalerMessage, IWithHpaKey;

/// <summary>The HPA was deleted or is no longer selected: the entity passivates.</summary>
public sealed record StopHpa(string HpaKey) : IActorScalerMessage, IWithHpaKey;

/// <summary>Asks the entity where it runs and what it last decided (the demo's live view, diagnostics).</summary>
public sealed record GetHpaOwner(string HpaKey) : IActorScalerMessage, IWithHpaKey;

/// <summary>The reply to <see cref="GetHpaOwner"/>: the owning member's address, the passes run since
/// the entity started and the last decision (-1 before the first pass).</summary>
public sealed record HpaOwner(string HpaKey, string Member, long Passes, int CurrentReplicas, int DesiredReplicas, string LastReason) : IActorScalerMessage;

/// <summary>
/// From an HPA's <see cref="HpaSupervisor"/> to the <see cref="ScaleTargetReconciler"/> of its scale
/// target (<paramref name="TargetKey"/>, see <see cref="ScaleTargetKey"/>): reconcile this HPA there,
/// starting its <see cref="HpaReconciler"/> if needed, with the latest answers of its Pods, Object and
/// External metrics. Sent when the supervisor starts, on every ensure from the inventories (spec
/// changes and keep-alives, so a reconciler lost in a failover is back within one keep-alive) and when
/// a metric child answers.
/// </summary>
public sealed record ReconcileHpa(string TargetKey, string HpaKey, string? TraceParent, IReadOnlyList<MetricReading> Readings) : IActorScalerMessage, IWithScaleTarget;

/// <summary>The HPA no longer reconciles against <paramref name="TargetKey"/> (deleted, deselected or
/// retargeted): its reconciler there stops.</summary>
public sealed record ReleaseHpa(string TargetKey, string HpaKey) : IActorScalerMessage, IWithScaleTarget;

/// <summary>
/// The scale-target region's hand-off stop message (instead of PoisonPill): sent by the shard to its
/// entities on a rebalance or a graceful leave, and by an entity to its reconcilers. A reconciler with
/// a write in flight (/scale, status, events) stops only once it completed, so the shard reports its
/// hand-off, and the target's next owner starts, after the last write of this one has landed: an HTTP
/// request outlives a stopped actor, and without this a rolling restart saw the old owner's last status
/// write arrive after the new owner's first. Local only (shard to entity to child), never serialized.
/// </summary>
public sealed record HandOffReconcilers
{
    public static readonly HandOffReconcilers Instance = new();
}

/// <summary>
/// The last answer of one Pods, Object or External metric child (its query's <paramref name="Key"/>):
/// the last good values, when they arrived, and the last failure. What a <see cref="CustomMetricReading"/>
/// holds, without the query, which the reconciler derives from the spec itself.
/// </summary>
public sealed record MetricReading(string Key, IReadOnlyList<PodCustomMetricValue>? PodValues, IReadOnlyList<CustomMetricValue>? Values,
    DateTimeOffset? GoodAt, string? Error, DateTimeOffset? ErrorAt)
{
    public static MetricReading From(CustomMetricReading reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        return new(reading.Query.Key, reading.PodValues, reading.Values, reading.GoodAt, reading.Error, reading.ErrorAt);
    }

    public CustomMetricReading ToReading(CustomMetricQuery query) =>
        new() { Query = query, PodValues = PodValues, Values = Values, GoodAt = GoodAt, Error = Error, ErrorAt = ErrorAt };

    /// <summary>Same values and error (the times of a repeated answer do not make it new).</summary>
    public bool SameValues(MetricReading other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Error == other.Error
            && (Values ?? []).Select(v => v.ValueMilli).SequenceEqual((other.Values ?? []).Select(v => v.ValueMilli))
            && (PodValues ?? []).Select(v => (v.Pod, v.ValueMilli)).SequenceEqual((other.PodValues ?? []).Select(v => (v.Pod, v.ValueMilli)));
    }
}

/// <summary>The entity id of a scale target: "namespace/resource/name" (resource as the scale client
/// resolves the kind, e.g. "deployments"; the kind itself when it does not resolve).</summary>
public static class ScaleTargetKey
{
    public static string For(string ns, CrossVersionObjectReference target)
    {
        ArgumentNullException.ThrowIfNull(target);
        string resource;
        try
        {
            resource = ScaleClient.Resolve(target);
        }
        catch (ScaleTargetException)
        {
            resource = $"{target.ApiVersion}/{target.Kind}";
        }
        return $"{ns}/{resource}/{target.Name}";
    }
}

/// <summary>Local only: the sync period elapsed.</summary>
internal sealed class SyncTick : INotInfluenceReceiveTimeout, IDeadLetterSuppression, INoSerializationVerificationNeeded
{
    public static readonly SyncTick Instance = new();
    private SyncTick()
    {
    }
}

/// <summary>Local only: the metrics store applied a scrape batch touching this HPA's pods.</summary>
internal sealed class FreshMetrics : INotInfluenceReceiveTimeout, IDeadLetterSuppression, INoSerializationVerificationNeeded
{
    public static readonly FreshMetrics Instance = new();
    private FreshMetrics()
    {
    }
}

/// <summary>Local only: the debounce after fresh metrics elapsed; reconcile now.</summary>
internal sealed class DebounceElapsed : INotInfluenceReceiveTimeout, IDeadLetterSuppression, INoSerializationVerificationNeeded
{
    public static readonly DebounceElapsed Instance = new();
    private DebounceElapsed()
    {
    }
}
