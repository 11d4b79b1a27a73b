using System.Globalization;
using System.Text.Json.Nodes;
using ActorScaler.Simulator.Load;

namespace ActorScaler.Bench;

/// <summary>What an HPA of the benchmark is there to show.</summary>
public enum BenchRole
{
    /// <summary>Load at the target: it must never scale (the steady-state cost).</summary>
    Steady,
    /// <summary>Load steps to 2.5x the target half-way through: it must scale up once (the decision latency).</summary>
    Scaler,
    /// <summary>Load far above the target and a +1 pod per pass policy: it scales on every pass, so the
    /// gaps between its /scale writes are its effective sync period.</summary>
    Probe,
}

/// <summary>One Deployment with its HPA.</summary>
public sealed record BenchApp(string Namespace, string Name, BenchRole Role, int Replicas)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>
/// The benchmark's Deployments and HPAs: <see cref="BenchOptions.Hpas"/> apps over a few namespaces
/// sharing <see cref="BenchOptions.Pods"/> pods, each app's load set by the simulator's annotations.
/// Every container requests 100m CPU, so utilization is demand / (replicas x 100m).
/// </summary>
public sealed class BenchWorkload
{
    public const string RoleLabel = "bench.actorscaler.io/role";
    public const string AppLabel = "app";
    public const long CpuRequestMillicores = 100;

    /// <summary>The HPAs' CPU target; steady apps run exactly at it (ratio 1.0, inside any tolerance).</summary>
    public const int TargetUtilization = 60;

    /// <summary>A scaler's utilization after the load step: 2.5x the target, so it scales to ceil(2.5 r).</summary>
    public const int StepUtilization = 150;

    /// <summary>A probe's whole demand (cores): far above 50 % of 100m even at hundreds of pods.</summary>
    public const int ProbeDemandCores = 20;

    private const int AppsPerNamespace = 500;
    private const int MaxNamespaces = 20;
    private const int MaxProbes = 100;

    public BenchWorkload(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var namespaces = Math.Clamp(options.Hpas / AppsPerNamespace, 1, MaxNamespaces);
        Namespaces = Enumerable.Range(0, namespaces).Select(i => $"bench-{i.ToString(CultureInfo.InvariantCulture)}").ToList();
        // 1 % probes (at least 2 when there is room), the scale share as scalers, the rest steady.
        var probes = options.Hpas >= 4 ? Math.Clamp((int)Math.Round(options.Hpas * 0.01), 2, MaxProbes) : 0;
        var scalers = Math.Clamp((int)Math.Round(options.Hpas * options.ScaleShare), 1, options.Hpas - probes);
        var others = options.Hpas - probes;
        var podsForOthers = options.Pods - probes;
        var apps = new List<BenchApp>(options.Hpas);
        for (var i = 0; i < options.Hpas; i++)
        {
            var ns = Namespaces[i % namespaces];
            var name = $"app-{i.ToString("D5", CultureInfo.InvariantCulture)}";
            if (i < others)
            {
                // Scalers are spread evenly among the steady apps, so they land on every member.
                var role = (long)(i + 1) * scalers / others != (long)i * scalers / others ? BenchRole.Scaler : BenchRole.Steady;
                var replicas = podsForOthers / others + (i < podsForOthers % others ? 1 : 0);
                apps.Add(new BenchApp(ns, name, role, replicas));
            }
            else
            {
                apps.Add(new BenchApp(ns, name, BenchRole.Probe, 1));
            }
        }
        Apps = apps;
    }

    public IReadOnlyList<string> Namespaces { get; }

    public IReadOnlyList<BenchApp> Apps { get; }

    public IEnumerable<BenchApp> WithRole(BenchRole role) => Apps.Where(a => a.Role == role);

    /// <summary>Namespaces and Deployments as one List document, applied by the simulator at start.</summary>
    public JsonObject Manifest()
    {
        var items = new JsonArray();
        foreach (var ns in Namespaces)
            items.Add(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        foreach (var app in Apps)
            items.Add(Deployment(app));
        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = items };
    }

    /// <summary>The CPU demand annotation before the step (after it for scalers: <see cref="StepDemand"/>).</summary>
    public static string InitialDemand(BenchApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Role == BenchRole.Probe
            ? ProbeDemandCores.ToString(CultureInfo.InvariantCulture)
            : Millicores(app.Replicas * CpuRequestMillicores * TargetUtilization / 100);
    }

    public static string StepDemand(BenchApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return Millicores(app.Replicas * CpuRequestMillicores * StepUtilization / 100);
    }

    /// <summary>A merge patch that sets a workload's CPU demand.</summary>
    public static JsonObject DemandPatch(string demand) => new()
    {
        ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [LoadAnnotations.CpuDemand] = demand } },
    };

    public static JsonObject Deployment(BenchApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var role = RoleName(app.Role);
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["name"] = app.Name,
                ["namespace"] = app.Namespace,
                ["labels"] = new JsonObject { [AppLabel] = app.Name, [RoleLabel] = role },
                ["annotations"] = new JsonObject
                {
                    [LoadAnnotations.CpuDemand] = InitialDemand(app),
                    [LoadAnnotations.ReadyAfter] = "1s",
                },
            },
            ["spec"] = new JsonObject
            {
                ["replicas"] = app.Replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [AppLabel] = app.Name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [AppLabel] = app.Name, [RoleLabel] = role } },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject
                        {
                            ["name"] = "app",
                            ["image"] = "registry.example/bench:1",
                            ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = Millicores(CpuRequestMillicores), ["memory"] = "16Mi" } },
                        }),
                    },
                },
            },
        };
    }

    public static JsonObject Hpa(BenchApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var probe = app.Role == BenchRole.Probe;
        var spec = new JsonObject
        {
            ["scaleTargetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = app.Name },
            ["minReplicas"] = 1,
            ["maxReplicas"] = probe ? 1000 : app.Replicas * 4,
            ["metrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = "cpu",
                    ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = TargetUtilization },
                },
            }),
        };
        if (probe)
        {
            // One pod per pass: every pass that runs writes /scale, and nothing else does.
            spec["behavior"] = new JsonObject
            {
                ["scaleUp"] = new JsonObject
                {
                    ["stabilizationWindowSeconds"] = 0,
                    ["selectPolicy"] = "Max",
                    ["policies"] = new JsonArray(new JsonObject { ["type"] = "Pods", ["value"] = 1, ["periodSeconds"] = 1 }),
                },
                ["scaleDown"] = new JsonObject { ["selectPolicy"] = "Disabled" },
            };
        }
        return new JsonObject
        {
            ["apiVersion"] = "autoscaling/v2",
            ["kind"] = "HorizontalPodAutoscaler",
            ["metadata"] = new JsonObject
            {
                ["name"] = app.Name,
                ["namespace"] = app.Namespace,
                ["labels"] = new JsonObject { [RoleLabel] = RoleName(app.Role) },
            },
            ["spec"] = spec,
        };
    }

    public static string RoleName(BenchRole role) => role switch
    {
        BenchRole.Steady => "steady",
        BenchRole.Scaler => "scaler",
        _ => "probe",
    };

    private static string Millicores(long m) => m.ToString(CultureInfo.InvariantCulture) + "m";
}
