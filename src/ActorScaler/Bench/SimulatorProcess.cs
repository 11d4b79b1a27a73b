using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ActorScaler.Simulator.Kubelets;

namespace ActorScaler.Bench;

/// <summary>What `actorscaler sim serve` is started with.</summary>
public sealed record SimulatorProcessOptions
{
    /// <summary>Simulated nodes, each with its own HTTPS kubelet port.</summary>
    public int Nodes { get; init; } = 3;

    /// <summary>Manifests applied at start (the fast way to load thousands of objects: no HTTP round trips).</summary>
    public IReadOnlyList<string> Manifests { get; init; } = [];

    /// <summary>Extra environment for the process (e.g. DOTNET_gcServer).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>
/// `actorscaler sim serve` as its own OS process on a free loopback port: HTTPS with the simulator's
/// CA, the kubeconfig and CA file written into the output directory (the CA also verifies the
/// kubelets), ready once /readyz answers over TLS verified with that CA.
/// </summary>
public sealed class SimulatorProcess : IAsyncDisposable
{
    public const string KubeconfigFileName = "sim.kubeconfig";

    private SimulatorProcess(ChildProcess process, int port, string kubeconfig)
    {
        Process = process;
        Port = port;
        KubeconfigPath = kubeconfig;
        CaFile = Path.Combine(Path.GetDirectoryName(kubeconfig)!, SimulatorCertificateAuthority.CaFileName);
    }

    public ChildProcess Process { get; }

    public int Port { get; }

    public Uri ApiBaseUrl => new($"https://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>The kubeconfig the simulator wrote (server URL and CA file).</summary>
    public string KubeconfigPath { get; }

    /// <summary>The simulator CA: it signs the API server's and every kubelet's serving certificate.</summary>
    public string CaFile { get; }

    /// <summary>The `sim serve` arguments for a port and an output directory.</summary>
    public static IReadOnlyList<string> Arguments(SimulatorProcessOptions options, int port, string kubeconfigPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        var args = new List<string>
        {
            "sim", "serve",
            "--nodes", options.Nodes.ToString(CultureInfo.InvariantCulture),
            "--port", port.ToString(CultureInfo.InvariantCulture),
            "--kubeconfig-out", kubeconfigPath,
        };
        foreach (var manifest in options.Manifests)
        {
            args.Add("--filename");
            args.Add(manifest);
        }
        return args;
    }

    /// <summary>Starts the simulator and waits until it serves (or fails with its output in the message).</summary>
    public static async Task<SimulatorProcess> StartAsync(SimulatorProcessOptions options, string outDirectory, TimeSpan readyTimeout,
        ActorScalerExecutable? executable = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Nodes < 0)
            throw new ArgumentException($"nodes: must be at least 0, got {options.Nodes}", nameof(options));
        Directory.CreateDirectory(outDirectory);
        var kubeconfig = Path.GetFullPath(Path.Combine(outDirectory, KubeconfigFileName));
        for (var attempt = 1; ; attempt++)
        {
            // A free port is only free when it is probed: another process (an outgoing connection's
            // ephemeral port, another test's server) can take it before the simulator binds it. Then
            // the simulator exits with "address already in use", and a new port is tried.
            var port = LoopbackPorts.Free(1)[0];
            if (File.Exists(kubeconfig))
                File.Delete(kubeconfig);
            var child = new ChildProcess("simulator", executable ?? ActorScalerExecutable.Current(), Arguments(options, port, kubeconfig),
                Path.Combine(outDirectory, "simulator.log"), options.Environment);
            var simulator = new SimulatorProcess(child, port, kubeconfig);
            try
            {
                child.Start();
                await simulator.WaitReadyAsync(readyTimeout, cancellationToken).ConfigureAwait(false);
                return simulator;
            }
            catch (InvalidOperationException) when (attempt < PortAttempts && !child.IsRunning
                && child.RecentOutput().Contains("address already in use", StringComparison.Ordinal))
            {
                await simulator.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await simulator.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Ports tried when the probed one was taken before the simulator could bind it.</summary>
    private const int PortAttempts = 3;

    /// <summary>An HTTP client for the simulator's API and admin routes that trusts exactly its CA.</summary>
    public HttpClient CreateHttpClient(TimeSpan? timeout = null)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(CaFile));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 cert && IssuedBy(cert, ca),
            },
        };
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = ApiBaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static bool IssuedBy(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        HttpClient? http = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!Process.IsRunning)
                    throw new InvalidOperationException($"the simulator exited with code {Process.ExitCode} before it was ready; its output ({Process.LogPath}):\n{Process.RecentOutput(ChildProcess.ErrorContextLines)}");
                // The kubeconfig and CA are written once the API server listens (and the manifests follow).
                if (http is null && File.Exists(KubeconfigPath) && File.Exists(CaFile))
                {
                    try
                    {
                        http = CreateHttpClient(TimeSpan.FromSeconds(5));
                    }
                    catch (System.Security.Cryptography.CryptographicException)
                    {
                        // The CA file is being written: read it again on the next round.
                    }
                }
                if (http is not null && Process.RecentOutput().Contains("Press Ctrl+C", StringComparison.Ordinal))
                {
                    try
                    {
                        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode)
                            return;
                    }
                    catch (HttpRequestException)
                    {
                    }
                    catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                    }
                }
                if (DateTimeOffset.UtcNow > deadline)
                    throw new TimeoutException($"the simulator was not ready within {timeout.TotalSeconds:0}s; its output ({Process.LogPath}):\n{Process.RecentOutput(ChildProcess.ErrorContextLines)}");
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            http?.Dispose();
        }
    }
}
