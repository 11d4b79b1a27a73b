using System.Collections.Concurrent;
using System.Text;
using ActorScaler.Actors.Metrics;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Scraping;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorScaler.Actors.Tests.Metrics.MetricsTestData;

namespace ActorScaler.Actors.Tests.Metrics;

public sealed class NodeScraperTests : TestKit
{
    private static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(300);
    private readonly ClusterCaches _caches = new();
    private readonly FakeKubelet _kubelet = new();

    public NodeScraperTests()
    {
        AddNode(_caches, "n1", 10250, "10.0.0.7");
    }

    private NodeScraperSettings Settings => new()
    {
        Resolution = Resolution,
        PreferredAddressTypes = ["InternalIP", "Hostname"],
        Member = "member-a:4053",
        ClientFactory = _ => _kubelet,
        FirstScrapeDelay = TimeSpan.Zero,
    };

    private NodeScrapeReport NextReport(Akka.TestKit.TestProbe publisher)
    {
        var publish = publisher.ExpectMsg<Publish>(TimeSpan.FromSeconds(5));
        Assert.Equal(MetricsTopics.NodeMetrics, publish.Topic);
        return Assert.IsType<NodeScrapeReport>(publish.Message);
    }

    [Fact]
    public void Scrapes_every_resolution_and_publishes_rates_from_kubelet_sample_times()
    {
        const long t0 = 1_750_000_000_000;
        // Containers started long ago: the first sample has no usable pair yet; the second does.
        _kubelet.Answer(Payload(t0, 100, ("default", "web-1", 10, 1_000)));
        _kubelet.Answer(Payload(t0 + 15_000, 115, ("default", "web-1", 11.5, 1_000)));
        var publisher = CreateTestProbe();
        Sys.ActorOf(NodeScraper.Props("n1", _caches, Settings, publisher, NullLogger.Instance));

        var first = NextReport(publisher);
        Assert.True(first.Status.Succeeded);
        Assert.Equal("https://10.0.0.7:10250/metrics/resource", first.Status.Address);
        Assert.Equal("member-a:4053", first.Status.Member);
        Assert.NotNull(first.Batch);
        Assert.Null(first.Batch!.NodeUsage);
        Assert.Empty(first.Batch.Pods);

        var second = NextReport(publisher);
        var node = second.Batch!.NodeUsage!;
        Assert.Equal(1_000_000_000, node.CpuNanoCores); // 15 core-seconds over 15 s
        Assert.Equal(15 * Second, node.WindowNs);
        var pod = Assert.Single(second.Batch.Pods);
        Assert.Equal(("default", "web-1"), (pod.Namespace, pod.Name));
        Assert.Equal(100_000_000, pod.CpuNanoCores); // 1.5 core-seconds over 15 s
        Assert.Equal(64L << 20, pod.MemoryBytes);
        Assert.Equal((t0 + 15_000) * 1_000_000, pod.TimestampNs);
    }

    [Fact]
    public void Honours_the_path_annotation_and_the_kubelet_port_from_the_node()
    {
        AddNode(_caches, "n2", 10777, "10.0.0.8", path: "/custom/metrics");
        _kubelet.Answer(Payload(1_750_000_000_000, 1));
        var publisher = CreateTestProbe();
        Sys.ActorOf(NodeScraper.Props("n2", _caches, Settings, publisher, NullLogger.Instance));
        Assert.Equal("https://10.0.0.8:10777/custom/metrics", NextReport(publisher).Status.Address);
    }

