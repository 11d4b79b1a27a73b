namespace ActorScaler.Actors.Serialization;

/// <summary>Every codec of every feature. Each feature owns a static class listing its codecs
/// beside its messages (e.g. Metrics/MetricsCodecs.cs) and adds one spread line here.</summary>
public static class ProtocolCodecs
{
    public static IEnumerable<MessageCodec> All =>
    [
        .. ActorScaler.Actors.Metrics.MetricsCodecs.All,
        .. ActorScaler.Actors.Metrics.ScraperPointsCodecs.All,
        .. ActorScaler.Actors.Hpa.HpaCodecs.All,
        .. ActorScaler.Actors.Telemetry.TelemetryCodecs.All,
    ];
}
