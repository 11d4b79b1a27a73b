using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Hosting;

namespace ActorScaler.Actors.Metrics;

/// <summary>Marker key of the feeder in the ActorRegistry.</summary>
public sealed class MetricsStoreFeederKey;

/// <summary>
/// One per member: subscribes to every scraper's reports (DistributedPubSub topic
/// <see cref="MetricsTopics.NodeMetrics"/>) and applies them to the member's
/// <see cref="ResourceMetricsStore"/>, so every member holds the whole cluster's metrics. It also
/// sweeps expired values on a timer so subscribers hear about a node that stopped answering.
/// </summary>
public sealed class MetricsStoreFeeder : ReceiveActor, IWithTimers
{
    private readonly ResourceMetricsStore _store;
    private readonly TimeSpan _sweepInterval;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public MetricsStoreFeeder(ResourceMetricsStore store, TimeSpan sweepInterval, IActorRef? mediator)
    {
        _store = store;
        _sweepInterval = sweepInterval;
        // A null mediator means "not in a cluster" (actor tests feed reports directly).
        mediator?.Tell(new Subscribe(MetricsTopics.NodeMetrics, Self));

        Receive<NodeScrapeReport>(report => _store.Apply(report));
        Receive<SubscribeAck>(_ => _log.Debug("subscribed to {0}", MetricsTopics.NodeMetrics));
        Receive<Sweep>(_ =>
        {
            var removed = _store.RemoveExpired();
            if (removed > 0)
                _log.Info("metrics of {0} node(s) expired: no good scrape within {1}", removed, _store.TimeToLive);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Sweep), Sweep.Instance, _sweepInterval);

    public static Props Props(ResourceMetricsStore store, TimeSpan sweepInterval, IActorRef? mediator) =>
        Akka.Actor.Props.Create(() => new MetricsStoreFeeder(store, sweepInterval, mediator));

    private sealed class Sweep : INotInfluenceReceiveTimeout, IDeadLetterSuppression, INoSerializationVerificationNeeded
    {
        public static readonly Sweep Instance = new();
    }
}

public static class MetricsStoreFeederExtensions
{
    /// <summary>DistributedPubSub and this member's store feeder (registered as <see cref="MetricsStoreFeederKey"/>).</summary>
    public static AkkaConfigurationBuilder AddMetricsStoreFeeder(this AkkaConfigurationBuilder builder, ResourceMetricsStore store, TimeSpan sweepInterval)
    {
        builder.WithDistributedPubSub(role: "");
        builder.WithActors((system, registry) =>
        {
            var mediator = DistributedPubSub.Get(system).Mediator;
            registry.Register<MetricsStoreFeederKey>(system.ActorOf(MetricsStoreFeeder.Props(store, sweepInterval, mediator), "metrics-store-feeder"));
        });
        return builder;
    }
}