    [Theory]
    [InlineData("down")]
    [InlineData("garbage")]
    [InlineData("scrape-error")]
    public void A_failed_scrape_publishes_a_clear_status_and_no_batch(string fault)
    {
        switch (fault)
        {
            case "down":
                _kubelet.Fail(new KubeletScrapeException(ScrapeReasons.Unreachable, "connection refused (is the kubelet running and listening on this port?)"));
                break;
            case "garbage":
                _kubelet.Answer("<html><body><h1>502 Bad Gateway</h1> not prometheus {{{\n");
                break;
            default:
                _kubelet.Answer("# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise\nresource_scrape_error 1\n");
                break;
        }
        var publisher = CreateTestProbe();
        Sys.ActorOf(NodeScraper.Props("n1", _caches, Settings, publisher, NullLogger.Instance));
        var report = NextReport(publisher);
        Assert.Null(report.Batch);
        Assert.False(report.Status.Succeeded);
        Assert.Equal("n1", report.Status.Node);
        Assert.Equal("https://10.0.0.7:10250/metrics/resource", report.Status.Address);
        var (reason, text) = fault switch
        {
            "down" => (ScrapeReasons.Unreachable, "connection refused"),
            "garbage" => (ScrapeReasons.InvalidPayload, "is not kubelet resource metrics"),
            _ => (ScrapeReasons.KubeletScrapeError, "resource_scrape_error 1"),
        };
        Assert.Equal(reason, report.Status.Reason);
        Assert.Contains(text, report.Status.Message);
        Assert.Equal(0, report.Status.LastSuccessNs);
    }

    [Fact]
    public void Never_sends_a_second_request_while_one_is_in_flight()
    {
        var hanging = new TaskCompletionSource<KubeletPayload>();
        _kubelet.Pending(hanging.Task);
        var publisher = CreateTestProbe();
        Sys.ActorOf(NodeScraper.Props("n1", _caches, Settings, publisher, NullLogger.Instance));
        publisher.ExpectNoMsg(TimeSpan.FromMilliseconds(1200)); // four resolutions
        Assert.Equal(1, _kubelet.Requests);
        hanging.SetResult(KubeletPayload.Copy(Encoding.UTF8.GetBytes(Payload(1_750_000_000_000, 5))));
        Assert.True(NextReport(publisher).Status.Succeeded);
    }

    [Fact]
    public void Reports_a_node_without_a_preferred_address_type()
    {
        var publisher = CreateTestProbe();
        Sys.ActorOf(NodeScraper.Props("n1", _caches, Settings with { PreferredAddressTypes = ["ExternalIP"] }, publisher, NullLogger.Instance));
        var report = NextReport(publisher);
        Assert.Equal(ScrapeReasons.NoAddress, report.Status.Reason);
        Assert.Contains("ExternalIP", report.Status.Message);
        Assert.Equal(0, _kubelet.Requests);
    }

    [Fact]
    public void Passivates_when_its_node_is_deleted()
    {
        _kubelet.Answer(Payload(1_750_000_000_000, 5));
        var scraper = ChildActorOf(NodeScraper.Props("n1", _caches, Settings with { FirstScrapeDelay = TimeSpan.FromHours(1) }, CreateTestProbe(), NullLogger.Instance));
        scraper.Tell(new StopScraper("n1"));
        ExpectMsg<Passivate>();
    }

    private sealed class FakeKubelet : IKubeletClient
    {
        private readonly ConcurrentQueue<Func<Task<KubeletPayload>>> _answers = new();
        private Func<Task<KubeletPayload>>? _last;
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public void Answer(string payload) => _answers.Enqueue(() => Task.FromResult(KubeletPayload.Copy(Encoding.UTF8.GetBytes(payload))));

        public void Fail(Exception ex) => _answers.Enqueue(() => Task.FromException<KubeletPayload>(ex));

        public void Pending(Task<KubeletPayload> task) => _answers.Enqueue(() => task);

        public Task<KubeletPayload> GetAsync(Uri url, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            if (_answers.TryDequeue(out var next))
                _last = next;
            return (_last ?? (() => Task.FromException<KubeletPayload>(new KubeletScrapeException(ScrapeReasons.Unreachable, "no answer scripted"))))();
        }

        public void Dispose()
        {
        }
    }
}
