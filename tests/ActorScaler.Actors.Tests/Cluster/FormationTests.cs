using ActorScaler.Actors.Cluster;
using Akka.Actor;
using Akka.Cluster;

namespace ActorScaler.Actors.Tests.Cluster;

/// <summary>
/// Cluster formation and removal with real actor systems on loopback, configured as members are:
/// only the first seed forms a cluster, a stranded island shuts itself down, and a downed member's
/// actor system stops its host (which is what ends `actorscaler run`).
/// </summary>
public sealed class FormationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    private static bool AllUp(HostedMember member, int count) =>
        member.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == count;

    [Fact]
    public async Task A_non_first_seed_never_joins_itself_and_joins_once_the_first_seed_forms_the_cluster()
    {
        var ports = HostedMember.FreePorts(2);
        string[] seeds = [$"127.0.0.1:{ports[0]}", $"127.0.0.1:{ports[1]}"];
        await using var second = await HostedMember.StartAsync(new ClusterMembership { Port = ports[1], SeedNodes = seeds, MinimumMembers = 2 });

        // Longer than seed-node-timeout (5 s): a first seed would have formed a cluster of its own by now.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Empty(second.Cluster.State.Members);
        Assert.False(second.StopRequested.IsCompleted, "a member still asking the seeds must keep asking, not exit");

        await using var first = await HostedMember.StartAsync(new ClusterMembership { Port = ports[0], SeedNodes = seeds, MinimumMembers = 2 });
        await WaitUntilAsync(() => AllUp(first, 2) && AllUp(second, 2), "both members are Up in one cluster");
        Assert.Equal(first.Cluster.State.Leader, second.Cluster.State.Leader);
    }

    [Fact]
    public async Task Without_seeds_a_member_on_a_random_port_forms_its_own_cluster()
    {
        await using var member = await HostedMember.StartAsync(new ClusterMembership { Port = 0 });
        await WaitUntilAsync(() => AllUp(member, 1), "the member is Up on its own");
        Assert.NotEqual(0, member.Cluster.SelfAddress.Port);
    }

    [Fact]
    public async Task A_member_stranded_below_min_members_shuts_down_with_the_formation_reason()
    {
        var port = HostedMember.FreePorts(1)[0];
        // One seed, itself, and two members required: it joins itself and can never be Up (the island
        // a restarted ordinal 0 forms when it cannot reach the others).
        await using var island = await HostedMember.StartAsync(
            new ClusterMembership { Port = port, SeedNodes = [$"127.0.0.1:{port}"], MinimumMembers = 2 },
            extraHocon: "\nactorscaler.cluster.formation-timeout = 1s");
        await WaitUntilAsync(() => island.Cluster.State.Members.Count == 1, "the member joins itself");
        Assert.Equal(MemberStatus.Joining, island.Cluster.SelfMember.Status);

        await island.StopRequested.WaitAsync(Patience);
        Assert.IsType<FormationTimeoutReason>(CoordinatedShutdown.Get(island.System).ShutdownReason);
        Assert.Equal(5, FormationTimeoutReason.Instance.ExitCode);
        await island.System.WhenTerminated.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_downed_member_terminates_and_asks_its_host_to_stop_with_the_downing_reason()
    {
        var ports = HostedMember.FreePorts(2);
        string[] seeds = [$"127.0.0.1:{ports[0]}"];
        await using var survivor = await HostedMember.StartAsync(new ClusterMembership { Port = ports[0], SeedNodes = seeds });
        await using var victim = await HostedMember.StartAsync(new ClusterMembership { Port = ports[1], SeedNodes = seeds });
        await WaitUntilAsync(() => AllUp(survivor, 2), "both members are Up");

        survivor.Cluster.Down(victim.Cluster.SelfAddress);

        // run-coordinated-shutdown-when-down: the downed member's system ends and Akka.Hosting stops the
        // host, so `actorscaler run` returns (with exit code 3) and Kubernetes restarts the pod.
        await victim.StopRequested.WaitAsync(Patience);
        await victim.System.WhenTerminated.WaitAsync(Patience);
        var reason = CoordinatedShutdown.Get(victim.System).ShutdownReason;
        Assert.IsType<CoordinatedShutdown.ClusterDowningReason>(reason);
        Assert.Equal(3, reason!.ExitCode);
        Assert.False(survivor.StopRequested.IsCompleted);
    }
}
