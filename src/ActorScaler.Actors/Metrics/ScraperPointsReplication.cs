using ActorScaler.Actors.Protocol;
using ActorScaler.Metrics.Storage;
using Akka.DistributedData;

namespace ActorScaler.Actors.Metrics;

/// <summary>
/// A node scraper's latest cumulative points, the value of the node's replicated register (see
/// <see cref="ScraperPointsReplication"/>). It crosses the wire inside Akka.DistributedData's gossip,
/// hence the protocol serializer binding.
/// </summary>
public sealed record ScraperLastPoints(NodeRatePoints Points) : IActorScalerMessage;

/// <summary>
/// How scrapers keep their last points across a failover (issue 7, part 3): one
/// <see cref="LWWRegister{T}"/> per node in Akka.DistributedData. The owner writes it after every
/// successful scrape with <see cref="WriteLocal"/> (a scrape must never wait for other members; gossip
/// spreads it within a gossip interval), and a scraper starting on a new member reads it with
/// <see cref="ReadMajority"/> (so a member that just joined still sees what the others hold), falling
/// back to its local replica if the majority does not answer in time. One register per node rather
/// than one map: each changes alone, and gossip ships only the registers whose digests differ.
/// A deleted node's register is overwritten with empty points, never deleted: a deleted key can never
/// be written again, and a node may come back under the same name.
/// </summary>
public static class ScraperPointsReplication
{
    public const string KeyPrefix = "scraper-points-";

    public static LWWRegisterKey<ScraperLastPoints> KeyFor(string node) => new(KeyPrefix + node);

    /// <summary>How long a starting scraper waits for a majority before reading its local replica.</summary>
    public static TimeSpan ReadTimeout(TimeSpan resolution) =>
        TimeSpan.FromTicks(Math.Clamp(resolution.Ticks / 2, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(3).Ticks));

    /// <summary>
    /// The oldest restored points a new scraper pairs with. A rate across a longer gap is still a true
    /// average (the counters are cumulative), but it describes older load the longer the gap is: ten
    /// resolutions cover a failover (failure detection, the split brain resolver's stable-after and the
    /// shard's move take a few resolutions) and rule out pairing with points a former incarnation left
    /// hours ago.
    /// </summary>
    public static TimeSpan MaxRestoredAge(TimeSpan resolution) => resolution * 10;

    /// <summary>A scraper replicates its points on every this-many scrapes: restored points are then at
    /// most this many resolutions old before a failover adds its own delay, well inside
    /// <see cref="MaxRestoredAge"/>.</summary>
    public const int ReplicateEveryScrapes = 4;
}
