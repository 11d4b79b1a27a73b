using ActorScaler.Actors.Metrics;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Informers;
using ActorScaler.Metrics.Scraping;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;
using static ActorScaler.Actors.Tests.Metrics.MetricsTestData;

namespace ActorScaler.Actors.Tests.Metrics;

public sealed class ResourceMetricsStoreTests : TestKit
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ClusterCaches _caches = new();
    private readonly ResourceMetricsStore _store;

    public ResourceMetricsStoreTests()
    {
        _store = new ResourceMetricsStore(_caches, _time, TimeSpan.FromSeconds(40));
        AddPod(_caches, "default", "web-1", "n1", new Dictionary<string, string> { ["app"] = "web" });
        AddPod(_caches, "default", "web-2", "n1", new Dictionary<string, string> { ["app"] = "web" });
        AddPod(_caches, "default", "db-1", "n1", new Dictionary<string, string> { ["app"] = "db" });
        AddPod(_caches, "other", "web-9", "n2", new Dictionary<string, string> { ["app"] = "web" });
    }

    [Fact]
    public void A_batch_replaces_what_its_node_reported_before()
    {
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second), Pod("default", "web-2", 10 * Second)));
        Assert.True(_store.TryGetPod("default", "web-1", out var web1));
        Assert.Equal(100_000_000, web1.CpuNanoCores);
        Assert.True(_store.TryGetNode("n1", out var node));
        Assert.Equal(500_000_000, node.CpuNanoCores);

        // web-2 was deleted: the next good scrape of n1 no longer has it.
        _store.Apply(Report("n1", 25 * Second, Pod("default", "web-1", 25 * Second, cpu: 300_000_000)));
        Assert.True(_store.TryGetPod("default", "web-1", out web1));
        Assert.Equal(300_000_000, web1.CpuNanoCores);
        Assert.False(_store.TryGetPod("default", "web-2", out _));
        Assert.Equal(["web-1"], _store.PodsInNamespace("default").Select(p => p.Name));
    }

    [Fact]
    public void A_pod_value_carries_when_its_scrape_arrived_not_the_kubelets_timestamp()
    {
        // The reports' kubelet timestamps (seconds after the epoch) say nothing about when they arrived.
        var arrived = _time.GetUtcNow();
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second)));
        Assert.True(_store.TryGetPod("default", "web-1", out _, out var receivedAt));
        Assert.Equal(arrived, receivedAt);

        // A failed scrape refreshes nothing; the next good one does.
        _time.Advance(TimeSpan.FromSeconds(5));
        _store.Apply(Failure("n1", ScrapeReasons.Unreachable, "connection refused"));
        Assert.True(_store.TryGetPod("default", "web-1", out _, out receivedAt));
        Assert.Equal(arrived, receivedAt);
        _time.Advance(TimeSpan.FromSeconds(5));
        _store.Apply(Report("n1", 20 * Second, Pod("default", "web-1", 20 * Second)));
        Assert.True(_store.TryGetPod("default", "web-1", out _, out receivedAt));
        Assert.Equal(arrived.AddSeconds(10), receivedAt);
    }

    [Fact]
    public void A_failed_scrape_keeps_the_last_good_values_until_they_expire_and_never_reads_as_zero()
    {
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second)));
        _time.Advance(TimeSpan.FromSeconds(15));
        _store.Apply(Failure("n1", ScrapeReasons.Unreachable, "connection refused"));

        Assert.True(_store.TryGetPod("default", "web-1", out var kept));
        Assert.Equal(100_000_000, kept.CpuNanoCores);
        Assert.True(_store.TryGetNodeStatus("n1", out var status));
        Assert.Equal(ScrapeReasons.Unreachable, status.Reason);

        _time.Advance(TimeSpan.FromSeconds(26)); // 41 s after the last good scrape, TTL 40 s
        Assert.False(_store.TryGetPod("default", "web-1", out _));
        Assert.False(_store.TryGetNode("n1", out _));
        Assert.Empty(_store.AllPods());
        Assert.Equal(1, _store.RemoveExpired());
        Assert.True(_store.TryGetNodeStatus("n1", out _)); // the reason stays visible
    }

    [Fact]
    public void Subscribers_get_one_message_per_batch_that_changed_a_matching_pod()
    {
        var web = CreateTestProbe();
        var db = CreateTestProbe();
        var otherNamespace = CreateTestProbe();
        using var webSubscription = _store.Subscribe("default", Selector.Parse("app=web"), web, "web-changed");
        using var dbSubscription = _store.Subscribe("default", Selector.Parse("app=db"), db, "db-changed");
        using var otherSubscription = _store.Subscribe("other", Selector.Everything, otherNamespace, "other-changed");

        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second), Pod("default", "web-2", 10 * Second)));
        web.ExpectMsg("web-changed");
        web.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // two matching pods, one message
        db.ExpectNoMsg(TimeSpan.Zero);
        otherNamespace.ExpectNoMsg(TimeSpan.Zero);

        // The kubelet answered its cached samples again: nothing changed, nobody is woken.
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second), Pod("default", "web-2", 10 * Second)));
        web.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        // A removed pod is a change too.
        _store.Apply(Report("n1", 25 * Second, Pod("default", "web-1", 10 * Second)));
        web.ExpectMsg("web-changed");

        webSubscription.Dispose();
        _store.Apply(Report("n1", 40 * Second, Pod("default", "web-1", 40 * Second), Pod("default", "db-1", 40 * Second)));
        db.ExpectMsg("db-changed");
        web.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(2, _store.SubscriptionCount);
    }

    [Fact]
    public void Expiry_tells_subscribers_their_pods_lost_metrics()
    {
        var web = CreateTestProbe();
        using var subscription = _store.Subscribe("default", Selector.Parse("app=web"), web, "changed");
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second)));
        web.ExpectMsg("changed");
        _time.Advance(TimeSpan.FromSeconds(41));
        _store.RemoveExpired();
        web.ExpectMsg("changed");
        Assert.Empty(_store.PodsMatching("default", Selector.Parse("app=web")));
    }

    [Fact]
    public void Selector_lookups_read_labels_from_the_pod_cache_and_span_every_node()
    {
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second), Pod("default", "db-1", 10 * Second)));
        _store.Apply(Report("n2", 11 * Second, Pod("other", "web-9", 11 * Second), Pod("default", "web-2", 11 * Second)));
        Assert.Equal(["web-1", "web-2"], _store.PodsMatching("default", Selector.Parse("app=web")).Select(p => p.Name).Order());
        Assert.Equal(["web-9"], _store.PodsMatching("other", Selector.Parse("app in (web)")).Select(p => p.Name));
        Assert.Equal(4, _store.AllPods().Count);
        Assert.Equal(2, _store.Nodes().Count);
        Assert.Equal("web", _store.PodLabels("default", "web-1")!["app"]);
        Assert.Null(_store.PodLabels("default", "nosuch"));
    }

    [Fact]
    public void A_pod_name_that_moved_to_another_node_is_not_removed_by_its_old_node()
    {
        _store.Apply(Report("n1", 10 * Second, Pod("default", "web-1", 10 * Second)));
        _store.Apply(Report("n2", 12 * Second, Pod("default", "web-1", 12 * Second, cpu: 7)));
        _store.Apply(Report("n1", 25 * Second));
        Assert.True(_store.TryGetPod("default", "web-1", out var moved));
        Assert.Equal(7, moved.CpuNanoCores);
    }

    [Fact]
    public void Time_to_live_allows_exactly_one_failed_scrape()
    {
        Assert.Equal(TimeSpan.FromSeconds(40), ResourceMetricsStore.DefaultTimeToLive(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResourceMetricsStore(_caches, _time, TimeSpan.Zero));
    }
}
