using System.Globalization;
using ActorScaler.Core.Durations;
using ActorScaler.Hosting;

namespace ActorScaler.Bench;

/// <summary>What every `actorscaler run` member of a <see cref="ProcessCluster"/> is started with.</summary>
public sealed record MemberProcessOptions
{
    public TimeSpan SyncPeriod { get; init; } = RunOptions.DefaultSyncPeriod;

    public TimeSpan MetricResolution { get; init; } = RunOptions.DefaultMetricResolution;

    /// <summary>Members the first ones wait for before allocating work (--min-members); null = all of them.</summary>
    public int? MinMembers { get; init; }

    /// <summary>More `run` flags, appended as given (e.g. "--horizontal-pod-autoscaler-downscale-stabilization", "30s").</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>
/// One `actorscaler run` member as its own OS process: its Akka port and HTTP port are fixed when it is
/// created, so a restart comes back at the same address (as a StatefulSet pod does) and rejoins.
/// Ready when its /readyz answers 200 (member Up, informer caches synced).
/// </summary>
public sealed class MemberProcess : IAsyncDisposable
{
    internal MemberProcess(int index, ChildProcess process, int clusterPort, int httpPort)
    {
        Index = index;
        Process = process;
        ClusterPort = clusterPort;
        HttpPort = httpPort;
    }

    public int Index { get; }

    public ChildProcess Process { get; }

    /// <summary>The Akka remoting port (--cluster-port).</summary>
    public int ClusterPort { get; }

    /// <summary>The plain-HTTP port of /readyz, /healthz, /metrics and the Metrics API.</summary>
    public int HttpPort { get; }

    public Uri HttpBaseUrl => new($"http://127.0.0.1:{HttpPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>"127.0.0.1:port", as the member names itself in its User-Agent and Akka address.</summary>
    public string ClusterAddress => $"127.0.0.1:{ClusterPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The `run` arguments of one member.</summary>
    public static IReadOnlyList<string> Arguments(MemberProcessOptions options, string kubeconfig, string caFile, int clusterPort, int httpPort,
        IReadOnlyList<int> seedPorts, int minMembers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(seedPorts);
        var args = new List<string>
        {
            "run",
            "--kubeconfig", kubeconfig,
            // One CA signs the API server's and the kubelets' certificates: verify both with it.
            "--kubelet-certificate-authority", caFile,
            "--cluster-port", clusterPort.ToString(CultureInfo.InvariantCulture),
            "--cluster-hostname", "127.0.0.1",
            "--seed-nodes", string.Join(',', seedPorts.Select(p => $"127.0.0.1:{p.ToString(CultureInfo.InvariantCulture)}")),
            "--min-members", minMembers.ToString(CultureInfo.InvariantCulture),
            "--listen-address", $"127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
            "--listen-insecure-http",
            "--horizontal-pod-autoscaler-sync-period", GoDuration.Format(options.SyncPeriod),
            "--metric-resolution", GoDuration.Format(options.MetricResolution),
        };
        args.AddRange(options.ExtraArguments);
        return args;
    }

    /// <summary>Waits until /readyz answers 200 (member Up, caches synced); fails early (with the member's output) if it exits.</summary>
    public Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForAsync("/readyz", "ready", timeout, cancellationToken);

    /// <summary>Waits until /healthz answers 200: the process serves and its actor system runs, whatever
    /// the cluster decided about it.</summary>
    public Task WaitLiveAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForAsync("/healthz", "live", timeout, cancellationToken);

    private async Task WaitForAsync(string path, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = HttpBaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + timeout;
        var last = "no answer yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Process.IsRunning)
                throw new InvalidOperationException($"member {Index} exited with code {Process.ExitCode} before it was {what}; its output ({Process.LogPath}):\n{Process.RecentOutput(ChildProcess.ErrorContextLines)}");
            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                    return;
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = $"{path} timed out";
            }
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"member {Index} was not {what} within {timeout.TotalSeconds:0}s (last {path}: {last}); its output ({Process.LogPath}):\n{Process.RecentOutput(ChildProcess.ErrorContextLines)}");
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
