using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using ActorScaler.Simulator.Workloads;
using Microsoft.Extensions.Time.Testing;

namespace ActorScaler.Simulator.Tests.Workloads;

/// <summary>A store, a fake clock and a started simulation, with helpers to step time and read objects.</summary>
public sealed class SimulationFixture : IAsyncDisposable
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    public ClusterStore Store { get; }
    public WorkloadSimulation Simulation { get; }

    private SimulationFixture(WorkloadSimulationOptions options)
    {
        Store = new ClusterStore(Time);
        Simulation = new WorkloadSimulation(Store, Time, options);
    }

    public static async Task<SimulationFixture> StartAsync(WorkloadSimulationOptions? options = null)
    {
        var fixture = new SimulationFixture(options ?? new WorkloadSimulationOptions
        {
            NodeCount = 3,
            ContainerStartDelay = TimeSpan.FromSeconds(1),
            DefaultReadyAfter = TimeSpan.FromSeconds(2),
            TerminationGracePeriod = TimeSpan.FromSeconds(1),
        });
        await fixture.Simulation.StartAsync();
        await fixture.Simulation.SyncAsync();
        return fixture;
    }

    /// <summary>Steps the fake clock in reconcile-interval steps, letting the simulation catch up after each.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var step = Simulation.Options.ReconcileInterval;
        for (var done = TimeSpan.Zero; done < by; done += step)
        {
            Time.Advance(step);
            await Simulation.SyncAsync();
        }
        await Simulation.SyncAsync();
    }

    public List<JsonObject> Pods(string? ns = "default") =>
        Store.List(GroupResource.Pods, new ListOptions { Namespace = ns }).Items.Select(o => o.ToJsonObject()).ToList();

    public JsonObject Get(GroupResource gr, string name, string? ns = "default") => Store.GetRequired(gr, ns, name).ToJsonObject();

    public static JsonObject Deployment(string name, int replicas, string cpuRequest = "100m", string? cpuLimit = null,
        IDictionary<string, string>? annotations = null, string image = "nginx:1.27")
    {
        var resources = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = cpuRequest, ["memory"] = "64Mi" } };
        if (cpuLimit is not null) resources["limits"] = new JsonObject { ["cpu"] = cpuLimit };
        var meta = new JsonObject { ["name"] = name, ["namespace"] = "default" };
        if (annotations is not null) meta["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = meta,
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = image, ["resources"] = resources }),
                    },
                },
            },
        };
    }

    public static JsonObject StatefulSet(string name, int replicas, bool parallel = false)
    {
        var d = Deployment(name, replicas);
        d["kind"] = "StatefulSet";
        d["spec"]!["serviceName"] = name;
        if (parallel) d["spec"]!["podManagementPolicy"] = "Parallel";
        return d;
    }

    public void Scale(GroupResource gr, string name, int replicas) =>
        Store.Update(gr, "default", name, o =>
        {
            o["spec"]!["replicas"] = replicas;
            return true;
        });

    public void Annotate(GroupResource gr, string name, string key, string? value) =>
        Store.Update(gr, "default", name, o =>
        {
            var meta = (JsonObject)o["metadata"]!;
            var annotations = meta["annotations"] as JsonObject ?? new JsonObject();
            meta["annotations"] = annotations;
            if (value is null) annotations.Remove(key);
            else annotations[key] = value;
            return true;
        });

    public static string Phase(JsonObject pod) => (string?)pod["status"]?["phase"] ?? "";

    public static bool IsReady(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True");

    public static string Name(JsonObject o) => (string)o["metadata"]!["name"]!;

    public async ValueTask DisposeAsync() => await Simulation.DisposeAsync();
}
