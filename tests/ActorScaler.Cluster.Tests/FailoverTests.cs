using System.Globalization;
using System.Runtime.InteropServices;
using ActorScaler.Bench;
using ActorScaler.Simulator.Api;
using Xunit.Abstractions;
using static ActorScaler.Cluster.Tests.FailoverCluster;

namespace ActorScaler.Cluster.Tests;

/// <summary>
/// Issue 7 parts 8 and 9 with real processes. Every scenario changes the load on the HPAs after (or
/// while) members fail, and judges the cluster by what the simulator saw: the audit's /scale and status
/// writes (time, writer, replicas) and the kubelets' request times. Figures (seconds) are written to the
/// test output and, when ACTORSCALER_FAILOVER_FIGURES names a file, appended to it.
/// </summary>
[Collection(FailoverCollection.Name)]
public sealed class FailoverTests(FailoverCluster fixture, ITestOutputHelper output)
{
    /// <summary>
    /// The longest an HPA may take to act on new load after its member was killed: the issue's target is
    /// 10 s, met at p50; CI on a shared 2-core machine asserts this looser bound as a regression guard
    /// (override with ACTORSCALER_FAILOVER_BOUND_SECONDS) and the measured figures are reported against
    /// the target. 40 s: the slowest HPA of a chaos kill that lands during a rebalance took 36 s here
    /// (docs/benchmarks.md), and CI runs about 15 % slower than a quiet machine.
    /// </summary>
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(
        double.Parse(Environment.GetEnvironmentVariable("ACTORSCALER_FAILOVER_BOUND_SECONDS") ?? "40", CultureInfo.InvariantCulture));

    /// <summary>How long a freshly changed load takes to show in a rate, with nothing failing: one
    /// resolution to be scraped, one more for the rate's window to hold only the new load, plus the
    /// simulator's and the HTTP round trips.</summary>
    private static readonly TimeSpan MetricsLag = 2 * Resolution + TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private void Figure(string name, string text)
    {
        var line = $"{DateTimeOffset.UtcNow:O} {name}: {text}";
        output.WriteLine(line);
        if (Environment.GetEnvironmentVariable("ACTORSCALER_FAILOVER_FIGURES") is { Length: > 0 } file)
            File.AppendAllText(file, line + Environment.NewLine);
    }

    /// <summary>No two writers on any target in the scenario's writes (from <paramref name="since"/>).</summary>
    private async Task AssertOneWriterPerTargetAsync(DateTimeOffset since)
    {
        var writes = (await fixture.Client.WritesAsync(ApiAudit.ScaleKind, default))
            .Concat(await fixture.Client.WritesAsync(ApiAudit.HpaStatusKind, default))
            .Where(w => w.Time >= since)
            .ToList();
        var overlapping = WriterAudit.OverlappingWriters(writes, fixture.Writer, fixture.Ended);
        Assert.True(overlapping.Count == 0, $"{overlapping.Count} scale targets had two writers in overlapping windows:\n{string.Join('\n', overlapping.Take(20))}");
    }

    private static int Replicas(bool high) => high ? HighReplicas : LowReplicas;

    [Fact]
    public async Task Kill_9_of_a_member_every_HPA_acts_on_new_load_and_every_node_is_scraped_again()
    {
        // The load goes up after the kill: a scale-up acts at once (no stabilization window), so the
        // figure is the failover and the metrics lag, not the HPAs' 6 s scale-down window.
        await fixture.ResetAsync(high: false);
        var scenarioStart = DateTimeOffset.UtcNow;
        var victim = fixture.Cluster.Members[1];
        const bool high = true;

        var killedAt = DateTimeOffset.UtcNow;
        fixture.ExpectRunning(victim, false);
        await fixture.KillAsync(victim);
        await fixture.SetLoadAsync(fixture.Apps, high);
        var loadSetAt = DateTimeOffset.UtcNow;

        // Every HPA (none lost) acts on the new load: the ones of the dead member after they moved.
        var acted = await fixture.WaitActedAsync(fixture.Apps, killedAt, Replicas(high), Patience);
        var doneAt = DateTimeOffset.UtcNow;
        var sinceKill = WriterAudit.SecondsSince(acted.Values, killedAt);
        Figure("kill -9: HPA acted on the new load, seconds after the kill", WriterAudit.Summary(sinceKill)
            + string.Create(CultureInfo.InvariantCulture, $" (load patched on {Hpas} workloads {(loadSetAt - killedAt).TotalSeconds:0.0} s after the kill)"));

        // Every node scraped again: per node, the first kubelet request after the kill, and the longest
        // gap between two requests around it.
        var kubelets = await fixture.Client.KubeletRequestsAsync(killedAt - 2 * Resolution, default);
        Assert.Equal(Nodes, kubelets.Count);
        var firstAfterKill = new List<double>();
        var gaps = new List<double>();
        foreach (var node in kubelets)
        {
            var times = node.Times.Where(t => t <= doneAt).Order().ToList();
            var first = times.FirstOrDefault(t => t >= killedAt);
            Assert.True(first != default, $"node {node.Node} was not scraped after the kill");
            firstAfterKill.Add((first - killedAt).TotalSeconds);
            gaps.Add(times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).DefaultIfEmpty(0).Max());
        }
        Figure("kill -9: first kubelet scrape of each node after the kill, seconds", WriterAudit.Summary(firstAfterKill));
        Figure("kill -9: longest gap between two scrapes of a node, seconds", WriterAudit.Summary(gaps));

