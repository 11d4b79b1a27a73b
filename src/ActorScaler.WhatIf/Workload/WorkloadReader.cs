using ActorScaler.WhatIf.Inputs;

namespace ActorScaler.WhatIf.Workload;

/// <summary>Reads a Deployment or StatefulSet manifest into a <see cref="WorkloadSpec"/>.</summary>
public static class WorkloadReader
{
    /// <summary>The workload kinds the simulator can stand in for (both scale through /scale the same way).</summary>
    public static readonly IReadOnlyList<string> SupportedKinds = ["Deployment", "StatefulSet"];

    public static WorkloadSpec ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new SimulationInputException(path, null, "file not found");
        return Parse(path, File.ReadAllText(path));
    }

    /// <summary>Takes the first Deployment/StatefulSet document, so a file that also holds a Service works.</summary>
    public static WorkloadSpec Parse(string file, string text)
    {
        var docs = YamlInput.LoadAll(file, text);
        var kinds = new List<string>();
        foreach (var doc in docs)
        {
            if (!doc.IsMapping)
                continue;
            var kind = doc.Child("kind")?.Scalar() ?? "";
            if (SupportedKinds.Contains(kind))
                return ParseWorkload(doc, kind);
            kinds.Add(kind.Length == 0 ? "(no kind)" : kind);
        }
        throw new SimulationInputException(file, "kind",
            $"expected a Deployment or StatefulSet, found {string.Join(", ", kinds)}");
    }

    private static WorkloadSpec ParseWorkload(YamlInput doc, string kind)
    {
        var metadata = doc.Required("metadata");
        var name = metadata.Required("name").Scalar();
        var ns = metadata.Child("namespace")?.Scalar() ?? "default";
        var spec = doc.Required("spec");
        var replicas = spec.Child("replicas") is { } r ? r.Int32() : 1;
        if (replicas < 0)
            throw spec.Required("replicas").Error("must be 0 or more");

        var selector = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.Child("selector")?.Child("matchLabels") is { } matchLabels)
        {
            foreach (var key in matchLabels.Keys)
                selector[key] = matchLabels.Required(key).Scalar();
        }

        var podSpec = spec.Required("template").Required("spec");
        var containers = podSpec.Required("containers").Items().Select(ParseContainer).ToList();
        if (containers.Count == 0)
            throw podSpec.Required("containers").Error("a pod needs at least one container");
        var sidecars = (podSpec.Child("initContainers")?.Items() ?? [])
            .Where(c => c.Child("restartPolicy")?.Scalar() == "Always")
            .Select(ParseContainer)
            .ToList();

        return new WorkloadSpec
        {
            Kind = kind,
            ApiVersion = doc.Child("apiVersion")?.Scalar() ?? "apps/v1",
            Name = name,
            Namespace = ns,
            Replicas = replicas,
            SelectorLabels = selector,
            Containers = containers,
            SidecarContainers = sidecars,
            OrderedReady = kind == "StatefulSet" && (spec.Child("podManagementPolicy")?.Scalar() ?? "OrderedReady") == "OrderedReady",
            SourceFile = doc.File,
        };
    }

    private static ContainerResources ParseContainer(YamlInput container)
    {
        var resources = container.Child("resources");
        var requests = resources?.Child("requests");
        var limits = resources?.Child("limits");
        var cpuLimit = limits?.Child("cpu")?.Quantity();
        var memoryLimit = limits?.Child("memory")?.Quantity();
        return new ContainerResources
        {
            Name = container.Required("name").Scalar(),
            // API defaulting: a request left out where a limit is given defaults to the limit.
            CpuRequest = requests?.Child("cpu")?.Quantity() ?? cpuLimit,
            MemoryRequest = requests?.Child("memory")?.Quantity() ?? memoryLimit,
            CpuLimit = cpuLimit,
            MemoryLimit = memoryLimit,
            FieldPath = container.Path,
            // Point errors at the requests block when there is one (that is where a request goes).
            Line = requests?.Line ?? resources?.Line ?? container.Line,
        };
    }
}
