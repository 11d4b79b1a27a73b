using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Metrics;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorScaler.Actors.Telemetry;

/// <summary>
/// A member's entity counts and cluster reachability for the observable gauges. The gauges are read on
/// the exporter's thread and must not block, so an actor refreshes a snapshot of the shard regions'
/// state every <see cref="RefreshInterval"/>; reachability is read from the cluster's own snapshot.
/// </summary>
public sealed class MemberObservations : IMemberObservations
{
    public const string HpaKind = "hpa";
    public const string NodeScraperKind = "node_scraper";

    /// <summary>Regions sampled, by the kind label they report under.</summary>
    public static IReadOnlyList<(string Kind, string Region)> Regions { get; } =
        [(HpaKind, HpaControllerSetup.RegionName), (NodeScraperKind, NodeScraperExtensions.RegionName)];

    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(10);

    private readonly Akka.Cluster.Cluster _cluster;
    private volatile IReadOnlyList<(string Kind, long Count)> _entities = [];

    private MemberObservations(ActorSystem system)
    {
        _cluster = Akka.Cluster.Cluster.Get(system);
        Member = _cluster.SelfAddress.ToString();
    }

    public string Member { get; }

    public IEnumerable<(string Kind, long Count)> EntityCounts() => _entities;

    public (long Reachable, long Unreachable) Reachability()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Count;
        return (state.Members.Count - unreachable, unreachable);
    }

    /// <summary>Starts sampling on <paramref name="system"/> and registers with <paramref name="telemetry"/>;
    /// dispose the result when the member stops.</summary>
    public static IDisposable Start(ActorSystem system, ActorScalerTelemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(telemetry);
        var observations = new MemberObservations(system);
        var sampler = system.ActorOf(Props.Create(() => new Sampler(observations)), "telemetry-sampler");
        var registration = telemetry.RegisterMember(observations);
        return new Stopper(registration, sampler);
    }

    private sealed class Stopper(IDisposable registration, IActorRef sampler) : IDisposable
    {
        public void Dispose()
        {
            registration.Dispose();
            sampler.Tell(PoisonPill.Instance);
        }
    }

    /// <summary>Asks each local region for its state and keeps the entity counts.</summary>
    private sealed class Sampler : ReceiveActor, IWithTimers
    {
        private sealed record Refresh
        {
            public static readonly Refresh Instance = new();
        }

        private sealed record Counted(IReadOnlyList<(string Kind, long Count)> Entities);

        public Sampler(MemberObservations observations)
        {
            ReceiveAsync<Refresh>(async _ =>
            {
                var sharding = ClusterSharding.Get(Context.System);
                var counts = new List<(string Kind, long Count)>(Regions.Count);
                foreach (var (kind, regionName) in Regions)
                {
                    // A member without that feature (tests, a metrics-only member) has no such region.
                    if (!sharding.ShardTypeNames.Contains(regionName))
                        continue;
                    try
                    {
                        var state = await sharding.ShardRegion(regionName)
                            .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
                        counts.Add((kind, state.Shards.Sum(s => (long)s.EntityIds.Count)));
                    }
                    catch (AskTimeoutException)
                    {
                        // A busy region answers next time; keep the gauge's previous value meanwhile.
                        counts.AddRange(observations._entities.Where(e => e.Kind == kind));
                    }
                }
                observations._entities = counts;
            });
        }

        public ITimerScheduler Timers { get; set; } = null!;

        protected override void PreStart()
        {
            Self.Tell(Refresh.Instance);
            Timers.StartPeriodicTimer("refresh", Refresh.Instance, RefreshInterval);
        }
    }
}
