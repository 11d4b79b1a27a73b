using ActorScaler.Bench;
using Xunit;
using Xunit.Abstractions;

namespace ActorScaler.Cli.Tests.Bench;

/// <summary>1 simulator + 2 members as real OS processes: ready, measured, killed, restarted, terminated, cleaned up.</summary>
[Collection(ProcessTestsCollection.Name)]
public sealed class ProcessClusterSmokeTests(ITestOutputHelper output) : IDisposable
{
    // Unix exit status of a process ended by SIGKILL (128 + 9), as .NET reports it.
    private const int KilledBySigkill = 137;

    private readonly string _dir = Directory.CreateTempSubdirectory("actorscaler-launcher-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Simulator_and_two_members_start_as_processes_and_leave_no_orphans()
    {
        int[] pids;
        await using (var cluster = await ProcessCluster.StartAsync(new ProcessClusterOptions
        {
            Members = 2,
            Simulator = new SimulatorProcessOptions { Nodes = 2 },
            OutDirectory = _dir,
        }))
        {
            pids = [cluster.Simulator.Process.Pid, .. cluster.Members.Select(m => m.Process.Pid)];
            Assert.Equal(3, pids.Distinct().Count());
            Assert.All(pids, pid => Assert.True(Directory.Exists($"/proc/{pid}"), $"pid {pid} is not running"));
            Assert.True(File.Exists(cluster.Simulator.KubeconfigPath));
            Assert.Contains(cluster.Simulator.ApiBaseUrl.ToString().TrimEnd('/'), await File.ReadAllTextAsync(cluster.Simulator.KubeconfigPath));

            using (var http = cluster.Simulator.CreateHttpClient())
            {
                var nodes = await http.GetStringAsync(new Uri("/api/v1/nodes", UriKind.Relative));
                Assert.Contains("\"kind\":\"NodeList\"", nodes);
            }
            foreach (var member in cluster.Members)
            {
                var usage = member.Process.Sample();
                Assert.NotNull(usage);
                Assert.True(usage.CpuTime > TimeSpan.Zero);
                Assert.True(usage.PeakResidentBytes > 20 * 1024 * 1024, $"{member.Process}: peak RSS {usage.PeakResidentBytes}");
                Assert.True(new FileInfo(member.Process.LogPath).Length > 0, $"{member.Process.LogPath} is empty");
            }

            // A crash: SIGKILL, then the same member comes back at the same ports.
            var victim = cluster.Members[1];
            var cpuBefore = victim.Process.Sample()!.CpuTime;
            await victim.Process.KillAsync();
            Assert.Equal(KilledBySigkill, victim.Process.ExitCode);
            Assert.False(Directory.Exists($"/proc/{pids[2]}"));
            await victim.Process.RestartAsync(TimeSpan.FromSeconds(10));
            Assert.NotEqual(pids[2], victim.Process.Pid);
            Assert.Equal(2, victim.Process.Starts);
            // Live, not ready: whether a 2-member cluster takes the new incarnation back is the split-brain
            // resolver's call (keep-majority on a tie), not the launcher's.
            await victim.WaitLiveAsync(TimeSpan.FromSeconds(90));
            Assert.True(victim.Process.Sample()!.CpuTime > cpuBefore, "CPU time of a restarted process includes its earlier run");
            pids = [.. pids, victim.Process.Pid];

            // A graceful stop: SIGTERM makes the host leave the cluster and exit by itself.
            var code = await cluster.Members[0].Process.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.NotEqual(KilledBySigkill, code);
            output.WriteLine($"member-0 exit code after SIGTERM: {code}");
            Assert.Contains("start #2", await File.ReadAllTextAsync(victim.Process.LogPath));
        }
        foreach (var pid in pids)
            Assert.False(Directory.Exists($"/proc/{pid}"), $"pid {pid} outlived the cluster's disposal");
    }
}
