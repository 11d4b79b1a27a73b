using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Protocol;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Kubernetes.Projections;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.DistributedData;
using Akka.Event;
using Akka.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Actors.Metrics;

/// <summary>What every scraper of a member shares.</summary>
public sealed record NodeScraperSettings
{
    /// <summary>--metric-resolution: one kubelet request per node per resolution.</summary>
    public required TimeSpan Resolution { get; init; }

    /// <summary>--kubelet-preferred-address-types, in order.</summary>
    public required IReadOnlyList<string> PreferredAddressTypes { get; init; }

    /// <summary>This member (host:port), recorded in every status so one can see who scrapes a node.</summary>
    public required string Member { get; init; }

    /// <summary>Makes the HTTP client of one scraper (its own connection to its kubelet).</summary>
    public required Func<string, IKubeletClient> ClientFactory { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Delay before the first scrape; null picks a random phase within one resolution so the
    /// scrapes of many nodes spread evenly instead of arriving in one burst (metrics-server staggers
    /// each tick the same way, up to 4 s).</summary>
    public TimeSpan? FirstScrapeDelay { get; init; }
}

/// <summary>Marker key of the node-scraper shard region in the ActorRegistry.</summary>
public sealed class NodeScraperRegion;

/// <summary>
/// The sharded entity that scrapes one Kubernetes node's kubelet (entity id = node name), so each
/// kubelet is scraped by exactly one member and the scraper moves when a member leaves or dies. Every
/// resolution it GETs <c>/metrics/resource</c> (skipping a tick while a request is still running, so
/// there is never more than one request per node per resolution), parses it, turns counters into rates
/// and publishes a <see cref="NodeScrapeReport"/> to every member's store. A failure publishes a status
/// naming the node, the address and the problem, and no batch: the stores keep the last good values
/// until they expire; nothing reads as zero.
/// </summary>
#pragma warning disable CA1001 // _stopping is disposed in PostStop, the actor's end of life; actors are not IDisposable
public sealed class NodeScraper : ReceiveActor, IWithTimers
#pragma warning restore CA1001
{
    private const string ScrapeTimer = "scrape";
    private const string RestoreTimer = "restore";

    private readonly string _node;
    private readonly ClusterCaches _caches;
    private readonly NodeScraperSettings _settings;
    private readonly IActorRef _publisher;
    private readonly ILogger _logger;
    private readonly ResourceMetricsParser _parser = new();
    private readonly ResourceMetricsScrape _scrape = new();
    private readonly NodeRateCalculator _calculator;
    private readonly CancellationTokenSource _stopping = new();
    private readonly IActorRef? _replicator;
    private readonly LWWRegisterKey<ScraperLastPoints> _pointsKey;
    private long _scrapesSinceReplicated;
    private Akka.Cluster.UniqueAddress? _self;
    private bool _restoring;
    private bool _readLocally;
    private IKubeletClient? _client;
    private bool _inFlight;
    private long _lastSuccessNs;
    private string _lastReason = "";
    private string _lastMessage = "";

    /// <param name="replicator">Akka.DistributedData's replicator, where the scraper keeps its last
    /// points for a successor (see <see cref="ScraperPointsReplication"/>); null outside a cluster.</param>
    public NodeScraper(string node, ClusterCaches caches, NodeScraperSettings settings, IActorRef publisher, ILogger logger, IActorRef? replicator = null)
    {
        _node = node;
        _replicator = replicator;
        _pointsKey = ScraperPointsReplication.KeyFor(node);
        _caches = caches;
        _settings = settings;
        _publisher = publisher;
        _logger = logger;
        _calculator = new NodeRateCalculator(node, settings.Resolution);

        Receive<EnsureScraper>(_ => { });
        Receive<StopScraper>(_ => Passivate("the node was deleted"));
        Receive<Tick>(_ => OnTick());
        Receive<Fetched>(OnFetched);
        Receive<FetchFailed>(OnFetchFailed);
        Receive<IGetResponse>(OnPointsRead);
        Receive<RestoreDeadline>(_ => FinishRestore(null));
        Receive<IUpdateResponse>(response =>
        {
            if (!response.IsSuccessful)
                ScraperLog.PointsNotWritten(_logger, _node, response.GetType().Name);
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Number of kubelet requests started (tests, benchmarks).</summary>
    internal long Requests { get; private set; }

    protected override void PreStart()
    {
        _client = _settings.ClientFactory(_node);
        ScraperLog.Started(_logger, _node, _settings.Member);
        if (_replicator is null)
        {
            StartScraping(FirstScrapeDelay());
            return;
        }
        // Before the first scrape, pick up where the previous owner (a member that died or left) stopped.
        _self = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
        _restoring = true;
        var timeout = ScraperPointsReplication.ReadTimeout(_settings.Resolution);
        _replicator.Tell(Dsl.Get(_pointsKey, new ReadMajority(timeout)));
        // The replicator always answers; this only bounds the wait if it is overloaded.
        Timers.StartSingleTimer(RestoreTimer, RestoreDeadline.Instance, timeout * 3);
    }

    private TimeSpan FirstScrapeDelay() =>
        _settings.FirstScrapeDelay ?? TimeSpan.FromTicks(Random.Shared.NextInt64(Math.Max(1, _settings.Resolution.Ticks)));

    private void StartScraping(TimeSpan delay) => Timers.StartPeriodicTimer(ScrapeTimer, Tick.Instance, delay, _settings.Resolution);

    private void OnPointsRead(IGetResponse response)
    {
        if (!_restoring)
            return;
        if (response.IsFailure && !_readLocally)
        {
            _readLocally = true;
            // No majority within the timeout (members down or joining): what this member holds is
            // still better than nothing.
            _replicator!.Tell(Dsl.Get(_pointsKey, ReadLocal.Instance));
            return;
        }
        FinishRestore(response.IsSuccessful && response.IsFound ? response.Get(_pointsKey).Value?.Points : null);
    }

    private void FinishRestore(NodeRatePoints? points)
    {
        if (!_restoring)
            return;
        _restoring = false;
        Timers.Cancel(RestoreTimer);
        var now = NowNs();
        if (points is null || points.IsEmpty)
        {
            StartScraping(FirstScrapeDelay());
            return;
        }
        var ageNs = now - points.ScrapedAtNs;
        if (ageNs > ScraperPointsReplication.MaxRestoredAge(_settings.Resolution).Ticks * 100 || !_calculator.Restore(points))
        {
            ScraperLog.PointsTooOld(_logger, _node, TimeSpan.FromTicks(ageNs / 100));
            StartScraping(FirstScrapeDelay());
            return;
        }
        // Keep the previous owner's pace: its next scrape would have been one resolution after its
        // last, so scraping then yields a rate at once and still never twice per resolution.
        var dueNs = Math.Clamp(points.ScrapedAtNs + _settings.Resolution.Ticks * 100 - now, 0, _settings.Resolution.Ticks * 100);
        ScraperLog.PointsRestored(_logger, _node, points.Containers.Length, TimeSpan.FromTicks(ageNs / 100));
        StartScraping(TimeSpan.FromTicks(dueNs / 100));
    }

    private void WritePoints(NodeRatePoints points)
    {
        if (_replicator is null || _self is null)
            return;
        // Every ReplicateEveryScrapes-th scrape (the first one at once): the counters are cumulative, so
        // a successor pairing its first scrape with points a few resolutions old still gets a true rate
        // (averaged over those resolutions; MaxRestoredAge bounds it), while gossip carries a quarter of
        // the registers. At 2,000 nodes, one write per scrape kept every member's replicator busy.
        if (_scrapesSinceReplicated++ % ScraperPointsReplication.ReplicateEveryScrapes != 0)
            return;
        var value = new ScraperLastPoints(points);
        var self = _self;
        // WriteLocal: a scrape never waits for other members; gossip carries the value within one
        // gossip interval, which bounds how much older a successor's starting points can be.
        _replicator.Tell(Dsl.Update(_pointsKey, new LWWRegister<ScraperLastPoints>(self, value), WriteLocal.Instance,
            register => register.WithValue(self, value)));
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _client?.Dispose();
    }

    private void OnTick()
    {
        if (_inFlight)
            return; // the previous request is still within its timeout: never two at once
        if (!_caches.Nodes.TryGet(_node, out var info))
        {
            if (_caches.Nodes.IsSynced)
                Passivate("the node is no longer in the node cache");
            return;
        }
        var now = NowNs();
        var address = NodeProjection.PreferredAddress(info, _settings.PreferredAddressTypes);
        if (address is null)
        {
            var types = string.Join(",", _settings.PreferredAddressTypes);
            Report(now, null, ScrapeReasons.NoAddress,
                $"the node has no address of the types {types} (it has {string.Join(", ", info.Addresses.Select(a => a.Type))}); fix: set --kubelet-preferred-address-types to include one of them", null);
            return;
        }
        var url = KubeletUrl(address, info.KubeletPort, info.ResourceMetricsPath ?? NodeProjection.DefaultResourceMetricsPath);
        _inFlight = true;
        Requests++;
        _client!.GetAsync(url, _stopping.Token).PipeTo(Self,
            success: payload => new Fetched(payload, url, now),
            failure: ex => new FetchFailed(ex, url, now));
    }

    private void OnFetched(Fetched fetched)
    {
        _inFlight = false;
        NodeMetricsBatch batch;
        using (fetched.Payload)
        {
            _parser.Parse(fetched.Payload.Span, fetched.StartedNs, _scrape);
            if (_scrape.KubeletReportedError)
            {
                Report(fetched.StartedNs, fetched.Url, ScrapeReasons.KubeletScrapeError,
                    "the kubelet reported resource_scrape_error 1: it could not read container stats (check the kubelet and container runtime logs)", null);
                return;
            }
            if (!_scrape.Node.HasCpu && _scrape.Containers.Count == 0)
            {
                var first = _scrape.Errors.Count > 0 ? $"; first problem: line {_scrape.Errors[0].Line}: {_scrape.Errors[0].Reason}" : "";
                Report(fetched.StartedNs, fetched.Url, ScrapeReasons.InvalidPayload,
                    $"the answer ({fetched.Payload.Length} bytes) is not kubelet resource metrics: it has no node_cpu_usage_seconds_total or container series{first}", null);
                return;
            }
            batch = _calculator.Apply(_scrape, fetched.StartedNs);
        }
        WritePoints(_calculator.Checkpoint(fetched.StartedNs));
        _lastSuccessNs = fetched.StartedNs;
        var message = batch.Problems.IsEmpty
            ? ""
            : $"{batch.Problems.Length} series skipped, first: {batch.Problems[0]}";
        Report(fetched.StartedNs, fetched.Url, ScrapeReasons.Succeeded, message, batch);
    }

    private void OnFetchFailed(FetchFailed failed)
    {
        _inFlight = false;
        if (failed.Cause is KubeletScrapeException scrape)
            Report(failed.StartedNs, failed.Url, scrape.Reason, scrape.Message, null);
        else if (failed.Cause is OperationCanceledException)
            return; // stopping
        else
            Report(failed.StartedNs, failed.Url, ScrapeReasons.Unreachable, failed.Cause.Message, null);
    }

    private void Report(long attemptedNs, Uri? url, string reason, string message, NodeMetricsBatch? batch)
    {
        var address = url?.ToString();
        var status = new NodeScrapeStatus(_node, address, attemptedNs, _lastSuccessNs, reason, message, _settings.Member);
        _publisher.Tell(new Publish(MetricsTopics.NodeMetrics, new NodeScrapeReport(status, batch)));

        // A condition changes loudly and stays quiet while it holds: one line per transition, not per scrape.
        var changed = reason != _lastReason || message != _lastMessage;
        if (reason == ScrapeReasons.Succeeded)
        {
            if (_lastReason.Length > 0 && _lastReason != ScrapeReasons.Succeeded)
                ScraperLog.Recovered(_logger, _node, address, _lastReason);
            else if (changed && message.Length > 0)
                ScraperLog.SeriesSkipped(_logger, _node, address, message);
        }
        else if (changed)
        {
            ScraperLog.Failed(_logger, _node, address, reason, message);
        }
        else
        {
            ScraperLog.StillFailing(_logger, _node, address, reason);
        }
        _lastReason = reason;
        _lastMessage = message;
    }

    private void Passivate(string why)
    {
        ScraperLog.Stopping(_logger, _node, why);
        Timers.CancelAll();
        // The node is gone: leave empty points so a node re-created under this name starts afresh.
        WritePoints(new NodeRatePoints(_node, NowNs(), 0, 0, []));
        Context.Parent.Tell(new Passivate(PoisonPill.Instance));
    }

    private long NowNs() => (_settings.Time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>https://address:port/path, bracketing IPv6 addresses.</summary>
    public static Uri KubeletUrl(string address, int port, string path)
    {
        var host = address.Contains(':', StringComparison.Ordinal) && !address.StartsWith('[') ? $"[{address}]" : address;
        return new UriBuilder(Uri.UriSchemeHttps, host, port, path.StartsWith('/') ? path : "/" + path).Uri;
    }

    public static Props Props(string node, ClusterCaches caches, NodeScraperSettings settings, IActorRef publisher, ILogger logger, IActorRef? replicator = null) =>
        Akka.Actor.Props.Create(() => new NodeScraper(node, caches, settings, publisher, logger, replicator));

    /// <summary>The entity factory of the node-scraper region: scrapers publish to DistributedPubSub and
    /// keep their last points in Akka.DistributedData.</summary>
    public static Func<string, Props> EntityProps(ActorSystem system, ClusterCaches caches, NodeScraperSettings settings, ILogger logger)
    {
        var mediator = DistributedPubSub.Get(system).Mediator;
        var replicator = DistributedData.Get(system).Replicator;
        return node => Props(node, caches, settings, mediator, logger, replicator);
    }

    private sealed record Fetched(KubeletPayload Payload, Uri Url, long StartedNs) : INoSerializationVerificationNeeded;

    private sealed record FetchFailed(Exception Cause, Uri Url, long StartedNs) : INoSerializationVerificationNeeded;

    private sealed class RestoreDeadline : INoSerializationVerificationNeeded
    {
        public static readonly RestoreDeadline Instance = new();
    }

    private sealed class Tick : INotInfluenceReceiveTimeout, IDeadLetterSuppression, INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }
}

/// <summary>Routes <see cref="IWithNodeName"/> messages: entity id = node name, 100 shards (ten times
/// the largest member count we plan for; it must never change while the cluster runs).</summary>
public sealed class NodeScraperMessageExtractor() : HashCodeMessageExtractor(MaxShards)
{
    public const int MaxShards = 100;

    public override string? EntityId(object message) => message is IWithNodeName n ? n.NodeName : null;
}

internal static partial class ScraperLog
{
    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Debug, "scraper for node {Node} started on {Member}")]
    public static partial void Started(ILogger logger, string node, string member);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Information, "node {Node} at {Address}: scraping recovered after {Reason}")]
    public static partial void Recovered(ILogger logger, string node, string? address, string reason);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Warning, "node {Node} at {Address}: {Message}")]
    public static partial void SeriesSkipped(ILogger logger, string node, string? address, string message);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Warning, "node {Node} at {Address}: {Reason}: {Message}; its last good metrics are served until they expire")]
    public static partial void Failed(ILogger logger, string node, string? address, string reason, string message);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Debug, "node {Node} at {Address}: still {Reason}")]
    public static partial void StillFailing(ILogger logger, string node, string? address, string reason);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Debug, "scraper for node {Node} continues from the previous owner's points ({Containers} containers, {Age} old): its first scrape yields rates")]
    public static partial void PointsRestored(ILogger logger, string node, int containers, TimeSpan age);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Information, "scraper for node {Node}: the replicated points are {Age} old, too old to pair with; rates start from the second scrape")]
    public static partial void PointsTooOld(ILogger logger, string node, TimeSpan age);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Warning, "scraper for node {Node}: its last points were not replicated ({Failure}); a successor would need one more scrape before rates")]
    public static partial void PointsNotWritten(ILogger logger, string node, string failure);

    [LoggerMessage(Microsoft.Extensions.Logging.LogLevel.Information, "scraper for node {Node} stops: {Why}")]
    public static partial void Stopping(ILogger logger, string node, string why);
}

public static class NodeScraperExtensions
{
    public const string RegionName = "node-scraper";

    /// <summary>The node-scraper shard region (registered as <see cref="NodeScraperRegion"/>): entities
    /// are started by <see cref="NodeInventory"/>'s keep-alive, never remembered, and stop on delete.</summary>
    public static AkkaConfigurationBuilder AddNodeScrapers(this AkkaConfigurationBuilder builder, ClusterCaches caches, NodeScraperSettings settings, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger<NodeScraper>();
        builder.WithShardRegion<NodeScraperRegion>(
            RegionName,
            (system, _, _) => NodeScraper.EntityProps(system, caches, settings, logger),
            new NodeScraperMessageExtractor(),
            new ShardOptions
            {
                Role = ClusterMembership.Role,
                RememberEntities = false,
                StateStoreMode = StateStoreMode.DData,
            });
        return builder;
    }
}
