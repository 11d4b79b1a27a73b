using System.Net;
using ActorScaler.Actors.Cluster;
using ActorScaler.Bench;
using ActorScaler.Hosting;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorScaler.Deploy.Tests;

/// <summary>
/// How a member's host ends, as `actorscaler run` sees it after RunAsync returns: a requested stop is a
/// graceful leave (exit 0), a member the cluster downed ends by itself with Akka's exit code 3.
/// </summary>
public sealed class MemberHostShutdownTests
{
    private static MemberHost Member(int port, int seedPort) =>
        MemberHost.Build(new RunOptions
        {
            ListenAddress = new IPEndPoint(IPAddress.Loopback, 0),
            ListenInsecureHttp = true,
            Membership = new ClusterMembership { Port = port, SeedNodes = [$"127.0.0.1:{seedPort}"] },
        }, features: [], logging: b => b.SetMinimumLevel(LogLevel.None));

    private static async Task WaitUpAsync(MemberHost host, int members)
    {
        var cluster = Akka.Cluster.Cluster.Get(host.Services.GetRequiredService<ActorSystem>());
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        while (cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) < members)
        {
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"{members} members were not Up within 30 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_downed_member_ends_its_run_by_itself_with_exit_code_3_and_a_stopped_one_with_no_cluster_reason()
    {
        var ports = LoopbackPorts.Free(2);
        await using var survivor = Member(ports[0], ports[0]);
        await using var victim = Member(ports[1], ports[0]);
        var survivorRun = survivor.RunAsync();
        var victimRun = victim.RunAsync();
        await WaitUpAsync(survivor, 2);

        var victimAddress = Akka.Cluster.Cluster.Get(victim.Services.GetRequiredService<ActorSystem>()).SelfAddress;
        Akka.Cluster.Cluster.Get(survivor.Services.GetRequiredService<ActorSystem>()).Down(victimAddress);

        // RunAsync returns without anyone stopping the host: the actor system ended and stopped it.
        await victimRun.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(victim.EndedByCluster);
        Assert.Equal(3, victim.ShutdownReason!.ExitCode);

        await survivor.StopAsync();
        await survivorRun.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(survivor.EndedByCluster);
        Assert.IsType<CoordinatedShutdown.ClrExitReason>(survivor.ShutdownReason);
        Assert.Equal(0, survivor.ShutdownReason!.ExitCode);
    }
}
