using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Tests.Hpa;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Actors.Tests.Cluster;

/// <summary>The HPA inventory re-ensures every HPA when membership changes, without waiting for its keep-alive.</summary>
public sealed class InventoryFailoverTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(3);

    /// <summary>One EnsureHpa for each key, in any order. Keys only: the trace parent is set whenever
    /// an ActivityListener samples the inventory's spans, which another test class running in parallel
    /// in this process may have registered.</summary>
    private static void ExpectEnsured(Akka.TestKit.TestProbe region, TimeSpan within, params string[] keys)
    {
        var received = region.ReceiveN(keys.Length, within).Cast<EnsureHpa>().Select(m => m.HpaKey).Order(StringComparer.Ordinal);
        Assert.Equal(keys.Order(StringComparer.Ordinal), received);
    }

    [Fact]
    public void A_removed_member_makes_the_inventory_ensure_every_hpa_at_once_and_again_shortly_after()
    {
        var inputs = new FakeInputs();
        inputs.Put(HpaFixtures.CpuHpa("web"));
        inputs.Put(HpaFixtures.CpuHpa("api"));
        var region = CreateTestProbe();
        // A keep-alive of an hour: anything the region gets after the first round comes from the membership change.
        var context = new HpaControllerContext(new HpaControllerOptions { KeepAliveInterval = TimeSpan.FromHours(1) },
            inputs, new FakeMetrics(), new FakeWriter(inputs), new FakeTimeProvider(HpaFixtures.Now));
        var inventory = Sys.ActorOf(HpaInventory.Props(region, context));
        ExpectEnsured(region, Wait, "default/web", "default/api");
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var dead = RemovedMember(new UniqueAddress(new Address("akka.tcp", "actorscaler", "127.0.0.1", 4053), 1));
        inventory.Tell(new ClusterEvent.MemberRemoved(dead, MemberStatus.Down));

        ExpectEnsured(region, Wait, "default/web", "default/api");
        // The repeats (1 s and 3 s later) for regions that still routed to the dead member; generous
        // windows, since a loaded CI machine delays wall-clock timers (what counts is that both come).
        ExpectEnsured(region, TimeSpan.FromSeconds(5), "default/web", "default/api");
        ExpectEnsured(region, TimeSpan.FromSeconds(5), "default/web", "default/api");
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void A_local_shard_running_fewer_entities_than_its_hpas_gets_them_ensured()
    {
        var inputs = new FakeInputs();
        var keys = Enumerable.Range(0, 40).Select(i => $"app-{i}").ToList();
        foreach (var name in keys)
            inputs.Put(HpaFixtures.CpuHpa(name));
        var region = CreateTestProbe();
        var context = new HpaControllerContext(new HpaControllerOptions { KeepAliveInterval = TimeSpan.FromHours(1) },
            inputs, new FakeMetrics(), new FakeWriter(inputs), new FakeTimeProvider(HpaFixtures.Now));
        var inventory = Sys.ActorOf(HpaInventory.Props(region, context));
        region.ReceiveN(keys.Count, Wait);

        // This member hosts two shards: one runs all its entities, the other (just taken over in a
        // rebalance) none. Only the second's HPAs are ensured again.
        var extractor = new HpaMessageExtractor();
        var byShard = keys.Select(k => $"default/{k}").GroupBy(k => extractor.ShardId(k)).OrderByDescending(g => g.Count()).ToList();
        var (full, empty) = (byShard[0], byShard[1]);
        inventory.Tell(new Akka.Cluster.Sharding.ShardRegionStats(
            System.Collections.Immutable.ImmutableDictionary<string, int>.Empty.Add(full.Key, full.Count()).Add(empty.Key, 0),
            System.Collections.Immutable.ImmutableHashSet<string>.Empty));
        ExpectEnsured(region, Wait, [.. empty]);
        region.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    /// <summary>Akka builds Member values internally only (a member comes from gossip); the test needs one
    /// to tell the inventory what the cluster would.</summary>
    private static Member RemovedMember(UniqueAddress address)
    {
        var create = typeof(Member).GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
            .Single(m => m.Name == "Create" && m.GetParameters().Length == 5);
        return (Member)create.Invoke(null, [address, 1, MemberStatus.Removed, System.Collections.Immutable.ImmutableHashSet.Create(ActorScaler.Actors.Cluster.ClusterMembership.Role), Akka.Util.AppVersion.Zero])!;
    }
}
