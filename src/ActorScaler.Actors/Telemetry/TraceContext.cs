using System.Diagnostics;

namespace ActorScaler.Actors.Telemetry;

/// <summary>
/// The trace context carried inside actor messages as a W3C traceparent string
/// ("00-{trace-id}-{span-id}-{flags}"): a string survives the protobuf wire and any member's version,
/// where an Activity does not cross the actor boundary at all.
/// </summary>
public static class TraceContext
{
    /// <summary>The current span as a traceparent, or null when nothing is being traced.</summary>
    public static string? Capture() => Capture(Activity.Current);

    public static string? Capture(Activity? activity) =>
        activity is null || activity.IdFormat != ActivityIdFormat.W3C ? null : activity.Id;

    /// <summary>The parent a span started from this traceparent should have; default (a new trace) when
    /// the text is missing or malformed, so a bad header never fails a message.</summary>
    public static ActivityContext Restore(string? traceParent) =>
        !string.IsNullOrEmpty(traceParent) && ActivityContext.TryParse(traceParent, traceState: null, isRemote: true, out var context)
            ? context
            : default;
}
