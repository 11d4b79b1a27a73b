using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorScaler.Simulator.Api;

namespace ActorScaler.Bench;

/// <summary>
/// Runs the benchmark: the simulator (with the workloads applied at start) and the members as
/// processes; waits for every pod to run and every node to have metrics; measures the members while
/// they only scrape (the baseline); creates the HPAs through the API; once each has been reconciled,
/// measures a steady half-window, steps the scalers' load up and measures the second half.
/// </summary>
public sealed class BenchRunner(BenchOptions options, Action<string> log)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private const int ApiConcurrency = 8;

    public async Task<BenchMeasurements> RunAsync(CancellationToken cancellationToken)
    {
        var problems = options.Validate();
        if (problems.Count > 0)
            throw new InvalidOperationException("invalid bench options: " + string.Join("; ", problems));
        var outDirectory = Path.GetFullPath(options.OutDirectory);
        Directory.CreateDirectory(outDirectory);
        var workload = new BenchWorkload(options);
        var manifest = Path.Combine(outDirectory, "workload.json");
        await File.WriteAllTextAsync(manifest, workload.Manifest().ToJsonString(), cancellationToken).ConfigureAwait(false);
        var loadAtStart = LoadAverage();
        var startedAt = DateTimeOffset.UtcNow;
        var phases = new List<(string, TimeSpan)>();
        var clock = Stopwatch.StartNew();
        void Phase(string name)
        {
            phases.Add((name, clock.Elapsed));
            log($"{name}: {clock.Elapsed.TotalSeconds:0.0}s");
            clock.Restart();
        }

        log($"starting the simulator ({options.Nodes} nodes, {workload.Apps.Count} Deployments, {options.Pods} pods) and {options.Members} members; logs in {outDirectory}");
        await using var cluster = await ProcessCluster.StartAsync(new ProcessClusterOptions
        {
            Members = options.Members,
            OutDirectory = outDirectory,
            Simulator = new SimulatorProcessOptions { Nodes = options.Nodes, Manifests = [manifest] },
            Member = new MemberProcessOptions
            {
                SyncPeriod = options.SyncPeriod,
                MetricResolution = options.MetricResolution,
                ExtraArguments = options.MemberConfig is { } config ? ["--config", Path.GetFullPath(config)] : [],
            },
            SimulatorReadyTimeout = TimeSpan.FromMinutes(10),
            MembersReadyTimeout = TimeSpan.FromMinutes(10),
        }, cancellationToken).ConfigureAwait(false);
        Phase("simulator serving and members ready");

        using var client = new BenchClient(cluster.Simulator);
        await WaitAsync("every pod Running", TimeSpan.FromMinutes(30), async () =>
            await client.CountAsync("/api/v1/pods?fieldSelector=status.phase!%3DRunning", cancellationToken).ConfigureAwait(false) == 0
            && await client.CountAsync("/api/v1/pods", cancellationToken).ConfigureAwait(false) >= options.Pods, cluster, cancellationToken).ConfigureAwait(false);
        Phase("every pod Running");

        await WaitAsync("usage of every node in the Metrics API", TimeSpan.FromMinutes(10), async () =>
            await client.MemberNodeMetricsAsync(cluster.Members[0], cancellationToken).ConfigureAwait(false) >= options.Nodes, cluster, cancellationToken).ConfigureAwait(false);
        // One more resolution so every node has been scraped twice (rates need two samples).
        await Task.Delay(options.MetricResolution, cancellationToken).ConfigureAwait(false);
        Phase("every node has metrics");

        var baselineWindow = Clamp(3 * options.MetricResolution, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(60));
        var baselineStart = DateTimeOffset.UtcNow;
        var b0 = Sample(cluster);
        await Task.Delay(baselineWindow, cancellationToken).ConfigureAwait(false);
        var baselineEnd = DateTimeOffset.UtcNow;
        var b1 = Sample(cluster);
        Phase($"baseline (members scrape, no HPAs) measured for {baselineWindow.TotalSeconds:0}s");

        await ForEachAsync(workload.Apps, app => client.CreateAsync($"/apis/autoscaling/v2/namespaces/{app.Namespace}/horizontalpodautoscalers", BenchWorkload.Hpa(app), cancellationToken),
            cancellationToken).ConfigureAwait(false);
        Phase($"{workload.Apps.Count} HPAs created through the API");

        // Every HPA's first pass writes its status. Wait for all of them, but only so long: a controller
        // that cannot get through them is itself the result, measured rather than waited for.
        var reconciled = 0;
        var warmupDeadline = DateTimeOffset.UtcNow + options.WarmupTimeout;
        var lastLog = DateTimeOffset.UtcNow;
        while (true)
        {
            var writes = await client.WritesAsync(ApiAudit.HpaStatusKind, cancellationToken).ConfigureAwait(false);
            reconciled = writes.Where(w => w.Code == 200).Select(w => w.Key).Distinct(StringComparer.Ordinal).Count();
            if (reconciled >= options.Hpas || DateTimeOffset.UtcNow > warmupDeadline)
                break;
            _ = Sample(cluster);
            if (DateTimeOffset.UtcNow - lastLog > TimeSpan.FromSeconds(30))
            {
                log($"  {reconciled} of {options.Hpas} HPAs reconciled so far");
                lastLog = DateTimeOffset.UtcNow;
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
        if (reconciled >= options.Hpas)
        {
            // First passes also settle conditions (AbleToScale, ScalingActive...): let them land before the steady window.
            await Task.Delay(2 * Max(options.SyncPeriod, options.MetricResolution), cancellationToken).ConfigureAwait(false);
        }
        Phase($"{reconciled} of {options.Hpas} HPAs reconciled (status written){(reconciled < options.Hpas ? $": the --warmup-timeout of {options.WarmupTimeout.TotalMinutes:0.#} min ran out" : " and settled")}");

        var half = options.Duration / 2;
        var steadyStart = DateTimeOffset.UtcNow;
        var s0 = Sample(cluster);
        var requests0 = await client.RequestsAsync(cancellationToken).ConfigureAwait(false);
        var kubelets0 = await client.KubeletRequestsAsync(null, cancellationToken).ConfigureAwait(false);
        var reconciles0 = await ReconciliationsAsync(client, cluster, cancellationToken).ConfigureAwait(false);
        log($"steady window: {half.TotalSeconds:0}s");
        await Task.Delay(half, cancellationToken).ConfigureAwait(false);
        var s1 = Sample(cluster);
        var requests1 = await client.RequestsAsync(cancellationToken).ConfigureAwait(false);
        var kubelets1 = await client.KubeletRequestsAsync(null, cancellationToken).ConfigureAwait(false);
        var reconciles1 = await ReconciliationsAsync(client, cluster, cancellationToken).ConfigureAwait(false);
        await SaveMemberMetricsAsync(client, cluster, outDirectory, "steady-end", cancellationToken).ConfigureAwait(false);

        var scalerNodes = await client.NodesByAppAsync($"{BenchWorkload.RoleLabel}={BenchWorkload.RoleName(BenchRole.Scaler)}", cancellationToken).ConfigureAwait(false);
        var loadStepAt = DateTimeOffset.UtcNow;
        var applied = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await ForEachAsync(workload.WithRole(BenchRole.Scaler).ToList(), async app =>
        {
            await client.MergePatchAsync($"/apis/apps/v1/namespaces/{app.Namespace}/deployments/{app.Name}", BenchWorkload.DemandPatch(BenchWorkload.StepDemand(app)), cancellationToken).ConfigureAwait(false);
            applied[app.Key] = DateTimeOffset.UtcNow;
        }, cancellationToken).ConfigureAwait(false);
        log($"load stepped up on {applied.Count} scalers in {(DateTimeOffset.UtcNow - loadStepAt).TotalSeconds:0.0}s; observing for {(steadyStart + options.Duration - DateTimeOffset.UtcNow).TotalSeconds:0}s");
        var remaining = steadyStart + options.Duration - DateTimeOffset.UtcNow;
        if (remaining > TimeSpan.Zero)
            await Task.Delay(remaining, cancellationToken).ConfigureAwait(false);

        var end = DateTimeOffset.UtcNow;
        var e = Sample(cluster);
        await SaveMemberMetricsAsync(client, cluster, outDirectory, "end", cancellationToken).ConfigureAwait(false);
        var scaleWrites = await client.WritesAsync(ApiAudit.ScaleKind, cancellationToken).ConfigureAwait(false);
        var statusWrites = await client.WritesAsync(ApiAudit.HpaStatusKind, cancellationToken).ConfigureAwait(false);
        var kubeletTimes = await client.KubeletRequestsAsync(loadStepAt - options.MetricResolution, cancellationToken).ConfigureAwait(false);

        return new BenchMeasurements
        {
            Options = options,
            Apps = workload.Apps,
            Machine = Machine(),
            LoadAverageAtStart = loadAtStart,
            LoadAverageAtEnd = LoadAverage(),
            Phases = phases,
            StartedAt = startedAt,
            BaselineStart = baselineStart,
            BaselineEnd = baselineEnd,
            SteadyStart = steadyStart,
            LoadStepAt = loadStepAt,
            End = end,
            Members = cluster.Members.Select(mp => new MemberSamples(mp.Index, mp.Process.Pid, b0[mp.Index], b1[mp.Index], s0[mp.Index], s1[mp.Index], e[mp.Index])).ToList(),
            ScaleWrites = scaleWrites,
            StatusWrites = statusWrites,
            RequestsAtSteadyStart = requests0,
            RequestsAtSteadyEnd = requests1,
            KubeletRequestsAtSteadyStart = kubelets0.ToDictionary(k => k.Node, k => k.Requests, StringComparer.Ordinal),
            KubeletRequestsAtSteadyEnd = kubelets1.ToDictionary(k => k.Node, k => k.Requests, StringComparer.Ordinal),
            KubeletTimesAfterStep = kubeletTimes.ToDictionary(k => k.Node, k => k.Times, StringComparer.Ordinal),
            ScalerNodes = scalerNodes,
            LoadAppliedAt = applied,
            HpasReconciledBeforeWindow = reconciled,
            ReconciliationsAtSteadyStart = reconciles0,
            ReconciliationsAtSteadyEnd = reconciles1,
        };
    }

    /// <summary>Writes report.json and report.md into the output directory; returns their paths.</summary>
    public static (string Json, string Markdown) Write(BenchReport report, string outDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(outDirectory);
        var json = Path.Combine(outDirectory, "report.json");
        var markdown = Path.Combine(outDirectory, "report.md");
        File.WriteAllText(json, JsonSerializer.Serialize(report, ReportJson));
        File.WriteAllText(markdown, BenchReportText.Markdown(report));
        return (json, markdown);
    }

    // NaN (a figure with no samples) is written as the string "NaN" rather than failing the whole report.
    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A file for people: keep quotes and apostrophes readable (no HTML embedding to guard against).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Keeps each member's /metrics (GC, allocation, thread pool, HTTP, controller) for profiling.</summary>
    private static async Task SaveMemberMetricsAsync(BenchClient client, ProcessCluster cluster, string outDirectory, string when, CancellationToken cancellationToken)
    {
        foreach (var member in cluster.Members)
            if (await client.MemberMetricsTextAsync(member, cancellationToken).ConfigureAwait(false) is { } text)
                await File.WriteAllTextAsync(Path.Combine(outDirectory, $"member-{member.Index}.{when}.metrics.txt"), text, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<double?> ReconciliationsAsync(BenchClient client, ProcessCluster cluster, CancellationToken cancellationToken)
    {
        double? sum = null;
        foreach (var member in cluster.Members)
            if (await client.MemberCounterAsync(member, BenchClient.ReconciliationsTotal, cancellationToken).ConfigureAwait(false) is { } value)
                sum = (sum ?? 0) + value;
        return sum;
    }

    private static ProcessUsage[] Sample(ProcessCluster cluster) =>
        cluster.Members.Select(m => m.Process.IsRunning && m.Process.Sample() is { } usage
            ? usage
            : throw new BenchFailedException($"member {m.Index} stopped (exit code {m.Process.ExitCode}{ExitMeaning(m.Process.ExitCode)}); the benchmark cannot continue. "
                + $"Its last lines ({m.Process.LogPath}):\n{m.Process.RecentOutput(ChildProcess.ErrorContextLines)}")).ToArray();

    // CoordinatedShutdown's exit code when the cluster downed the member (Akka's ClusterDowningReason).
    private const int ClusterDownedExitCode = 3;

    private static string ExitMeaning(int? code) => code switch
    {
        ClusterDownedExitCode => ": the cluster downed it (see the split-brain resolver lines)",
        137 => ": killed by SIGKILL",
        _ => "",
    };

    private async Task WaitAsync(string what, TimeSpan timeout, Func<Task<bool>> done, ProcessCluster cluster, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await done().ConfigureAwait(false))
        {
            if (!cluster.Simulator.Process.IsRunning)
                throw new BenchFailedException($"the simulator exited (code {cluster.Simulator.Process.ExitCode}) while waiting for {what}; its output:\n{cluster.Simulator.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
            _ = Sample(cluster);
            if (DateTimeOffset.UtcNow > deadline)
                throw new BenchFailedException($"no {what} within {timeout.TotalMinutes:0} min; the process logs are in {options.OutDirectory}");
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> action, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = ApiConcurrency, CancellationToken = cancellationToken },
            async (item, _) => await action(item).ConfigureAwait(false));

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>Cores, CPU model and memory, as the report states the machine.</summary>
    public static string Machine()
    {
        var model = "unknown CPU";
        var memory = "";
        try
        {
            model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? model;
            var kib = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (kib is not null)
                memory = $", {ProcessUsage.StatusKibibytes(kib, "MemTotal") / 1024.0 / 1024:0.0} GiB RAM";
        }
        catch (IOException)
        {
        }
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores ({model}){memory}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    }
}

/// <summary>The benchmark could not complete; the message says why and where the logs are.</summary>
public sealed class BenchFailedException(string message) : Exception(message);
