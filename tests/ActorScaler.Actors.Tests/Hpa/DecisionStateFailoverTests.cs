using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Serialization;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Spec;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Hpa;

/// <summary>
/// Two cluster members on loopback (this TestKit's system is member B, a second ActorSystem is member
/// A), each with an "hpa" shard region. The HPA entity scales up on A inside a one-pod-per-minute
/// policy, A dies without leaving (as with kill -9) and is downed, and the entity restarts on B. With
/// the decision state replicated, B knows the scale event and does not scale again inside the policy's
/// period; without it, B forgets and scales at once (upstream's behaviour after a leader change).
/// </summary>
public sealed class DecisionStateFailoverTests : TestKit
{
    private const string Key = "default/web";

    private static readonly Config MemberConfig = ConfigurationFactory.ParseString($$"""
        akka.loglevel = INFO
        akka.actor.provider = cluster
        akka.actor.serializers.actorscaler = "{{typeof(ProtocolSerializer).AssemblyQualifiedName}}"
        akka.actor.serialization-bindings { "{{typeof(ActorScaler.Actors.Protocol.IActorScalerMessage).AssemblyQualifiedName}}" = actorscaler }
        akka.actor.serialization-settings.allow-unregistered-types = false
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.cluster.sharding.state-store-mode = ddata
        akka.cluster.sharding.remember-entities = off
        akka.cluster.sharding.rebalance-interval = 600s
        akka.cluster.distributed-data.gossip-interval = 200ms
        akka.cluster.singleton.hand-over-retry-interval = 200ms
        # A dead member is noticed fast, so its downing converges fast.
        akka.cluster.failure-detector { heartbeat-interval = 200ms, acceptable-heartbeat-pause = 1s }
        akka.cluster.sharding.retry-interval = 200ms
        akka.cluster.sharding.coordinator-failure-backoff = 500ms
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.run-coordinated-shutdown-when-down = off
        """);

    private readonly FakeInputs _inputs = new();
    private readonly FakeMetrics _metrics = new();
    private readonly FakeWriter _writer;
    private readonly FakeTimeProvider _time = new(HpaFixtures.Now);

    public DecisionStateFailoverTests()
        : base(MemberConfig, "actorscaler") => _writer = new FakeWriter(_inputs);

    private HpaControllerContext Context() => new(
        new HpaControllerOptions { SyncPeriod = TimeSpan.FromMilliseconds(300), FreshMetricsDebounce = TimeSpan.FromMilliseconds(20), MinPassInterval = TimeSpan.Zero },
        _inputs, _metrics, _writer, _time);

    private IActorRef StartRegion(ActorSystem system, bool replicate)
    {
        var replicator = replicate ? DistributedData.Get(system).Replicator : null;
        var context = Context();
        return ClusterSharding.Get(system).Start(HpaControllerSetup.RegionName, key => HpaSupervisor.Props(key, context, replicator),
            ClusterShardingSettings.Create(system), new HpaMessageExtractor());
    }

