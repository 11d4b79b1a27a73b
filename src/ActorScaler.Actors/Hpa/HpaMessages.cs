using ActorScaler.Actors.Protocol;
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
