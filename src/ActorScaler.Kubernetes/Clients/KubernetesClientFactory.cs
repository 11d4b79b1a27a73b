using k8s;

namespace ActorScaler.Kubernetes.Clients;

/// <summary>Where the API server is: a kubeconfig file, or the in-cluster service account.</summary>
public sealed record KubernetesConnection(string? KubeconfigPath, bool InCluster, string UserAgent)
{
    public static KubernetesConnection FromKubeconfig(string path, string userAgent) => new(path, false, userAgent);
}

public static class KubernetesClientFactory
{
    /// <summary>Builds the official client. The User-Agent names the member, so the API server's audit
    /// (and the simulator's) can tell which member wrote what.</summary>
    public static IKubernetes Create(KubernetesConnection connection)
    {
        KubernetesClientConfiguration config;
        if (connection.InCluster)
        {
            config = KubernetesClientConfiguration.InClusterConfig();
        }
        else
        {
            var path = connection.KubeconfigPath
                ?? Environment.GetEnvironmentVariable("KUBECONFIG")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            if (!File.Exists(path))
                throw new FileNotFoundException($"kubeconfig {path} does not exist", path);
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }
        config.UserAgent = connection.UserAgent;
        // Watches are long-lived; per-call timeouts are set per request instead.
        config.HttpClientTimeout = TimeSpan.FromSeconds(30);
        return new k8s.Kubernetes(config);
    }
}
