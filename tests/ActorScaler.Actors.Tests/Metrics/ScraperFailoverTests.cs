using System.Text;
using ActorScaler.Actors.Metrics;
using ActorScaler.Actors.Serialization;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorScaler.Actors.Tests.Metrics.MetricsTestData;

namespace ActorScaler.Actors.Tests.Metrics;

/// <summary>
/// Two cluster members on loopback (this TestKit's system is member B, a second ActorSystem is member
/// A), each with a node-scraper shard region. The scraper of node n1 runs on A, A dies without leaving
/// (no coordinated shutdown, as with kill -9) and is downed, the scraper restarts on B, and B's first
/// scrape must already yield rates because it continues from A's replicated points.
/// </summary>
public sealed class ScraperFailoverTests : TestKit
{
    private const string Node = "n1";
    // Restored points pair only up to ten resolutions back (ScraperPointsReplication.MaxRestoredAge):
    // at 2 s that is 20 s, which covers this test's failover (removal, the coordinator's move, the
    // region's registration) even on a loaded CI machine; at 1 s, 10 s sometimes did not.
    private static readonly TimeSpan Resolution = TimeSpan.FromSeconds(2);

    private static readonly Config MemberConfig = ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.actor.provider = cluster
        akka.actor.serializers.actorscaler = "{{typeof(ProtocolSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(ActorScaler.Actors.Protocol.IActorScalerMessage).AssemblyQualifiedName}}" = actorscaler }
        akka.actor.serialization-settings.allow-unregistered-types = false
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.sharding.state-store-mode = ddata
        akka.cluster.sharding.remember-entities = off
        # No rebalance during the test: the entity stays where it was first allocated until A dies.
        akka.cluster.sharding.rebalance-interval = 600s
        akka.cluster.distributed-data.gossip-interval = 200ms
        # Like kill -9: terminating member A runs no coordinated shutdown (no leave, no hand-off).
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.run-coordinated-shutdown-when-down = off
        # The test downs A itself; the singleton's removal margin (the SBR's stable-after unless set)
        # would otherwise hold the shard coordinator's move for 20 s.
        akka.cluster.down-removal-margin = 200ms
        akka.cluster.split-brain-resolver.stable-after = 1s
        """);

    private readonly ClusterCaches _caches = new();
    private readonly CounterKubelet _kubelet = new();

    public ScraperFailoverTests()
        : base(MemberConfig, "actorscaler")
    {
        AddNode(_caches, Node, 10250, "10.0.0.7");
    }

    private NodeScraperSettings Settings(string member) => new()
    {
        Resolution = Resolution,
        PreferredAddressTypes = ["InternalIP"],
        Member = member,
        ClientFactory = _ => _kubelet,
        FirstScrapeDelay = TimeSpan.Zero,
    };

    private IActorRef StartRegion(ActorSystem system, string member, IActorRef publisher, bool replicate = true)
    {
        var replicator = replicate ? DistributedData.Get(system).Replicator : null;
        return ClusterSharding.Get(system).Start(
            NodeScraperExtensions.RegionName,
            node => NodeScraper.Props(node, _caches, Settings(member), publisher, NullLogger.Instance, replicator),
            ClusterShardingSettings.Create(system),
            new NodeScraperMessageExtractor());
    }

    private static NodeScrapeReport Report(TestProbe publisher, TimeSpan? timeout = null) =>
        Assert.IsType<NodeScrapeReport>(publisher.ExpectMsg<Akka.Cluster.Tools.PublishSubscribe.Publish>(timeout ?? TimeSpan.FromSeconds(10)).Message);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_scraper_that_moves_after_its_member_dies_yields_rates_from_its_first_scrape(bool replicate)
    {
        var systemA = ActorSystem.Create("actorscaler", MemberConfig);
        try
        {
            var clusterA = Akka.Cluster.Cluster.Get(systemA);
            var clusterB = Akka.Cluster.Cluster.Get(Sys);
            clusterA.Join(clusterA.SelfAddress);
            await AwaitConditionAsync(() => Task.FromResult(clusterA.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up)), TimeSpan.FromSeconds(15));

            // The scraper starts on A (the only member) and scrapes twice.
            var publisherA = CreateTestProbe();
            var regionA = StartRegion(systemA, "member-a", publisherA, replicate);
            regionA.Tell(new EnsureScraper(Node));
            Assert.Null(Report(publisherA).Batch!.NodeUsage);
            Assert.NotNull(Report(publisherA).Batch!.NodeUsage);

            // B joins and receives A's points by gossip.
            clusterB.Join(clusterA.SelfAddress);
            var publisherB = CreateTestProbe();
            var regionB = StartRegion(Sys, "member-b", publisherB, replicate);
            await AwaitConditionAsync(() => Task.FromResult(clusterB.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2), TimeSpan.FromSeconds(15));
            if (replicate)
            {
                var replicator = DistributedData.Get(Sys).Replicator;
                var key = ScraperPointsReplication.KeyFor(Node);
                await AwaitConditionAsync(async () =>
                {
                    var answer = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(3));
                    return answer.IsSuccessful && !answer.Get(key).Value.Points.IsEmpty;
                }, TimeSpan.FromSeconds(10));
            }

            // A dies without leaving and is downed (what the split brain resolver does after stable-after).
            var addressA = clusterA.SelfAddress;
            await systemA.Terminate();
            var killedAt = DateTimeOffset.UtcNow;
            clusterB.Down(addressA);
            await AwaitConditionAsync(() => Task.FromResult(clusterB.State.Members.All(m => m.Address != addressA)), TimeSpan.FromSeconds(15));

            // The keep-alive (here: the test) ensures the scraper; its shard is allocated to B.
            NodeScrapeReport? first = null;
            var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(20);
            while (first is null && DateTimeOffset.UtcNow < deadline)
            {
                regionB.Tell(new EnsureScraper(Node));
                var message = publisherB.ReceiveOne(TimeSpan.FromMilliseconds(500));
                if (message is Akka.Cluster.Tools.PublishSubscribe.Publish { Message: NodeScrapeReport report })
                    first = report;
            }
            Assert.NotNull(first);
            Assert.Equal("member-b", first!.Status.Member);
            Assert.True(first.Status.Succeeded, first.Status.Message);
            if (replicate)
            {
                // Rates at once: the window reaches back to A's last scrape before the kill.
                var node = Assert.IsType<NodeUsage>(first.Batch!.NodeUsage);
                Assert.InRange(node.CpuNanoCores, 1_990_000_000, 2_010_000_000);
                var pod = Assert.Single(first.Batch.Pods);
                Assert.InRange(pod.CpuNanoCores, 495_000_000, 505_000_000);
                // The restored points are at most ReplicateEveryScrapes resolutions older than the kill.
                Assert.InRange(node.WindowNs, Resolution.Ticks * 100 / 2,
                    (long)(DateTimeOffset.UtcNow - killedAt + (ScraperPointsReplication.ReplicateEveryScrapes + 1) * Resolution).Ticks * 100);
            }
            else
            {
                // Without replication the first scrape has nothing to pair with: one resolution of blackout.
                Assert.Null(first.Batch!.NodeUsage);
                Assert.Empty(first.Batch.Pods);
            }
        }
        finally
        {
            await systemA.Terminate();
        }
    }

    [Fact]
    public void Last_points_round_trip_through_the_protocol_serializer_compactly()
    {
        var points = new NodeRatePoints("node-7", 1_750_000_000_123_000_000, 1_750_000_000_100_000_000, 123_456_789_012,
        [
            new ContainerRatePoint("default", "web-1", "app", 1_750_000_000_101_000_000, 9_000_000_000, 1_749_999_000_000_000_000),
            new ContainerRatePoint("default", "web-1", "sidecar", 1_750_000_000_099_000_000, 10, 0),
            new ContainerRatePoint("tenant-a", "api-0", "app", 1_750_000_000_100_000_000, 42, 1_750_000_000_200_000_000),
        ]);
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        var bytes = serializer.ToBinary(new ScraperLastPoints(points));
        var back = Assert.IsType<ScraperLastPoints>(serializer.FromBinary(bytes, serializer.Manifest(new ScraperLastPoints(points)))).Points;
        Assert.Equal(points.Node, back.Node);
        Assert.Equal(points.ScrapedAtNs, back.ScrapedAtNs);
        Assert.Equal(points.NodeTimestampNs, back.NodeTimestampNs);
        Assert.Equal(points.NodeCpuNs, back.NodeCpuNs);
        Assert.Equal(points.Containers.ToArray(), back.Containers.ToArray());
        // The pod's namespace and name once, relative timestamps: well under 40 bytes per container.
        Assert.True(bytes.Length < 40 + 3 * 40, $"{bytes.Length} bytes");
    }

    [Fact]
    public void A_restored_calculator_pairs_its_first_sample_with_the_checkpoint_and_ignores_a_restarted_container()
    {
        const long t0 = 1_750_000_000_000;
        var parser = new ResourceMetricsParser();
        var scrape = new ResourceMetricsScrape();
        var first = new NodeRateCalculator(Node, Resolution);
        parser.Parse(Encoding.UTF8.GetBytes(Payload(t0, 100, ("default", "web-1", 10, 1_000), ("default", "web-2", 20, 1_000))), 0, scrape);
        first.Apply(scrape, t0 * 1_000_000);
        var checkpoint = first.Checkpoint(t0 * 1_000_000);

        var successor = new NodeRateCalculator(Node, Resolution);
        Assert.True(successor.Restore(checkpoint));
        Assert.False(successor.Restore(checkpoint)); // only an empty calculator is seeded
        // web-2 restarted in between (new start time, counter from zero).
        parser.Parse(Encoding.UTF8.GetBytes(Payload(t0 + 4_000, 108, ("default", "web-1", 12, 1_000), ("default", "web-2", 0.4, (t0 + 3_000) / 1000.0))), 0, scrape);
        var batch = successor.Apply(scrape, (t0 + 4_000) * 1_000_000);
        Assert.Equal(2_000_000_000, batch.NodeUsage!.CpuNanoCores); // 8 core-seconds over 4 s
        var web1 = batch.Pods.Single(p => p.Name == "web-1");
        Assert.Equal(500_000_000, web1.CpuNanoCores); // 2 core-seconds over 4 s
        var web2 = batch.Pods.Single(p => p.Name == "web-2");
        Assert.Equal(400_000_000, web2.CpuNanoCores); // 0.4 core-seconds since its restart 1 s ago
        Assert.False(new NodeRateCalculator("other-node", Resolution).Restore(checkpoint));
    }

    /// <summary>A kubelet whose counters grow at fixed rates with wall time (node 2 cores, one
    /// container 0.5 cores), so any two samples, by any member, give exactly those rates.</summary>
    private sealed class CounterKubelet : IKubeletClient
    {
        private readonly long _originMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 3_600_000;

        public Task<KubeletPayload> GetAsync(Uri url, CancellationToken cancellationToken)
        {
            var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var elapsed = (ms - _originMs) / 1000.0;
            var payload = Payload(ms, 2 * elapsed, ("default", "web-1", 0.5 * elapsed, _originMs / 1000.0));
            return Task.FromResult(KubeletPayload.Copy(Encoding.UTF8.GetBytes(payload)));
        }

        public void Dispose()
        {
        }
    }
}
