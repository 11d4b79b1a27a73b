using System.Diagnostics;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace ActorScaler.Cli.Tests.Bench;

/// <summary>
/// A tiny `actorscaler bench` (50 HPAs, 20 nodes, 2 members, 2 s periods, a 16 s window) through the
/// command line: the report files are written and sane. It checks behaviour, not the targets.
/// </summary>
[Collection(ProcessTestsCollection.Name)]
public sealed class BenchSmokeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorscaler-bench-").FullName;

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
    public async Task A_small_bench_writes_a_sane_report()
    {
        var clock = Stopwatch.StartNew();
        var code = await Task.Run(() => Program.Main(["bench", "--hpas", "50", "--nodes", "20", "--pods", "100", "--members", "2",
            "--duration", "16s", "--sync-period", "2s", "--metric-resolution", "2s", "--out", _dir]));
        output.WriteLine($"bench took {clock.Elapsed.TotalSeconds:0.0}s");
        if (File.Exists(Path.Combine(_dir, "report.md")))
            output.WriteLine(await File.ReadAllTextAsync(Path.Combine(_dir, "report.md")));
        Assert.Equal(0, code);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "report.json")));
        var r = json.RootElement;
        Assert.Equal(50, r.GetProperty("hpas").GetInt32());
        Assert.Equal(2, r.GetProperty("probeHpas").GetInt32());
        var scalers = r.GetProperty("scalerHpas").GetInt32();
        Assert.Equal(5, scalers);
        // Every scaler scaled up after its load step; no steady HPA moved.
        Assert.Equal(scalers, r.GetProperty("scalersScaledUp").GetInt32());
        Assert.Equal(0, r.GetProperty("steadyHpasThatScaled").GetInt32());
        Assert.Equal(50, r.GetProperty("hpasReconciledBeforeWindow").GetInt32());
        Assert.Equal(50, r.GetProperty("hpasReconciledByEnd").GetInt32());

        var period = r.GetProperty("effectiveSyncPeriod");
        Assert.True(period.GetProperty("samples").GetInt32() >= 4, $"pass gaps: {period}");
        Assert.InRange(period.GetProperty("p50").GetDouble(), 0.1, 10);
        var latency = r.GetProperty("decisionLatency");
        Assert.True(latency.GetProperty("samples").GetInt32() >= 1, $"decision latency: {latency}");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 0, 10);
        Assert.InRange(r.GetProperty("loadToScaleWrite").GetProperty("p50").GetDouble(), 0, 10);
        Assert.True(r.GetProperty("reconcilesPerSecond").GetDouble() > 0);
        Assert.True(r.GetProperty("apiRequestsPerHpaPerMinute").GetDouble() >= 0);

        var members = r.GetProperty("memberFigures").EnumerateArray().ToList();
        Assert.Equal(2, members.Count);
        Assert.All(members, m =>
        {
            Assert.True(m.GetProperty("cpuSecondsWindow").GetDouble() > 0);
            Assert.True(m.GetProperty("peakRssMiB").GetDouble() > 20);
            Assert.True(m.GetProperty("milliCpuBaseline").GetDouble() > 0);
        });
        Assert.True(r.GetProperty("memoryPerNodeMiB").GetDouble() > 0);
        Assert.True(r.GetProperty("milliCpuPerNode").GetDouble() > 0);
        // One scrape per node per resolution (the sharded scraper), give or take a window edge.
        Assert.InRange(r.GetProperty("kubeletRequestsPerNodePerInterval").GetDouble(), 0.5, 1.5);
        Assert.Equal(6, r.GetProperty("targets").GetArrayLength());

        var markdown = await File.ReadAllTextAsync(Path.Combine(_dir, "report.md"));
        Assert.Contains("| effective sync period p99 | <= 16 s |", markdown);
        Assert.True(File.Exists(Path.Combine(_dir, "member-1.log")));
        Assert.True(File.Exists(Path.Combine(_dir, "simulator.log")));
    }
}
