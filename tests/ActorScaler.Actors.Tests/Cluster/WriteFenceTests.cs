using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Hpa;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Microsoft.Extensions.Time.Testing;
using ScaleWriteResult = ActorScaler.Kubernetes.Clients.ScaleWriteResult;

namespace ActorScaler.Actors.Tests.Cluster;

public sealed class WriteFenceTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(3);

    private static UniqueAddress Member(int port) => new(new Address("akka.tcp", "actorscaler", "127.0.0.1", port), port);

    [Fact]
    public void A_member_in_recent_contact_with_a_majority_may_write()
    {
        var time = new FakeTimeProvider();
        var fence = new WriteFence(time);
        fence.Update(MemberStatus.Up, time.GetTimestamp(), 3, Ttl);
        time.Advance(TimeSpan.FromSeconds(2.9));
        Assert.True(fence.TryAllow(out var reason), reason);
    }

    [Fact]
    public void Writes_are_refused_once_the_last_majority_contact_is_older_than_the_ttl_and_allowed_again_after_contact()
    {
        var time = new FakeTimeProvider();
        var fence = new WriteFence(time);
        var contact = time.GetTimestamp();
        fence.Update(MemberStatus.Up, contact, 3, Ttl);
        time.Advance(TimeSpan.FromSeconds(4.2));

        Assert.False(fence.TryAllow(out var reason));
        Assert.Equal("write fenced: no contact with a majority of the 3 members for 4.2s (limit 3.0s)", reason);

        fence.Update(MemberStatus.Up, time.GetTimestamp(), 3, Ttl);
        Assert.True(fence.TryAllow(out reason), reason);
    }

    [Theory]
    [InlineData(MemberStatus.Joining)]
    [InlineData(MemberStatus.WeaklyUp)]
    [InlineData(MemberStatus.Leaving)]
    [InlineData(MemberStatus.Exiting)]
    [InlineData(MemberStatus.Down)]
    [InlineData(MemberStatus.Removed)]
    public void Writes_are_refused_while_the_member_is_not_Up_even_in_contact(MemberStatus status)
    {
        var time = new FakeTimeProvider();
        var fence = new WriteFence(time);
        fence.Update(status, time.GetTimestamp(), 3, Ttl);
        Assert.False(fence.TryAllow(out var reason));
        Assert.Equal($"write fenced: this cluster member is {status}, not Up", reason);
    }

    [Fact]
    public void Writes_are_refused_before_the_keeper_reported_and_before_any_majority_contact()
    {
        var time = new FakeTimeProvider();
        var fence = new WriteFence(time);
        Assert.False(fence.TryAllow(out var reason));
        Assert.Contains("has not joined the cluster", reason, StringComparison.Ordinal);

        fence.Update(MemberStatus.Up, long.MinValue, 3, Ttl);
        Assert.False(fence.TryAllow(out reason));
        Assert.Equal("write fenced: no contact yet with a majority of the 3 members", reason);
    }

    [Fact]
    public void The_majority_contact_is_the_kth_most_recent_contact_counting_self_as_now()
    {
        UniqueAddress self = Member(1), b = Member(2), c = Member(3), d = Member(4), e = Member(5);
        // Three members: self plus one other is a majority, so the more recent of the two others counts.
        Assert.Equal(80, WriteFenceKeeper.MajorityContact([self, b, c], self, new Dictionary<UniqueAddress, long> { [b] = 50, [c] = 80 }, now: 100));
        // One other silent forever: still self plus c.
        Assert.Equal(80, WriteFenceKeeper.MajorityContact([self, b, c], self, new Dictionary<UniqueAddress, long> { [c] = 80 }, now: 100));
        // Both others silent: no majority was ever contacted.
        Assert.Equal(long.MinValue, WriteFenceKeeper.MajorityContact([self, b, c], self, new Dictionary<UniqueAddress, long>(), now: 100));
        // Five members need two others: the second most recent.
        Assert.Equal(40, WriteFenceKeeper.MajorityContact([self, b, c, d, e], self, new Dictionary<UniqueAddress, long> { [b] = 10, [c] = 90, [d] = 40, [e] = 20 }, now: 100));
        // A one-member cluster is always in majority.
        Assert.Equal(100, WriteFenceKeeper.MajorityContact([self], self, new Dictionary<UniqueAddress, long>(), now: 100));
        // Two members need both: the other one's contact.
        Assert.Equal(30, WriteFenceKeeper.MajorityContact([self, b], self, new Dictionary<UniqueAddress, long> { [b] = 30 }, now: 100));
    }

    [Fact]
    public void The_ttl_must_end_before_the_majority_can_down_the_member()
    {
        var config = ConfigurationFactory.ParseString("""
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 3s
            akka.cluster.split-brain-resolver.stable-after = 2s
            actorscaler.cluster.write-fence { ttl = 5s, ping-interval = 500ms }
            """);
        var settings = WriteFenceSettings.From(config);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Ttl);
        var problem = Assert.Single(settings.Validate(config));
        Assert.Contains("actorscaler.cluster.write-fence.ttl (5s) must be below akka.cluster.failure-detector.acceptable-heartbeat-pause (3s) + akka.cluster.split-brain-resolver.stable-after (2s)", problem, StringComparison.Ordinal);
        Assert.Empty((settings with { Ttl = TimeSpan.FromSeconds(3) }).Validate(config));
        Assert.Contains((settings with { Ttl = TimeSpan.FromSeconds(1) }).Validate(config), p => p.Contains("three ping intervals", StringComparison.Ordinal));
    }

    [Fact]
    public void The_shipped_hocon_keeps_the_ttl_below_the_downing_time()
    {
        var config = ConfigurationFactory.ParseString(File.ReadAllText(RepositoryFiles.Path(ClusterSetup.HoconRelativePath)));
        var settings = WriteFenceSettings.From(config);
        Assert.Empty(settings.Validate(config));
        Assert.True(settings.Ttl > 2 * settings.PingInterval);
    }

    [Fact]
    public async Task A_fenced_writer_refuses_every_write_without_calling_the_api_and_passes_reads()
    {
        var time = new FakeTimeProvider();
        var fence = new WriteFence(time);
        var inner = new CountingWriter();
        var writer = new FencedHpaWriter(inner, fence);
        var hpa = new HorizontalPodAutoscaler { Metadata = new ObjectMeta { Namespace = "ns", Name = "web" } };
        var target = new CrossVersionObjectReference { Kind = "Deployment", Name = "web", ApiVersion = "apps/v1" };
        fence.Update(MemberStatus.Up, time.GetTimestamp(), 3, Ttl);
        time.Advance(TimeSpan.FromSeconds(10));

        var scale = await writer.WriteScaleAsync("ns", target, 3, "7", default);
        Assert.Equal(ScaleWriteOutcome.Failed, scale.Outcome);
        Assert.StartsWith("write fenced: no contact with a majority", scale.Error, StringComparison.Ordinal);
        Assert.False((await writer.WriteStatusAsync(hpa, new HorizontalPodAutoscalerStatus(), default)).IsSuccess);
        Assert.StartsWith("write fenced", await writer.RecordEventAsync(hpa, new HpaEvent("Normal", "SuccessfulRescale", "m"), default), StringComparison.Ordinal);
        Assert.False((await writer.AnnotateShadowDecisionAsync("ns", "web", "d", default)).IsSuccess);
        Assert.Equal(0, inner.Writes);
        await writer.ReadScaleAsync("ns", target, default);
        Assert.Equal(1, inner.Reads);

        fence.Update(MemberStatus.Up, time.GetTimestamp(), 3, Ttl);
        Assert.Equal(ScaleWriteOutcome.Written, (await writer.WriteScaleAsync("ns", target, 3, "7", default)).Outcome);
        Assert.True((await writer.WriteStatusAsync(hpa, new HorizontalPodAutoscalerStatus(), default)).IsSuccess);
        Assert.Null(await writer.RecordEventAsync(hpa, new HpaEvent("Normal", "SuccessfulRescale", "m"), default));
        Assert.True((await writer.AnnotateShadowDecisionAsync("ns", "web", "d", default)).IsSuccess);
        Assert.Equal(4, inner.Writes);
    }

    private sealed class CountingWriter : IHpaWriter
    {
        public int Writes;
        public int Reads;

        public Task<ScaleWriteResult> WriteScaleAsync(string ns, CrossVersionObjectReference target, int replicas, string resourceVersion, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Writes);
            return Task.FromResult(new ScaleWriteResult(ScaleWriteOutcome.Written, null, "8"));
        }

        public Task<ScaleRead> ReadScaleAsync(string ns, CrossVersionObjectReference target, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Reads);
            return Task.FromResult(new ScaleRead(new ScaleSubresource(1, 1, "app=web"), "7"));
        }

        public Task<HpaWriteResult> WriteStatusAsync(HorizontalPodAutoscaler hpa, HorizontalPodAutoscalerStatus status, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Writes);
            return Task.FromResult(new HpaWriteResult("9", null));
        }

        public Task<string?> RecordEventAsync(HorizontalPodAutoscaler hpa, HpaEvent hpaEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Writes);
            return Task.FromResult<string?>(null);
        }

        public Task<HpaWriteResult> AnnotateShadowDecisionAsync(string ns, string name, string decision, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Writes);
            return Task.FromResult(new HpaWriteResult("9", null));
        }
    }
}
