using ActorScaler.Actors.Protocol;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;

namespace ActorScaler.Actors.Metrics;

/// <summary>Keep-alive from a member's node inventory: starts the node's scraper entity if it is not
/// running (after a rebalance or a member's death) and is otherwise ignored.</summary>
public sealed record EnsureScraper(string NodeName) : IActorScalerMessage, IWithNodeName;

/// <summary>The node was deleted: its scraper passivates.</summary>
public sealed record StopScraper(string NodeName) : IActorScalerMessage, IWithNodeName;

/// <summary>
/// The condition of one node's scraping as its scraper last saw it. Times are Unix nanoseconds on the
/// scraping member's clock.
/// </summary>
/// <param name="Node">Node name.</param>
/// <param name="Address">The URL scraped (scheme, address, port, path), or null when none could be chosen.</param>
/// <param name="AttemptedAtNs">When the latest scrape started.</param>
/// <param name="LastSuccessNs">When the latest successful scrape started; 0 if none yet.</param>
/// <param name="Reason">One of <see cref="ScrapeReasons"/>.</param>
/// <param name="Message">Human-readable detail naming the node, the address and the problem (and the fix
/// where there is one); empty on success unless some series were skipped.</param>
/// <param name="Member">The cluster member that scraped (host:port), to see who owns the node.</param>
public sealed record NodeScrapeStatus(
    string Node,
    string? Address,
    long AttemptedAtNs,
    long LastSuccessNs,
    string Reason,
    string Message,
    string Member)
{
    public bool Succeeded => Reason == ScrapeReasons.Succeeded;
}

/// <summary>What one scrape of one node produced, published to every member (DistributedPubSub topic
/// <see cref="MetricsTopics.NodeMetrics"/>): a status always, a batch only when the scrape succeeded.
/// A failed scrape carries no batch, so the stores keep the last good points until they expire; a
/// scrape error never reads as zero usage.</summary>
public sealed record NodeScrapeReport(NodeScrapeStatus Status, NodeMetricsBatch? Batch) : IActorScalerMessage;

public static class MetricsTopics
{
    /// <summary>The DistributedPubSub topic every member's store subscribes to.</summary>
    public const string NodeMetrics = "actorscaler-node-metrics";
}
