using System.Text.Json.Nodes;
using ActorScaler.Simulator.Load;
using ActorScaler.Simulator.Storage;
using static ActorScaler.Simulator.Workloads.KubernetesConventions;

namespace ActorScaler.Simulator.Workloads;

/// <summary>What the simulation needs of a stored object, parsed once per version it sees.</summary>
internal abstract record CachedObject(string Namespace, string Name, string Uid, long ResourceVersion)
{
    public (string, string) Key => (Namespace, Name);

    protected static (string Namespace, string Name, string Uid, long Rv) Meta(StoredObject stored) =>
        (stored.Namespace, stored.Name, stored.Uid, stored.ResourceVersion);
}

internal sealed record PodInfo(
    string Namespace, string Name, string Uid, long ResourceVersion,
    DateTimeOffset Created,
    string? NodeName,
    string Phase,
    bool Ready,
    bool Terminating,
    (string Kind, string Name, string Uid)? Owner,
    IReadOnlyList<ContainerResources> Containers,
    DateTimeOffset? StartTime,
    int? MetricsPort,
    string? RevisionHash,
    int Ordinal,
    IReadOnlyDictionary<string, string> Annotations)
    : CachedObject(Namespace, Name, Uid, ResourceVersion)
{
    public long CpuRequestMillicores => Containers.Sum(c => c.CpuRequestMillicores);
    public bool IsRunning => Phase == "Running";
    public bool IsFinished => Phase is "Succeeded" or "Failed";

    public static PodInfo From(StoredObject stored, JsonObject obj)
    {
        var (ns, name, uid, rv) = Meta(stored);
        var meta = obj["metadata"];
        var spec = obj["spec"];
        var status = obj["status"];
        var containers = new List<ContainerResources>();
        if (spec?["containers"] is JsonArray list)
        {
            foreach (var c in list.OfType<JsonObject>())
            {
                var resources = c["resources"];
                var requests = resources?["requests"];
                var limits = resources?["limits"];
                // As the API server defaults it: a limit without a request makes the request equal the limit.
                var cpuRequest = Milli(requests, "cpu");
                var cpuLimit = Milli(limits, "cpu");
                var memoryRequest = Units(requests, "memory");
                if (cpuRequest == 0) cpuRequest = cpuLimit;
                if (memoryRequest == 0) memoryRequest = Units(limits, "memory");
                containers.Add(new ContainerResources(Str(c["name"]) ?? "", cpuRequest, cpuLimit, memoryRequest));
            }
        }
        var ready = false;
        if (status?["conditions"] is JsonArray conditions)
        {
            foreach (var c in conditions.OfType<JsonObject>())
            {
                if (Str(c["type"]) == "Ready") ready = Str(c["status"]) == "True";
            }
        }
        var annotations = StringMap(meta?["annotations"]);
        var labels = StringMap(meta?["labels"]);
        int? port = annotations.TryGetValue(PrometheusPortAnnotation, out var p) && int.TryParse(p, out var parsedPort) ? parsedPort : null;
        var ordinal = -1;
        var dash = name.LastIndexOf('-');
        if (dash >= 0 && int.TryParse(name.AsSpan(dash + 1), out var o)) ordinal = o;
        return new PodInfo(ns, name, uid, rv,
            ParseTime(meta?["creationTimestamp"]) ?? DateTimeOffset.MinValue,
            Str(spec?["nodeName"]) is { Length: > 0 } node ? node : null,
            Str(status?["phase"]) ?? "Pending",
            ready,
            meta?["deletionTimestamp"] is not null,
            ControllerOf(obj),
            containers,
            ParseTime(status?["startTime"]),
            port,
            labels.TryGetValue(ControllerRevisionHashLabel, out var rev) ? rev : null,
            ordinal,
            annotations);
    }
}

internal sealed record ReplicaSetInfo(
    string Namespace, string Name, string Uid, long ResourceVersion,
    DateTimeOffset Created,
    long Generation,
    int Replicas,
    (string Kind, string Name, string Uid)? Owner,
    string TemplateJson,
    int Revision,
    IReadOnlyDictionary<string, string> Annotations,
    JsonNode? Status)
    : CachedObject(Namespace, Name, Uid, ResourceVersion)
{
    public static ReplicaSetInfo From(StoredObject stored, JsonObject obj)
    {
        var (ns, name, uid, rv) = Meta(stored);
        var meta = obj["metadata"];
        var annotations = StringMap(meta?["annotations"]);
        return new ReplicaSetInfo(ns, name, uid, rv,
            ParseTime(meta?["creationTimestamp"]) ?? DateTimeOffset.MinValue,
            Long(meta?["generation"]),
            Int(obj["spec"]?["replicas"], 1),
            ControllerOf(obj),
            obj["spec"]?["template"]?.ToJsonString() ?? "{}",
            annotations.TryGetValue(RevisionAnnotation, out var r) && int.TryParse(r, out var revision) ? revision : 0,
            annotations,
            obj["status"]?.DeepClone());
    }
}

internal sealed record DeploymentInfo(
    string Namespace, string Name, string Uid, long ResourceVersion,
    long Generation,
    int Replicas,
    JsonObject Template,
    string TemplateHash,
    JsonNode? Selector,
    string MaxUnavailable,
    IReadOnlyDictionary<string, string> Annotations,
    JsonNode? Status)
    : CachedObject(Namespace, Name, Uid, ResourceVersion)
{
    public static DeploymentInfo From(StoredObject stored, JsonObject obj)
    {
        var (ns, name, uid, rv) = Meta(stored);
        var meta = obj["metadata"];
        var spec = obj["spec"];
        var template = spec?["template"] as JsonObject ?? new JsonObject();
        return new DeploymentInfo(ns, name, uid, rv,
            Long(meta?["generation"]),
            Int(spec?["replicas"], 1),
            (JsonObject)template.DeepClone(),
            KubernetesConventions.TemplateHash(template),
            spec?["selector"]?.DeepClone(),
            spec?["strategy"]?["rollingUpdate"]?["maxUnavailable"]?.ToString() ?? "25%",
            StringMap(meta?["annotations"]),
            obj["status"]?.DeepClone());
    }
}

internal sealed record StatefulSetInfo(
    string Namespace, string Name, string Uid, long ResourceVersion,
    long Generation,
    int Replicas,
    JsonObject Template,
    string Revision,
    bool Parallel,
    string? ServiceName,
    IReadOnlyDictionary<string, string> Annotations,
    JsonNode? Status)
    : CachedObject(Namespace, Name, Uid, ResourceVersion)
{
    public static StatefulSetInfo From(StoredObject stored, JsonObject obj)
    {
        var (ns, name, uid, rv) = Meta(stored);
        var meta = obj["metadata"];
        var spec = obj["spec"];
        var template = spec?["template"] as JsonObject ?? new JsonObject();
        return new StatefulSetInfo(ns, name, uid, rv,
            Long(meta?["generation"]),
            Int(spec?["replicas"], 1),
            (JsonObject)template.DeepClone(),
            $"{name}-{KubernetesConventions.TemplateHash(template)}",
            Str(spec?["podManagementPolicy"]) == "Parallel",
            Str(spec?["serviceName"]),
            StringMap(meta?["annotations"]),
            obj["status"]?.DeepClone());
    }
}
