using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Bench;
using ActorScaler.Simulator.Api;
using ActorScaler.Simulator.Load;

namespace ActorScaler.Cluster.Tests;

/// <summary>Every test of this project shares one cluster and runs alone: three member processes and
/// the simulator already fill a 2-core machine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FailoverCollection : ICollectionFixture<FailoverCluster>
{
    public const string Name = "failover";
}

/// <summary>One scale target with its HPA: CPU request 100m, target 60 %, 1 to <see cref="FailoverCluster.MaxReplicas"/> replicas.</summary>
public sealed record FailoverApp(string Namespace, string Name)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>
/// The simulator (200 nodes, 1,000 Deployments each with an HPA) and three `actorscaler run` members as
/// OS processes, with short periods so a scenario takes seconds: sync 2 s, metric resolution 2 s. Load
/// has two levels: <see cref="LowDemand"/> holds every HPA at 1 replica (exactly on target) and
/// <see cref="HighDemand"/> takes it to 3 (150 % of one pod's request; 50 % of three is inside the
/// tolerance band), so "the HPA acted on the new load" is a /scale write to the level's replicas, which the
/// simulator's audit records with its time and writer. The fixture also records when each member process
/// was started, so a writer is a member incarnation (a restarted member has the same User-Agent).
/// </summary>
public sealed class FailoverCluster : IAsyncLifetime
{
    /// <summary>The issue's sizes; ACTORSCALER_FAILOVER_HPAS and ACTORSCALER_FAILOVER_NODES shrink them for a
    /// quick local diagnosis (CI and the documented figures use the defaults).</summary>
    public static readonly int Hpas = SizeFromEnvironment("ACTORSCALER_FAILOVER_HPAS", 1_000);
    public static readonly int Nodes = SizeFromEnvironment("ACTORSCALER_FAILOVER_NODES", 200);

