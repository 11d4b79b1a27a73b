using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Core.Durations;
using ActorScaler.Hosting;
using ActorScaler.Simulator;
using ActorScaler.Simulator.Api;
using ActorScaler.Simulator.Load;
using k8s;
using k8s.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler demo`: the seed tutorial end to end in one process. The simulator plays the Kubernetes
/// cluster, three `run` members form one Akka cluster and autoscale the kubernetes-bootcamp Deployment
/// (HPA cpu 10 %, 1-10 replicas) while the load rises and later goes away, shown like
/// `kubectl get hpa -w` with the member that owns the HPA. Ends by itself with a summary.
/// </summary>
public sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    private const string Namespace = "default";
    private const string App = "kubernetes-bootcamp";
    // 1.1 cores over 10 pods of 50m request is the tutorial's "219%/10%" at 10 replicas.
    private const string HighLoad = "1100m";
    private const int MaxReplicas = 10;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(170);
    private static readonly TimeSpan LoadHold = TimeSpan.FromSeconds(15);

    // Shorter than production so the whole story fits in under three minutes; shown on screen.
    private static readonly TimeSpan DemoSyncPeriod = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DemoMetricResolution = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DemoDownscaleStabilization = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DemoCpuInitialization = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DemoReadinessDelay = TimeSpan.FromSeconds(5);

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--no-live")]
        [Description("Print plain lines (for logs and CI) instead of the live table.")]
        public bool NoLive { get; init; }

        [CommandOption("--members <N>")]
        [Description("Cluster members to start (1-5).")]
        [DefaultValue(3)]
        public int Members { get; init; } = 3;

        public override ValidationResult Validate() =>
            Members is < 1 or > 5 ? ValidationResult.Error($"invalid value for --members: {Members}: must be between 1 and 5") : ValidationResult.Success();
    }

    /// <summary>One line of `kubectl get hpa` plus the member that owns the HPA's entity.</summary>
    private sealed record Row(string Name, string Reference, string Targets, int MinPods, int MaxPods, int Replicas, string Owner);

    private sealed record Frame(IReadOnlyList<Row> Rows, string Phase);

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        var live = !settings.NoLive && console.Profile.Capabilities.Interactive;
        Say(console, live, $"ActorScaler demo: a simulated Kubernetes cluster with 3 nodes and {settings.Members} ActorScaler members in one process.");
        Say(console, live, $"Demo periods (production defaults in brackets): --horizontal-pod-autoscaler-sync-period={GoDuration.Format(DemoSyncPeriod)} [15s] "
            + $"--metric-resolution={GoDuration.Format(DemoMetricResolution)} [15s] --horizontal-pod-autoscaler-downscale-stabilization={GoDuration.Format(DemoDownscaleStabilization)} [5m] "
            + $"--horizontal-pod-autoscaler-cpu-initialization-period={GoDuration.Format(DemoCpuInitialization)} [5m] --horizontal-pod-autoscaler-initial-readiness-delay={GoDuration.Format(DemoReadinessDelay)} [30s]");

        var clock = Stopwatch.StartNew();
        await using var cluster = await InProcessCluster.StartAsync(new InProcessClusterOptions
        {
            Members = settings.Members,
            Member = new RunOptions
            {
                SyncPeriod = DemoSyncPeriod,
                MetricResolution = DemoMetricResolution,
                DownscaleStabilization = DemoDownscaleStabilization,
                CpuInitializationPeriod = DemoCpuInitialization,
                InitialReadinessDelay = DemoReadinessDelay,
            },
        }, cancellationToken).ConfigureAwait(false);
        Say(console, live, $"Cluster formed in {clock.Elapsed.TotalSeconds:0.0}s: " + string.Join(", ",
            cluster.Members.Select((m, i) => $"member-{i} (akka port {m.Options.Membership.Port})")));

        foreach (var obj in Manifests.Read(BootcampManifest, "demo"))
            cluster.Simulator.Handler.ApplyObject(obj);
        Say(console, live, $"Applied Deployment {App} (requests cpu 50m, memory 50Mi) and its HPA (cpu 10%, min 1, max {MaxReplicas}), "
            + "plus two steady neighbours (frontend: cpu 50%, worker: memory 50Mi average) so the three HPAs spread over the members.");

        var story = new Story(cluster, clock);
        if (live)
        {
            await console.Live(new Text("")).AutoClear(false).StartAsync(async ctx =>
            {
                await story.RunAsync(frame => ctx.UpdateTarget(Render(story, frame)), cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        else
        {
            Console.WriteLine("TIME   NAME                  REFERENCE                        TARGETS         MINPODS   MAXPODS   REPLICAS   OWNER      DEMO PHASE");
            var last = new Dictionary<string, Row>(StringComparer.Ordinal);
            await story.RunAsync(frame =>
            {
                // Like `kubectl get hpa -w`: a line when an HPA's row changes.
                foreach (var row in frame.Rows)
                {
                    if (last.TryGetValue(row.Name, out var previous) && previous == row)
                        continue;
                    last[row.Name] = row;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{clock.Elapsed.TotalSeconds,5:0}s {row.Name,-21} {row.Reference,-32} {row.Targets,-15} {row.MinPods,-9} {row.MaxPods,-9} {row.Replicas,-10} {row.Owner,-10} {frame.Phase}"));
                }
            }, cancellationToken).ConfigureAwait(false);
        }

        PrintSummary(console, cluster, story);
        return story.ReachedMax && story.BackToOne ? 0 : 1;
    }

    private static void Say(IAnsiConsole console, bool live, string line)
    {
        if (live)
            console.MarkupLine(Markup.Escape(line));
        else
            Console.WriteLine(line);
    }

    private static Rows Render(Story story, Frame frame)
    {
        var table = new Table().Border(TableBorder.Simple)
            .Title(Markup.Escape($"kubectl get hpa -w   ({story.Elapsed.TotalSeconds:0}s, {frame.Phase})"));
        foreach (var column in new[] { "NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "OWNER" })
            table.AddColumn(new TableColumn(column).NoWrap());
        foreach (var row in frame.Rows)
            table.AddRow(Markup.Escape(row.Name), Markup.Escape(row.Reference), Markup.Escape(row.Targets),
                row.MinPods.ToString(CultureInfo.InvariantCulture), row.MaxPods.ToString(CultureInfo.InvariantCulture),
                row.Replicas.ToString(CultureInfo.InvariantCulture), row.Owner);
        // The story so far, left-aligned under the table (a table caption would be centred).
        return new Rows(table, new Text(string.Join("\n", story.Log.TakeLast(8))));
    }

    private static void PrintSummary(IAnsiConsole console, InProcessCluster cluster, Story story)
    {
        var writes = cluster.Simulator.Audit.Writes(ApiAudit.ScaleKind).Where(w => w.Name == App).ToList();
        var controllerRequests = cluster.Simulator.Audit.Requests().Where(r => r.UserAgent.StartsWith("actorscaler/", StringComparison.Ordinal)).ToList();
        Console.WriteLine();
        Console.WriteLine("Summary");
        Console.WriteLine($"  scale up   1 -> {story.PeakReplicas} replicas{(story.ReachedMaxAt is { } up ? $" in {(up - story.LoadOnAt!.Value).TotalSeconds:0}s after the load rose" : " (did not reach the maximum)")}");
        Console.WriteLine($"  scale down {story.PeakReplicas} -> {story.LastReplicas} replicas{(story.BackToOneAt is { } down ? $" in {(down - story.LoadOffAt!.Value).TotalSeconds:0}s after the load went away" : " (did not return to 1 before the demo ended)")}");
        foreach (var write in writes)
            Console.WriteLine($"  /scale write {write.ReplicasBefore} -> {write.ReplicasAfter} by member-{cluster.MemberIndexOf(MemberOf(write.UserAgent))}");
        Console.WriteLine($"  owners: {string.Join("; ", story.Owners)}");
        Console.WriteLine($"  API requests by the {cluster.Members.Count} members (list, watch, writes; no per-sync reads): {controllerRequests.Sum(r => r.Count)} in {story.Elapsed.TotalSeconds:0}s");
        foreach (var group in controllerRequests.GroupBy(r => $"{r.Verb} {r.Resource}").OrderBy(g => g.Key, StringComparer.Ordinal))
            Console.WriteLine($"    {group.Key,-40} {group.Sum(r => r.Count)}");
        Console.WriteLine(story.ReachedMax && story.BackToOne ? "The demo ran to its end." : "The demo ended before the story completed (see above).");
        _ = console;
    }

    /// <summary>"actorscaler/1.0.0 (member 127.0.0.1:4053)" -> "127.0.0.1:4053".</summary>
    private static string MemberOf(string userAgent)
    {
        var at = userAgent.IndexOf("(member ", StringComparison.Ordinal);
        return at < 0 ? userAgent : userAgent[(at + 8)..].TrimEnd(')');
    }

    /// <summary>Drives the load and watches the HPA until the story is told or the deadline passes.</summary>
    private sealed class Story(InProcessCluster cluster, Stopwatch clock)
    {
        public List<string> Log { get; } = [];
        public SortedSet<string> Owners { get; } = new(StringComparer.Ordinal);
        public int PeakReplicas { get; private set; } = 1;
        public int LastReplicas { get; private set; } = 1;
        public string LastOwner { get; private set; } = "?";
        public TimeSpan? LoadOnAt { get; private set; }
        public TimeSpan? LoadOffAt { get; private set; }
        public TimeSpan? ReachedMaxAt { get; private set; }
        public TimeSpan? BackToOneAt { get; private set; }
        public bool ReachedMax => ReachedMaxAt is not null;
        public bool BackToOne => BackToOneAt is not null;
        public TimeSpan Elapsed => clock.Elapsed;

        public async Task RunAsync(Action<Frame> show, CancellationToken cancellationToken)
        {
            var started = clock.Elapsed;
            var phase = "waiting for pods and metrics";
            var lastReplicas = -1;
            while (clock.Elapsed - started < Deadline && !cancellationToken.IsCancellationRequested)
            {
                var hpas = await cluster.Client.AutoscalingV2.ListNamespacedHorizontalPodAutoscalerAsync(Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                var rows = new List<Row>();
                foreach (var item in hpas.Items.OrderBy(h => h.Metadata.Name, StringComparer.Ordinal))
                    rows.Add(await RowAsync(item).ConfigureAwait(false));
                var hpa = hpas.Items.Single(h => h.Metadata.Name == App);
                var ownerName = rows.Single(r => r.Name == App).Owner;
                LastOwner = ownerName;
                foreach (var row in rows)
                    Owners.Add($"{row.Name} on {row.Owner}");
                var replicas = hpa.Status?.CurrentReplicas ?? 0;
                var current = hpa.Status?.CurrentMetrics?.FirstOrDefault()?.Resource?.Current?.AverageUtilization;
                if (replicas != lastReplicas && lastReplicas >= 0)
                    Log.Add($"{clock.Elapsed.TotalSeconds,4:0}s  replicas {lastReplicas} -> {replicas}  (owner {ownerName})");
                lastReplicas = replicas;
                LastReplicas = replicas;
                PeakReplicas = Math.Max(PeakReplicas, replicas);

                if (LoadOnAt is null && current is not null)
                {
                    await SetLoadAsync(HighLoad, cancellationToken).ConfigureAwait(false);
                    LoadOnAt = clock.Elapsed;
                    phase = $"load on ({HighLoad} cpu over all pods)";
                    Log.Add($"{clock.Elapsed.TotalSeconds,4:0}s  load raised to {HighLoad} cpu");
                }
                else if (LoadOnAt is not null && ReachedMaxAt is null && replicas >= MaxReplicas)
                {
                    ReachedMaxAt = clock.Elapsed;
                    phase = "at the maximum (ScalingLimited TooManyReplicas)";
                }
                else if (ReachedMaxAt is { } max && LoadOffAt is null && clock.Elapsed - max >= LoadHold)
                {
                    await SetLoadAsync(null, cancellationToken).ConfigureAwait(false);
                    LoadOffAt = clock.Elapsed;
                    phase = "load removed; waiting out the downscale stabilization";
                    Log.Add($"{clock.Elapsed.TotalSeconds,4:0}s  load removed");
                }
                else if (LoadOffAt is not null && replicas == 1)
                {
                    BackToOneAt = clock.Elapsed;
                    show(new Frame(rows, "back to 1 replica: done"));
                    return;
                }
                show(new Frame(rows, phase));
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<Row> RowAsync(V2HorizontalPodAutoscaler hpa)
        {
            var name = hpa.Metadata.Name;
            var owner = await cluster.OwnerOfAsync($"{Namespace}/{name}", TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            var targets = string.Join(", ", hpa.Spec.Metrics.Select((metric, i) =>
            {
                var current = hpa.Status?.CurrentMetrics is { } statuses && i < statuses.Count ? statuses[i].Resource?.Current : null;
                var target = metric.Resource?.Target;
                return target?.AverageUtilization is { } goal
                    ? $"{(current?.AverageUtilization is { } c ? c.ToString(CultureInfo.InvariantCulture) + "%" : "<unknown>")}/{goal}%"
                    : $"{current?.AverageValue?.ToString() ?? "<unknown>"}/{target?.AverageValue}";
            }));
            return new Row(name, $"{hpa.Spec.ScaleTargetRef.Kind}/{hpa.Spec.ScaleTargetRef.Name}", targets, hpa.Spec.MinReplicas ?? 1, hpa.Spec.MaxReplicas,
                hpa.Status?.CurrentReplicas ?? 0, owner is null ? "?" : $"member-{cluster.MemberIndexOf(owner.Member)}");
        }

        private async Task SetLoadAsync(string? cpu, CancellationToken cancellationToken)
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [LoadAnnotations.CpuDemand] = cpu } },
            };
            await cluster.Client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), App, Namespace,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private const string BootcampManifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: kubernetes-bootcamp
          namespace: default
          labels:
            app: kubernetes-bootcamp
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: kubernetes-bootcamp
          template:
            metadata:
              labels:
                app: kubernetes-bootcamp
            spec:
              containers:
              - name: kubernetes-bootcamp
                image: gcr.io/google-samples/kubernetes-bootcamp:v1
                resources:
                  requests:
                    cpu: 50m
                    memory: 50Mi
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: frontend
          namespace: default
          annotations:
            simulator.actorscaler.io/cpu-demand: "120m"
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: frontend
          template:
            metadata:
              labels:
                app: frontend
            spec:
              containers:
              - name: nginx
                image: nginx
                resources:
                  requests:
                    cpu: 100m
                    memory: 64Mi
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: frontend
          namespace: default
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: frontend
          minReplicas: 1
          maxReplicas: 5
          metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 50
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
          namespace: default
          annotations:
            simulator.actorscaler.io/memory-per-pod: "40Mi"
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: worker
          template:
            metadata:
              labels:
                app: worker
            spec:
              containers:
              - name: worker
                image: busybox
                resources:
                  requests:
                    cpu: 50m
                    memory: 64Mi
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: worker
          namespace: default
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: worker
          minReplicas: 1
          maxReplicas: 4
          metrics:
          - type: Resource
            resource:
              name: memory
              target:
                type: AverageValue
                averageValue: 50Mi
        ---
        apiVersion: autoscaling/v2
        kind: HorizontalPodAutoscaler
        metadata:
          name: kubernetes-bootcamp
          namespace: default
        spec:
          scaleTargetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: kubernetes-bootcamp
          minReplicas: 1
          maxReplicas: 10
          metrics:
          - type: Resource
            resource:
              name: cpu
              target:
                type: Utilization
                averageUtilization: 10
        """;
}
