using ActorScaler.Actors.Cluster;
using Akka.Actor;
using Akka.Cluster;

namespace ActorScaler.Actors.Tests.Cluster;

/// <summary>
/// A true partition of three members on loopback (Akka's throttler drops the cut-off member's traffic
/// both ways) with the shipped timings: the cut-off member's write fence closes before the majority downs
/// it, the majority's fences stay open, and the cut-off member downs itself (exit code 3).
/// </summary>
public sealed class PartitionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_cut_off_member_is_fenced_before_the_majority_downs_it_and_then_downs_itself()
    {
        var ports = HostedMember.FreePorts(3);
        var seeds = ports.Select(p => $"127.0.0.1:{p}").ToList();
        var fences = ports.Select(_ => new WriteFence(TimeProvider.System)).ToList();
        var members = new List<HostedMember>();
        try
        {
            for (var i = 0; i < 3; i++)
                members.Add(await HostedMember.StartAsync(new ClusterMembership { Port = ports[i], SeedNodes = seeds, MinimumMembers = 2, Partitionable = true }, writeFence: fences[i]));
            Assert.Equal(ClusterMembership.ThrottledProtocol, members[0].Cluster.SelfAddress.Protocol);
            await WaitUntilAsync(() => members.All(m => m.Cluster.State.Members.Count(x => x.Status == MemberStatus.Up) == 3), "three members are Up");
            await WaitUntilAsync(() => fences.All(f => f.TryAllow(out _)), "every member may write");

            var victim = members[2];
            var cutOff = await PartitionHook.CutOffAsync(victim.System);
            Assert.Equal(2, cutOff.Count);
            var cutAt = DateTime.UtcNow;

            // The cut-off member refuses writes within the TTL (3 s) plus a ping interval...
            await WaitUntilAsync(() => !fences[2].TryAllow(out _), "the cut-off member is fenced");
            var fencedAfter = DateTime.UtcNow - cutAt;
            Assert.True(fencedAfter < TimeSpan.FromSeconds(4.5), $"fenced only {fencedAfter.TotalSeconds:0.0} s after the cut");
            Assert.True(fences[2].TryAllow(out var reason) is false && reason.StartsWith("write fenced: ", StringComparison.Ordinal), reason);
            // ... while the majority has not downed it yet (it needs > 3 s pause + 2 s stable-after) and keeps writing.
            Assert.DoesNotContain(members[0].Cluster.State.Members, m => m.Address == victim.Cluster.SelfAddress && m.Status is MemberStatus.Down or MemberStatus.Removed);
            Assert.True(fences[0].TryAllow(out reason), reason);
            Assert.True(fences[1].TryAllow(out reason), reason);

            // The majority downs and removes it; it downs itself and asks its host to stop (exit code 3).
            await WaitUntilAsync(() => members[0].Cluster.State.Members.All(m => m.Address != victim.Cluster.SelfAddress), "the majority removed the cut-off member");
            await victim.StopRequested.WaitAsync(Patience);
            Assert.Equal(3, CoordinatedShutdown.Get(victim.System).ShutdownReason?.ExitCode);
            Assert.False(fences[2].TryAllow(out _));
            // The two left are a majority of the two members they now count.
            await WaitUntilAsync(() => fences[0].TryAllow(out _) && fences[1].TryAllow(out _), "the majority may still write");
            Assert.False(members[0].StopRequested.IsCompleted || members[1].StopRequested.IsCompleted);
        }
        finally
        {
            foreach (var member in members)
                await member.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_member_whose_peers_died_stays_fenced_though_its_dead_letters_answer_its_pings()
    {
        // The two others crash (no leave). Their addresses get gated, and a message to a gated address
        // goes to the survivor's own dead letters, which answer Identify with ActorIdentity(null): that
        // must not count as contact.
        var ports = HostedMember.FreePorts(3);
        var seeds = ports.Select(p => $"127.0.0.1:{p}").ToList();
        var fence = new WriteFence(TimeProvider.System);
        var members = new List<HostedMember>();
        try
        {
            members.Add(await HostedMember.StartAsync(new ClusterMembership { Port = ports[0], SeedNodes = seeds, MinimumMembers = 2 }, writeFence: fence));
            for (var i = 1; i < 3; i++)
                members.Add(await HostedMember.StartAsync(new ClusterMembership { Port = ports[i], SeedNodes = seeds, MinimumMembers = 2 }, writeFence: new WriteFence(TimeProvider.System)));
            await WaitUntilAsync(() => members[0].Cluster.State.Members.Count(x => x.Status == MemberStatus.Up) == 3, "three members are Up");
            await WaitUntilAsync(() => fence.TryAllow(out _), "the first member may write");

            var crashedAt = DateTime.UtcNow;
            foreach (var crashed in members.Skip(1))
                ((ExtendedActorSystem)crashed.System).Abort();
            await WaitUntilAsync(() => !fence.TryAllow(out _), "the survivor is fenced");
            Assert.True(DateTime.UtcNow - crashedAt < TimeSpan.FromSeconds(4.5), $"fenced only {(DateTime.UtcNow - crashedAt).TotalSeconds:0.0} s after the crash");
            // Until the resolver downs it (it is alone: a minority), it must stay fenced.
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
            while (DateTime.UtcNow < until && members[0].Cluster.SelfMember.Status == MemberStatus.Up)
            {
                Assert.False(fence.TryAllow(out var reason), "the survivor's fence opened again without any live member");
                Assert.StartsWith("write fenced: no contact with a majority of the 3 members", reason, StringComparison.Ordinal);
                await Task.Delay(50);
            }
        }
        finally
        {
            await members[0].DisposeAsync();
        }
    }
}