    private static int SizeFromEnvironment(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 2
                ? n
                : throw new FormatException($"{name}: \"{text}\" is not a whole number of at least 2")
            : fallback;
    public const int MaxReplicas = 10;
    public const int LowReplicas = 1;
    public const int HighReplicas = 3;
    public const string LowDemand = "60m";
    public const string HighDemand = "150m";
    public static readonly TimeSpan SyncPeriod = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(2);
    private const int Namespaces = 2;
    private const int ApiConcurrency = 8;

    private readonly ConcurrentDictionary<int, List<DateTimeOffset>> _starts = new();
    /// <summary>When each ended incarnation ("member-N#k") stopped: the kill, or at the latest the next start.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _ends = new(StringComparer.Ordinal);

    /// <summary>
    /// Every member runs remoting through Akka's throttler (the test-only ACTORSCALER_TEST_PARTITIONABLE),
    /// so the partition scenario can cut one off for real with POST /debug/partition. Nothing else differs
    /// from a production member: the shipped hocon/actorscaler.conf timings are used as they are.
    /// </summary>
    private static readonly Dictionary<string, string> MemberEnvironment = new(StringComparer.Ordinal)
    {
        [ActorScaler.Actors.Cluster.MembershipSources.PartitionableVariable] = "true",
    };

    public ProcessCluster Cluster { get; private set; } = null!;
    public BenchClient Client { get; private set; } = null!;
    public IReadOnlyList<FailoverApp> Apps { get; } = Enumerable.Range(0, Hpas)
        .Select(i => new FailoverApp($"failover-{(i % Namespaces).ToString(CultureInfo.InvariantCulture)}", $"app-{i.ToString("D4", CultureInfo.InvariantCulture)}"))
        .ToList();

    /// <summary>The load level every app is at now (true: high).</summary>
    public bool High { get; private set; }

    public string OutDirectory { get; } = Path.Combine(Path.GetTempPath(), $"actorscaler-failover-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(OutDirectory);
        var manifest = Path.Combine(OutDirectory, "workload.json");
        await File.WriteAllTextAsync(manifest, Manifest().ToJsonString());
        Cluster = await ProcessCluster.StartAsync(new ProcessClusterOptions
        {
            Members = 3,
            OutDirectory = OutDirectory,
            Simulator = new SimulatorProcessOptions { Nodes = Nodes, Manifests = [manifest] },
            Member = new MemberProcessOptions
            {
                SyncPeriod = SyncPeriod,
                MetricResolution = Resolution,
                ExtraArguments =
                [
                    // Pods are Ready 1 s after they start: judge their CPU after 5 s, not upstream's 5 minutes.
                    "--horizontal-pod-autoscaler-cpu-initialization-period", "5s",
                    "--horizontal-pod-autoscaler-initial-readiness-delay", "2s",
                ],
                Environment = MemberEnvironment,
            },
            SimulatorReadyTimeout = TimeSpan.FromMinutes(3),
            MembersReadyTimeout = TimeSpan.FromMinutes(3),
        });
        var now = DateTimeOffset.UtcNow;
        foreach (var member in Cluster.Members)
            _starts[member.Index] = [now - TimeSpan.FromMinutes(5)];
        Client = new BenchClient(Cluster.Simulator);
        // Every HPA reconciled once (its first status write) before any scenario starts. While 1,000 HPAs
        // and 200 nodes start on a busy 2-core machine, a member's heartbeats can starve long enough for
        // the others to down it (it then exits, as it should); warm-up restarts it, once per member, so the
        // scenarios start from three members. After warm-up a member that exits unasked fails the test.
        var warmUpRestarts = new HashSet<int>();
        await Until("a status write for every HPA", TimeSpan.FromMinutes(5), async () =>
        {
            foreach (var member in Cluster.Members.Where(m => !m.Process.IsRunning))
            {
                if (!warmUpRestarts.Add(member.Index))
                    throw new InvalidOperationException($"member {member.Index} exited twice during warm-up (code {member.Process.ExitCode}); its output:\n{member.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
                await StartAgainAsync(member, TimeSpan.FromMinutes(3));
            }
            return (await Client.WritesAsync(ApiAudit.HpaStatusKind, default)).Where(w => w.Code == 200).Select(w => w.Key).Distinct().Count() >= Hpas;
        }, checkExits: false);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Cluster is not null)
            await Cluster.DisposeAsync();
    }

    /// <summary>Which incarnation of a member wrote at <paramref name="time"/>: "member-N#k".</summary>
    public string Writer(string userAgent, DateTimeOffset time)
    {
        var member = Cluster.MemberAt(userAgent) ?? throw new InvalidOperationException($"no member writes as \"{userAgent}\"");
        var starts = _starts[member.Index];
        int incarnation;
        lock (starts)
            incarnation = starts.Count(s => s <= time);
        return $"member-{member.Index.ToString(CultureInfo.InvariantCulture)}#{incarnation.ToString(CultureInfo.InvariantCulture)}";
    }

    public async Task KillAsync(MemberProcess member)
    {
        var incarnation = Current(member);
        await member.Process.KillAsync();
        _ends.TryAdd(incarnation, DateTimeOffset.UtcNow);
    }

    /// <summary>When the incarnation stopped; <see cref="DateTimeOffset.MaxValue"/> while it runs.</summary>
    public DateTimeOffset Ended(string incarnation) => _ends.TryGetValue(incarnation, out var end) ? end : DateTimeOffset.MaxValue;

    private string Current(MemberProcess member)
    {
        var starts = _starts[member.Index];
        lock (starts)
            return $"member-{member.Index.ToString(CultureInfo.InvariantCulture)}#{starts.Count.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>Drops every message between the member and the others, both ways (Akka's throttler, through
    /// the member's test-only POST /debug/partition).</summary>
    public static async Task CutOffAsync(MemberProcess member)
    {
        using var http = new HttpClient { BaseAddress = member.HttpBaseUrl, Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.PostAsync(new Uri("debug/partition", UriKind.Relative), null);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"member {member.Index} refused the partition ({(int)response.StatusCode}): {body}");
    }

    /// <summary>Starts a stopped member again (same ports) and waits until it is ready.</summary>
    public async Task StartAgainAsync(MemberProcess member, TimeSpan timeout)
    {
        var starts = _starts[member.Index];
        _ends.TryAdd(Current(member), DateTimeOffset.UtcNow);
        lock (starts)
            starts.Add(DateTimeOffset.UtcNow);
        member.Process.Start();
        await member.WaitReadyAsync(timeout);
    }

    /// <summary>
    /// Where every scenario starts: three members running and every app settled at the current level, so
    /// a scenario that failed half-way (a member left stopped, some apps at the other level) does not
    /// fail the next one for its own reasons.
    /// </summary>
    /// <param name="high">The level to settle at; null keeps the current one.</param>
    public async Task ResetAsync(bool? high = null)
    {
        foreach (var member in Cluster.Members.Where(m => !m.Process.IsRunning))
        {
            await StartAgainAsync(member, TimeSpan.FromMinutes(2));
            ExpectRunning(member, true);
        }
        await SetLoadAsync(Apps, high ?? High);
        await WaitReplicasAsync(Apps, High ? HighReplicas : LowReplicas, TimeSpan.FromMinutes(2));
    }

    /// <summary>Sets every given app's CPU demand to the level; returns when the last patch was accepted.</summary>
    public async Task SetLoadAsync(IReadOnlyList<FailoverApp> apps, bool high)
    {
        var demand = high ? HighDemand : LowDemand;
        await Parallel.ForEachAsync(apps, new ParallelOptions { MaxDegreeOfParallelism = ApiConcurrency }, async (app, ct) =>
            await Client.MergePatchAsync($"/apis/apps/v1/namespaces/{app.Namespace}/deployments/{app.Name}", BenchWorkload.DemandPatch(demand), ct));
        if (apps.Count == Apps.Count)
            High = high;
    }

    /// <summary>
    /// Waits until every app has acted on its new load: a successful /scale write after
    /// <paramref name="since"/> to at least <see cref="HighReplicas"/> (when <paramref name="replicas"/>
    /// is the high level) or to at most <see cref="LowReplicas"/> (the low level), and returns, per app
    /// key, that write's time. An HPA reading a rate that still lags the new load may overshoot (1 -> 4)
    /// and settle to 3 only after its scale-down window; the overshoot already is its answer to the
    /// new load, and what follows is the algorithm, not the failover. Times out with the apps that did not act.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> WaitActedAsync(IReadOnlyList<FailoverApp> apps, DateTimeOffset since, int replicas, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var acted = Acted(await Client.WritesAsync(ApiAudit.ScaleKind, default), since, replicas);
            var missing = apps.Where(a => !acted.ContainsKey(a.Key)).ToList();
            if (missing.Count == 0)
                return apps.ToDictionary(a => a.Key, a => acted[a.Key]);
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{missing.Count} of {apps.Count} HPAs did not scale to {replicas} within {timeout.TotalSeconds:0}s, e.g. {string.Join(", ", missing.Take(5).Select(a => a.Key))}; "
                    + $"member logs in {OutDirectory}");
            }
            await Task.Delay(500);
        }
    }

    private static Dictionary<string, DateTimeOffset> Acted(IReadOnlyList<AuditedWrite> writes, DateTimeOffset since, int replicas)
    {
        var acted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var w in writes)
        {
            var reached = replicas >= HighReplicas ? w.ReplicasAfter >= replicas : w.ReplicasAfter <= replicas;
            if (w.Code == 200 && w.Time >= since && reached && !acted.ContainsKey(w.Key))
                acted[w.Key] = w.Time;
        }
        return acted;
    }

    /// <summary>Every Deployment's spec.replicas, by "namespace/name".</summary>
    public async Task<Dictionary<string, int>> DeploymentReplicasAsync(CancellationToken cancellationToken)
    {
        using var http = Cluster.Simulator.CreateHttpClient(TimeSpan.FromSeconds(30));
        await using var stream = await http.GetStreamAsync(new Uri("/apis/apps/v1/deployments", UriKind.Relative), cancellationToken);
        using var doc = await System.Text.Json.JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
        {
            var metadata = item.GetProperty("metadata");
            result[$"{metadata.GetProperty("namespace").GetString()}/{metadata.GetProperty("name").GetString()}"] =
                item.GetProperty("spec").TryGetProperty("replicas", out var r) ? r.GetInt32() : 1;
        }
        return result;
    }

    /// <summary>Waits until every app's Deployment has <paramref name="replicas"/>.</summary>
    public Task WaitReplicasAsync(IReadOnlyList<FailoverApp> apps, int replicas, TimeSpan timeout) =>
        Until($"every Deployment at {replicas} replicas", timeout, async () =>
        {
            var current = await DeploymentReplicasAsync(default);
            return apps.All(a => current.TryGetValue(a.Key, out var n) && n == replicas);
        });

    /// <summary>Namespaces, Deployments (1 replica, at the low level) and their HPAs, applied at the simulator's start.</summary>
    private JsonObject Manifest()
    {
        var items = new JsonArray();
        foreach (var ns in Apps.Select(a => a.Namespace).Distinct())
            items.Add(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        foreach (var app in Apps)
        {
            items.Add(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = new JsonObject
                {
                    ["name"] = app.Name,
                    ["namespace"] = app.Namespace,
                    ["annotations"] = new JsonObject { [LoadAnnotations.CpuDemand] = LowDemand, [LoadAnnotations.ReadyAfter] = "1s" },
                },
                ["spec"] = new JsonObject
                {
                    ["replicas"] = LowReplicas,
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app.Name } },
                    ["template"] = new JsonObject
                    {
                        ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app.Name } },
                        ["spec"] = new JsonObject
                        {
                            ["containers"] = new JsonArray(new JsonObject
                            {
                                ["name"] = "app",
                                ["image"] = "registry.example/failover:1",
                                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "16Mi" } },
                            }),
                        },
                    },
                },
            });
            items.Add(new JsonObject
            {
                ["apiVersion"] = "autoscaling/v2",
                ["kind"] = "HorizontalPodAutoscaler",
                ["metadata"] = new JsonObject { ["name"] = app.Name, ["namespace"] = app.Namespace },
                ["spec"] = new JsonObject
                {
                    ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = app.Name },
                    ["minReplicas"] = LowReplicas,
                    ["maxReplicas"] = MaxReplicas,
                    ["metrics"] = new JsonArray(new JsonObject
                    {
                        ["type"] = "Resource",
                        ["resource"] = new JsonObject
                        {
                            ["name"] = "cpu",
                            ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 60 },
                        },
                    }),
                    // Scale up at once; scale down after a 6 s window, so a scenario that lowers the load
                    // takes seconds while the window still guards against flapping.
                    ["behavior"] = new JsonObject
                    {
                        ["scaleUp"] = new JsonObject
                        {
                            ["stabilizationWindowSeconds"] = 0,
                            ["policies"] = new JsonArray(new JsonObject { ["type"] = "Percent", ["value"] = 900, ["periodSeconds"] = 1 }),
                        },
                        ["scaleDown"] = new JsonObject
                        {
                            ["stabilizationWindowSeconds"] = 6,
                            ["policies"] = new JsonArray(new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 1 }),
                        },
                    },
                },
            });
        }
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = items };
    }

    public async Task Until(string what, TimeSpan timeout, Func<Task<bool>> done, bool checkExits = true)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await done())
        {
            foreach (var member in Cluster.Members.Where(m => checkExits && m.Process.Starts > 0 && !m.Process.IsRunning && IsExpectedRunning(m.Index)))
                throw new InvalidOperationException($"member {member.Index} exited (code {member.Process.ExitCode}) while waiting for {what}; its output:\n{member.Process.RecentOutput(ChildProcess.ErrorContextLines)}");
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0}s; logs in {OutDirectory}");
            await Task.Delay(1000);
        }
    }

    private readonly HashSet<int> _expectedRunning = [0, 1, 2];

    private bool IsExpectedRunning(int index)
    {
        lock (_expectedRunning)
            return _expectedRunning.Contains(index);
    }

    /// <summary>Marks a member as deliberately stopped (or running again) for <see cref="Until"/>'s crash check.</summary>
    public void ExpectRunning(MemberProcess member, bool running)
    {
        lock (_expectedRunning)
        {
            if (running) _expectedRunning.Add(member.Index);
            else _expectedRunning.Remove(member.Index);
        }
    }
}