    /// <summary>One pod at 200m of a 100m request against 50 %: 4 wanted, at most one more pod per minute.</summary>
    private static HorizontalPodAutoscaler RateLimitedHpa() => HpaFixtures.CpuHpa() with
    {
        Spec = HpaFixtures.CpuHpa().Spec with
        {
            Behavior = new HorizontalPodAutoscalerBehavior
            {
                ScaleUp = new HpaScalingRules
                {
                    StabilizationWindowSeconds = 0,
                    SelectPolicy = "Max",
                    Policies = [new HpaScalingPolicy { Type = HpaScalingPolicyType.Pods, Value = 1, PeriodSeconds = 60 }],
                },
            },
        },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_failover_the_successor_honours_the_scale_events_of_the_dead_member(bool replicate)
    {
        _inputs.Put(RateLimitedHpa());
        _inputs.Scales[Key] = HpaFixtures.Scale("web", 1);
        _inputs.Pods["default/web-1"] = HpaFixtures.Pod("web-1", "web", 100);
        _metrics.SetCpu("default", "web-1", 200, HpaFixtures.Now.AddSeconds(-5));

        var systemA = ActorSystem.Create("actorscaler", MemberConfig);
        try
        {
            var clusterA = Akka.Cluster.Cluster.Get(systemA);
            var clusterB = Akka.Cluster.Cluster.Get(Sys);
            clusterA.Join(clusterA.SelfAddress);
            await AwaitConditionAsync(() => Task.FromResult(clusterA.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up)), TimeSpan.FromSeconds(15));

            // On A (the only member): 1 -> 2, the policy's one pod for this minute.
            var regionA = StartRegion(systemA, replicate);
            regionA.Tell(new EnsureHpa(Key));
            await AwaitConditionAsync(() => Task.FromResult(_writer.ScaleWrites.Any(w => w.Replicas == 2)), TimeSpan.FromSeconds(10));
            _inputs.Scales[Key] = HpaFixtures.Scale("web", 2, "11");
            _time.Advance(TimeSpan.FromSeconds(10));

            clusterB.Join(clusterA.SelfAddress);
            var regionB = StartRegion(Sys, replicate);
            await AwaitConditionAsync(() => Task.FromResult(clusterB.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2), TimeSpan.FromSeconds(15));
            if (replicate)
            {
                var replicator = DistributedData.Get(Sys).Replicator;
                var key = DecisionStateReplication.KeyFor(Key);
                await AwaitConditionAsync(async () =>
                {
                    var answer = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(3));
                    return answer.IsSuccessful && answer.Get(key).Value.State.ScaleUpEvents.Count == 1;
                }, TimeSpan.FromSeconds(10));
            }

            var addressA = clusterA.SelfAddress;
            var killedAt = DateTime.UtcNow;
            await systemA.Terminate();
            clusterB.Down(addressA);
            await AwaitConditionAsync(() => Task.FromResult(clusterB.State.Members.All(m => m.Address != addressA)), TimeSpan.FromSeconds(15));
            var writesBefore = _writer.ScaleWrites.Count;
            var passesOnB = 0L;
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
            while (passesOnB < 3 && DateTime.UtcNow < deadline)
            {
                try
                {
                    // The shard coordinator moves from A to B first: early asks may go unanswered.
                    var owner = await regionB.Ask<HpaOwner>(new GetHpaOwner(Key), TimeSpan.FromSeconds(2));
                    passesOnB = owner.Passes;
                }
                catch (AskTimeoutException)
                {
                }
                await Task.Delay(200);
            }
            Assert.True(passesOnB >= 3, $"the entity ran {passesOnB} passes on B in {(DateTime.UtcNow - killedAt).TotalSeconds:0.0}s");

            if (replicate)
                Assert.Equal(writesBefore, _writer.ScaleWrites.Count); // still inside the policy's minute
            else
                Assert.Contains(_writer.ScaleWrites.Skip(writesBefore), w => w.Replicas == 3);
        }
        finally
        {
            await systemA.Terminate();
        }
    }

    [Fact]
    public void The_decision_state_round_trips_through_the_protocol_serializer()
    {
        var state = new ReplicatedDecisionState("uid-1", new DecisionState
        {
            Recommendations = [new TimestampedRecommendation(0, HpaFixtures.Now), new TimestampedRecommendation(7, HpaFixtures.Now.AddTicks(1))],
            ScaleUpEvents = [new TimestampedScaleEvent(3, HpaFixtures.Now.AddSeconds(-30), false)],
            ScaleDownEvents = [new TimestampedScaleEvent(1, HpaFixtures.Now.AddMinutes(-20), true)],
        });
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        var back = Assert.IsType<ReplicatedDecisionState>(serializer.FromBinary(serializer.ToBinary(state), serializer.Manifest(state)));
        Assert.Equal("uid-1", back.HpaUid);
        Assert.Equal(state.State.Recommendations, back.State.Recommendations);
        Assert.Equal(state.State.ScaleUpEvents, back.State.ScaleUpEvents);
        Assert.Equal(state.State.ScaleDownEvents, back.State.ScaleDownEvents);

        // "No list yet" and "an empty list" mean different things to the core and survive as such.
        var fresh = new ReplicatedDecisionState("uid-2", DecisionState.Initial);
        Assert.Null(Assert.IsType<ReplicatedDecisionState>(serializer.FromBinary(serializer.ToBinary(fresh), serializer.Manifest(fresh))).State.Recommendations);
        var empty = new ReplicatedDecisionState("uid-3", new DecisionState { Recommendations = [] });
        Assert.NotNull(Assert.IsType<ReplicatedDecisionState>(serializer.FromBinary(serializer.ToBinary(empty), serializer.Manifest(empty))).State.Recommendations);
    }
}
