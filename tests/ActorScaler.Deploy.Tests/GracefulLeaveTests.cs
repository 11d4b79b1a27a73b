using System.Diagnostics;
using ActorScaler.Bench;

namespace ActorScaler.Deploy.Tests;

/// <summary>
/// SIGTERM, as the kubelet stops a pod in a rolling update, to a real `actorscaler run` process: it hands
/// its shards off, leaves the cluster (Leaving, Exiting, Removed) and exits 0 well inside the grace
/// period; the other member sees it leave, never unreachable and never downed.
/// </summary>
public sealed class GracefulLeaveTests
{
    /// <summary>The bound we promise: a healthy leave takes ~3 s; 10 s leaves room for a loaded CI box.</summary>
    private static readonly TimeSpan LeaveBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_member_given_SIGTERM_leaves_the_cluster_and_exits_0_within_the_bound()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actorscaler-leave-{Guid.NewGuid():N}");
        await using var cluster = await ProcessCluster.StartAsync(new ProcessClusterOptions
        {
            Members = 2,
            OutDirectory = directory,
            Simulator = new SimulatorProcessOptions { Nodes = 2 },
            Member = new MemberProcessOptions { SyncPeriod = TimeSpan.FromSeconds(2), MetricResolution = TimeSpan.FromSeconds(2) },
        });
        // The leader is the member with the lowest address; stop the other one, so the survivor is the
        // one that moves it to Exiting and removes it, and logs both.
        var leaving = cluster.Members.MaxBy(m => m.ClusterPort)!;
        var survivor = cluster.Members.MinBy(m => m.ClusterPort)!;
        var address = $"akka.tcp://actorscaler@{leaving.ClusterAddress}";

        var clock = Stopwatch.StartNew();
        var exitCode = await leaving.Process.TerminateAsync(grace: TimeSpan.FromSeconds(30));
        var took = clock.Elapsed;

        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM; its output:\n{leaving.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
        Assert.True(took < LeaveBound, $"SIGTERM to exit took {took.TotalSeconds:0.0} s (bound {LeaveBound.TotalSeconds} s)");

        var log = await WaitForLineAsync(survivor, $"removing confirmed Exiting node [{address}]", TimeSpan.FromSeconds(10));
        // From the moment the leader moved it to Up: startup's remoting warnings (the first seed dialling
        // a member that was not listening yet) are not what this test is about.
        var about = log.Where(l => l.Contains(address, StringComparison.Ordinal)).ToList();
        var up = about.FindLastIndex(l => l.Contains("to [Up]", StringComparison.Ordinal));
        Assert.True(up >= 0, "the survivor never logged the member moving to Up");
        var afterUp = about.Skip(up + 1).ToList();
        Assert.Contains(afterUp, l => l.Contains("to [Exiting]", StringComparison.Ordinal));
        // Akka's failure detector logs "Marking node(s) as UNREACHABLE"; the resolver logs its downing decision.
        Assert.DoesNotContain(afterUp, l => l.Contains("UNREACHABLE", StringComparison.Ordinal));
        Assert.DoesNotContain(afterUp, l => l.Contains("Down", StringComparison.Ordinal));
        Assert.True(survivor.Process.IsRunning, "the survivor stopped too");
        await survivor.WaitReadyAsync(TimeSpan.FromSeconds(10));
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A log file still held open by a process being killed; the temp folder is swept anyway.
        }
    }

    private static async Task<IReadOnlyList<string>> WaitForLineAsync(MemberProcess member, string text, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var lines = await ReadLogAsync(member.Process.LogPath);
            if (lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                return lines;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"member {member.Index} never logged \"{text}\"; its output:\n{member.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
            await Task.Delay(200);
        }
    }

    private static async Task<IReadOnlyList<string>> ReadLogAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return (await reader.ReadToEndAsync()).Split('\n');
    }
}
