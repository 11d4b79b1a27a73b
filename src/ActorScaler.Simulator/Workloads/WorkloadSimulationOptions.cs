using ActorScaler.Simulator.Kubelets;
using ActorScaler.Simulator.Load;

namespace ActorScaler.Simulator.Workloads;

/// <summary>How big the simulated cluster is and how its pods behave.</summary>
public sealed record WorkloadSimulationOptions
{
    /// <summary>Number of simulated nodes, each with its own kubelet port.</summary>
    public int NodeCount { get; init; } = 3;

    /// <summary>Node names are this prefix and a four-digit ordinal: sim-node-0001, sim-node-0002, ...</summary>
    public string NodeNamePrefix { get; init; } = "sim-node-";

    /// <summary>Node CPU capacity (a Kubernetes quantity); allocatable is the same.</summary>
    public string NodeCpu { get; init; } = "8";

    /// <summary>Node memory capacity (a Kubernetes quantity).</summary>
    public string NodeMemory { get; init; } = "32Gi";

    /// <summary>Pods per node (the kubelet's --max-pods default).</summary>
    public int NodeMaxPods { get; init; } = 110;

    /// <summary>The kubelet version reported in nodeInfo (1.29+ is the format served).</summary>
    public string KubeletVersion { get; init; } = "v1.31.0";

    public KubeletCertificateMode KubeletCertificateMode { get; init; } = KubeletCertificateMode.IpSan;

    /// <summary>
    /// The CA that signs kubelet certificates; null creates one. Pass the API server's CA to have one
    /// CA file for the whole simulated cluster.
    /// </summary>
    public SimulatorCertificateAuthority? CertificateAuthority { get; init; }

    /// <summary>Where to write the CA certificate (PEM), e.g. beside the kubeconfig; null writes nothing.</summary>
    public string? CaFile { get; init; }

    /// <summary>Time from container start to Ready when the workload has no ready-after annotation.</summary>
    public TimeSpan DefaultReadyAfter { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time from scheduling to running containers (image pull and start).</summary>
    public TimeSpan ContainerStartDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a deleted pod stays Terminating before it is removed.</summary>
    public TimeSpan TerminationGracePeriod { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often time-driven transitions are checked (keeps changes visible within a second).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Prometheus file-SD file listing every pod /metrics endpoint; null writes none.</summary>
    public string? PrometheusSdFile { get; init; }

    public UsageModelOptions Usage { get; init; } = new();

    /// <summary>Checks the options; returns the problems, each naming its field.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (NodeCount < 0) errors.Add($"nodeCount: Invalid value: {NodeCount}: must be greater than or equal to 0");
        if (NodeMaxPods <= 0) errors.Add($"nodeMaxPods: Invalid value: {NodeMaxPods}: must be greater than 0");
        if (!Core.Quantities.Quantity.TryParse(NodeCpu, out var cpu, out var cpuError) || cpu.CompareTo(default) <= 0)
        {
            errors.Add($"nodeCpu: Invalid value: \"{NodeCpu}\": {cpuError ?? "must be greater than 0"}");
        }
        if (!Core.Quantities.Quantity.TryParse(NodeMemory, out var memory, out var memoryError) || memory.CompareTo(default) <= 0)
        {
            errors.Add($"nodeMemory: Invalid value: \"{NodeMemory}\": {memoryError ?? "must be greater than 0"}");
        }
        if (DefaultReadyAfter < TimeSpan.Zero) errors.Add("defaultReadyAfter: must be greater than or equal to 0");
        if (ContainerStartDelay < TimeSpan.Zero) errors.Add("containerStartDelay: must be greater than or equal to 0");
        if (TerminationGracePeriod < TimeSpan.Zero) errors.Add("terminationGracePeriod: must be greater than or equal to 0");
        if (ReconcileInterval <= TimeSpan.Zero) errors.Add("reconcileInterval: must be greater than 0");
        if (string.IsNullOrWhiteSpace(NodeNamePrefix)) errors.Add("nodeNamePrefix: Required value");
        return errors;
    }
}
