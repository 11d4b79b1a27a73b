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
}