        await AssertOneWriterPerTargetAsync(scenarioStart);
        Assert.True(sinceKill.Max() <= FailoverBound.TotalSeconds,
            $"the slowest HPA acted {sinceKill.Max():0.0} s after the kill; bound {FailoverBound.TotalSeconds:0} s (target 10 s)");
        Assert.True(firstAfterKill.Max() <= FailoverBound.TotalSeconds, $"a node was first scraped {firstAfterKill.Max():0.0} s after the kill");

        await fixture.StartAgainAsync(victim, Patience);
        fixture.ExpectRunning(victim, true);
    }

    [Fact]
    public async Task Rolling_restart_of_every_member_keeps_every_HPA_acting_on_load_changes()
    {
        await fixture.ResetAsync();
        var scenarioStart = DateTimeOffset.UtcNow;
        // What is asserted: every load change (made right after a member left, and again right after it
        // came back and shards moved to it) is acted on by every HPA within one sync period plus the
        // metrics lag plus the failover bound; the hand-offs are graceful, so the measured figure is far
        // below that.
        var bound = SyncPeriod + MetricsLag + FailoverBound;
        var latencies = new List<double>();
        foreach (var member in fixture.Cluster.Members)
        {
            fixture.ExpectRunning(member, false);
            var exitCode = await member.Process.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(exitCode == 0, $"member {member.Index} exited with {exitCode} after SIGTERM; its output:\n{member.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
            // As a StatefulSet's rolling update: the pod is recreated as soon as it has gone, and the
            // next one goes only once it is ready. A load change while it is away and starting; the
            // shards that rebalance to it when it is back are measured by the next step's change (and,
            // after the last member, by one more).
            var restarted = fixture.StartAgainAsync(member, Patience);
            latencies.AddRange(await ChangeLoadAndMeasureAsync(fixture.Apps));
            await restarted;
            fixture.ExpectRunning(member, true);
        }
        latencies.AddRange(await ChangeLoadAndMeasureAsync(fixture.Apps));
        Figure("rolling restart: HPA acted on a load change, seconds after the change", WriterAudit.Summary(latencies));
        await AssertOneWriterPerTargetAsync(scenarioStart);
        Assert.True(latencies.Max() <= bound.TotalSeconds, $"an HPA took {latencies.Max():0.0} s to act during the rolling restart; bound {bound.TotalSeconds:0} s");
    }

    /// <summary>Toggles the load of the apps and returns each one's seconds until it acted.</summary>
    private async Task<List<double>> ChangeLoadAndMeasureAsync(IReadOnlyList<FailoverApp> apps, bool? level = null)
    {
        var high = level ?? !fixture.High;
        var changedAt = DateTimeOffset.UtcNow;
        await fixture.SetLoadAsync(apps, high);
        var acted = await fixture.WaitActedAsync(apps, changedAt, Replicas(high), Patience);
        return WriterAudit.SecondsSince(acted.Values, changedAt);
    }

    [Fact]
    public async Task A_member_cut_off_from_the_others_downs_itself_while_the_majority_carries_on()
    {
        await fixture.ResetAsync();
        var scenarioStart = DateTimeOffset.UtcNow;
        // A true partition: the member's traffic to and from the others is dropped both ways by Akka's
        // throttler (the test-only POST /debug/partition); the member keeps running and can reach the API
        // server, so only its write fence keeps it from writing once the majority has moved its HPAs.
        var victim = fixture.Cluster.Members[2];
        fixture.ExpectRunning(victim, false);
        var cutAt = DateTimeOffset.UtcNow;
        await CutOffAsync(victim);
        // When it exits, noted as it happens (the load change below is measured meanwhile).
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var exitedAt = victim.Process.WaitForExitAsync(exit.Token).ContinueWith(_ => DateTimeOffset.UtcNow, TaskScheduler.Default);

        // The majority carries on: every HPA acts on a load change made right after the cut.
        var latencies = await ChangeLoadAndMeasureAsync(fixture.Apps);
        Figure("partition: HPA acted on new load after a member was cut off, seconds after the change", WriterAudit.Summary(latencies));

        // The cut-off member is on the minority side: the split brain resolver downs it and `run` exits 3.
        var exited = await exitedAt;
        Assert.False(exit.IsCancellationRequested, "the cut-off member did not exit within 90 s of the cut");
        Figure("partition: the cut-off member exited, seconds after the cut",
            string.Create(CultureInfo.InvariantCulture, $"{(exited - cutAt).TotalSeconds:0.0} (exit code {victim.Process.ExitCode})"));
        Assert.True(victim.Process.ExitCode == 3, $"the cut-off member exited with {victim.Process.ExitCode}, not 3 (downed); its output:\n{victim.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
        Assert.True(latencies.Max() <= (MetricsLag + SyncPeriod + FailoverBound).TotalSeconds,
            $"an HPA took {latencies.Max():0.0} s to act while a member was cut off; bound {(MetricsLag + SyncPeriod + FailoverBound).TotalSeconds:0} s");

        // The majority keeps reconciling every HPA after it is gone, and it rejoins when restarted.
        var after = await ChangeLoadAndMeasureAsync(fixture.Apps);
        Assert.True(after.Max() <= (MetricsLag + SyncPeriod).TotalSeconds + 5, $"an HPA took {after.Max():0.0} s to act after the partition was resolved");
        await fixture.StartAgainAsync(victim, Patience);
        fixture.ExpectRunning(victim, true);
        await AssertOneWriterPerTargetAsync(scenarioStart);
    }

    [Fact]
    public async Task A_paused_member_writes_nothing_after_it_resumes_and_downs_itself()
    {
        await fixture.ResetAsync();
        var scenarioStart = DateTimeOffset.UtcNow;
        // SIGSTOP: the member neither sends nor answers, and its clock runs on. The majority downs it and
        // moves its HPAs; when it resumes (SIGCONT) it still believes it owns them until it learns it was
        // removed. Its write fence (no majority contact for longer than the TTL) must refuse every write
        // from the moment it resumes.
        var victim = fixture.Cluster.Members[2];
        fixture.ExpectRunning(victim, false);
        Assert.Equal(0, Signal(victim.Process.Pid, SigStop));
        DateTimeOffset resumedAt;
        try
        {
            var latencies = await ChangeLoadAndMeasureAsync(fixture.Apps);
            Figure("paused member: HPA acted on new load while a member was stopped, seconds after the change", WriterAudit.Summary(latencies));
            Assert.True(latencies.Max() <= (MetricsLag + SyncPeriod + FailoverBound).TotalSeconds);
        }
        finally
        {
            resumedAt = DateTimeOffset.UtcNow;
            Assert.Equal(0, Signal(victim.Process.Pid, SigCont));
        }
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await victim.Process.WaitForExitAsync(exit.Token);
        Figure("paused member: exited, seconds after SIGCONT",
            string.Create(CultureInfo.InvariantCulture, $"{(DateTimeOffset.UtcNow - resumedAt).TotalSeconds:0.0} (exit code {victim.Process.ExitCode})"));
        Assert.True(victim.Process.ExitCode == 3, $"the paused member exited with {victim.Process.ExitCode}, not 3 (downed)");

        var writes = (await fixture.Client.WritesAsync(ApiAudit.ScaleKind, default))
            .Concat(await fixture.Client.WritesAsync(ApiAudit.HpaStatusKind, default))
            .Where(w => w.Code == 200 && w.Time >= resumedAt && fixture.Cluster.MemberAt(w.UserAgent) == victim)
            .ToList();
        Assert.True(writes.Count == 0, $"the paused member wrote {writes.Count} times after SIGCONT, e.g. {string.Join(", ", writes.Take(5).Select(w => $"{w.Key} at {w.Time:HH:mm:ss.fff}"))}");

        await fixture.StartAgainAsync(victim, Patience);
        fixture.ExpectRunning(victim, true);
        await AssertOneWriterPerTargetAsync(scenarioStart);
    }

    [Fact]
    public async Task Chaos_random_kills_while_500_HPAs_scale_keep_replicas_in_bounds_one_writer_and_fresh_metrics()
    {
        await fixture.ResetAsync();
        var scenarioStart = DateTimeOffset.UtcNow;
        var kills = int.Parse(Environment.GetEnvironmentVariable("ACTORSCALER_CHAOS_KILLS") ?? "10", CultureInfo.InvariantCulture);
        Assert.True(kills >= 3, "ACTORSCALER_CHAOS_KILLS: at least 3");
        var seed = int.Parse(Environment.GetEnvironmentVariable("ACTORSCALER_CHAOS_SEED") ?? "7", CultureInfo.InvariantCulture);
        var random = new Random(seed);
        var apps = fixture.Apps.Take(Hpas / 2).ToList(); // 500 of the 1,000
        var keys = apps.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        var start = DateTimeOffset.UtcNow;
        // The load timeline of the chaos apps: (time the change started, time it was applied everywhere, level).
        var levels = new List<(DateTimeOffset From, DateTimeOffset To, bool High)>();
        var high = fixture.High;
        levels.Add((start, start, high));

        // Continuous check: the Deployments' replicas stay within [min, max] (polled while the chaos runs).
        using var stop = new CancellationTokenSource();
        var outOfBounds = new List<string>();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var (key, replicas) in await fixture.DeploymentReplicasAsync(stop.Token))
                {
                    if (keys.Contains(key) && replicas is < LowReplicas or > MaxReplicas)
                        outOfBounds.Add($"{DateTimeOffset.UtcNow:O} {key} at {replicas}");
                }
                await Task.Delay(2000, stop.Token).ConfigureAwait(false);
            }
        });

        var latencies = new List<double>();
        for (var k = 0; k < kills; k++)
        {
            var victim = fixture.Cluster.Members[random.Next(fixture.Cluster.Members.Count)];
            fixture.ExpectRunning(victim, false);
            var killedAt = DateTimeOffset.UtcNow;
            await fixture.KillAsync(victim);
            high = !high;
            await fixture.SetLoadAsync(apps, high);
            levels.Add((killedAt, DateTimeOffset.UtcNow, high));
            // The StatefulSet restarts a killed pod at once: so does the test, while the survivors take
            // over (the new incarnation, at the same address, replaces the old one in the cluster).
            var restarted = fixture.StartAgainAsync(victim, Patience);
            var acted = await fixture.WaitActedAsync(apps, killedAt, Replicas(high), Patience);
            latencies.AddRange(WriterAudit.SecondsSince(acted.Values, killedAt));
            await restarted;
            fixture.ExpectRunning(victim, true);
        }
        await stop.CancelAsync();
        try
        {
            await watcher;
        }
        catch (OperationCanceledException)
        {
        }
        // The other half of the apps kept the previous level; the next scenario's ResetAsync settles all.

        Figure($"chaos ({kills} kills, seed {seed}): HPA acted on new load, seconds after the kill", WriterAudit.Summary(latencies));
        Assert.True(outOfBounds.Count == 0, $"replicas out of [{LowReplicas}, {MaxReplicas}]:\n{string.Join('\n', outOfBounds.Take(20))}");
        await AssertOneWriterPerTargetAsync(scenarioStart);

        var scaleWrites = (await fixture.Client.WritesAsync(ApiAudit.ScaleKind, default)).Where(w => w.Code == 200 && w.Time >= start && keys.Contains(w.Key)).ToList();
        Assert.All(scaleWrites, w => Assert.InRange(w.ReplicasAfter ?? -1, LowReplicas, MaxReplicas));

        // No decision used metrics older than two resolutions: a rate is measured over the window before
        // its sample, so once a level has held for three resolutions (plus a second of scrape phase), every
        // metric two resolutions old already shows it, and a /scale write must not go toward the previous
        // level. Such a write would come from a sample of the previous level, older than two resolutions.
        var freshness = 3 * Resolution + TimeSpan.FromSeconds(1);
        var stale = new List<string>();
        foreach (var w in scaleWrites)
        {
            var current = levels.LastOrDefault(l => l.From <= w.Time);
            if (current == default || w.Time - current.To < freshness)
                continue;
            // Toward the previous level: below the high level's replicas while the load is high (an
            // overshoot settling from 4 to 3 is the new load's answer), or up at all while it is low.
            var wrongWay = current.High
                ? w.ReplicasAfter < w.ReplicasBefore && w.ReplicasAfter < HighReplicas
                : w.ReplicasAfter > w.ReplicasBefore;
            if (wrongWay)
                stale.Add($"{w.Key} scaled {w.ReplicasBefore} -> {w.ReplicasAfter} at {w.Time:HH:mm:ss.fff} by {w.UserAgent}, {(w.Time - current.To).TotalSeconds:0.0} s after the load went {(current.High ? "up" : "down")}");
        }
        Assert.True(stale.Count == 0, $"decisions on stale metrics:\n{string.Join('\n', stale.Take(20))}");
        // No HPA unreconciled longer than two sync periods plus the failover time (the bound) plus the metrics lag.
        var bound = 2 * SyncPeriod + MetricsLag + FailoverBound;
        Assert.True(latencies.Max() <= bound.TotalSeconds, $"an HPA took {latencies.Max():0.0} s to act after a kill; bound {bound.TotalSeconds:0} s");
    }

    private const int SigStop = 19;
    private const int SigCont = 18;

    // kill(2): .NET cannot send SIGSTOP/SIGCONT to another process.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Signal(int pid, int signal);
#pragma warning restore SYSLIB1054
}
