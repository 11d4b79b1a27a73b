using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace ActorScaler.Simulator.Tests.Api;

/// <summary>An in-process simulator on a free port (API only unless asked for workloads), with its kubeconfig.</summary>
public sealed class SimulatorFixture : IAsyncDisposable
{
    private SimulatorFixture(SimulatedCluster cluster, string directory, HttpClient http)
    {
        Cluster = cluster;
        Directory = directory;
        Http = http;
    }

    public SimulatedCluster Cluster { get; }
    public string Directory { get; }
    /// <summary>A raw HTTP client trusting the simulator CA, based at the API URL.</summary>
    public HttpClient Http { get; }
    public string Kubeconfig => Cluster.KubeconfigPath!;

    /// <param name="workloads">Keep the options' nodes and workload simulation; otherwise serve the API only.</param>
    public static async Task<SimulatorFixture> StartAsync(SimulatorOptions? options = null, bool workloads = false)
    {
        var directory = Path.Combine(Path.GetTempPath(), "s1sim-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        options ??= new SimulatorOptions();
        options = workloads
            ? options with { KubeconfigOut = Path.Combine(directory, "kubeconfig") }
            : options with { Nodes = 0, SimulateWorkloads = false, KubeconfigOut = Path.Combine(directory, "kubeconfig") };
        var cluster = await SimulatedCluster.StartAsync(options);
        var handler = new HttpClientHandler();
        if (options.Https)
        {
            var ca = cluster.CertificateAuthority.Certificate;
            handler.ServerCertificateCustomValidationCallback = (_, cert, _, errors) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert);
            };
        }
        var http = new HttpClient(handler) { BaseAddress = cluster.ApiBaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        return new SimulatorFixture(cluster, directory, http);
    }

    public Kubernetes Client(string? userAgent = null)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig);
        var client = new Kubernetes(config);
        if (userAgent is not null)
        {
            client.HttpClient.DefaultRequestHeaders.UserAgent.Clear();
            client.HttpClient.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue(userAgent, "1.0"));
        }
        return client;
    }

    public async Task<(int Status, JsonNode? Body)> SendAsync(HttpMethod method, string path, string? body = null,
        string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        if (body is not null) request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                json = JsonValue.Create(text);
            }
        }
        return ((int)response.StatusCode, json);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a kubectl cache file may still be open.
        }
    }
}
