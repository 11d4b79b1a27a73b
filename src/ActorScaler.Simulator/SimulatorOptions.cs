namespace ActorScaler.Simulator;

/// <summary>How to start a <see cref="SimulatedCluster"/>.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Simulated nodes (0 = a control plane without nodes).</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>API server port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Where to write the kubeconfig (and the CA file beside it); null writes none.</summary>
    public string? KubeconfigOut { get; init; }

    /// <summary>Prometheus file-SD target list of every simulated pod's /metrics; null writes none.</summary>
    public string? PrometheusSdFile { get; init; }

    /// <summary>Manifest files (YAML or JSON, multi-document) applied after start.</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];

    /// <summary>The version /version reports. Its minor picks the kubectl the dispatcher runs.</summary>
    public string KubernetesVersion { get; init; } = "v1.33.1";

    /// <summary>Serve HTTPS with a simulator CA (true) or plain HTTP.</summary>
    public bool Https { get; init; } = true;

    /// <summary>Changes retained per resource for watches resuming from a resourceVersion.</summary>
    public int WatchHistory { get; init; } = Storage.ClusterStore.DefaultWatchHistory;

    /// <summary>How often watches with allowWatchBookmarks get a BOOKMARK.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Start the node and workload simulation (kubelets, controllers); false serves the API only.</summary>
    public bool SimulateWorkloads { get; init; } = true;

    /// <summary>The clock for object timestamps and the simulation; null = system clock.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Returns the problems, each naming its option.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Nodes < 0) problems.Add($"nodes: Invalid value: {Nodes}: must be greater than or equal to 0");
        if (Port is < 0 or > 65535) problems.Add($"port: Invalid value: {Port}: must be between 0 and 65535");
        if (WatchHistory < 1) problems.Add($"watchHistory: Invalid value: {WatchHistory}: must be at least 1");
        if (BookmarkInterval <= TimeSpan.Zero) problems.Add("bookmarkInterval: must be positive");
        try
        {
            Api.KubernetesVersion.Parse(KubernetesVersion);
        }
        catch (ArgumentException e)
        {
            problems.Add(e.Message.Split(" (Parameter", StringSplitOptions.None)[0]);
        }
        foreach (var manifest in Manifests)
        {
            if (!File.Exists(manifest)) problems.Add($"manifests: file \"{manifest}\" does not exist");
        }
        return problems;
    }
}
