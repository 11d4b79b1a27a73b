using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorScaler.Prometheus.Tests.Support;

/// <summary>What the test Prometheus scrapes.</summary>
public sealed record PrometheusServerOptions
{
    /// <summary>A file_sd_configs target list (the simulator's --prometheus-sd-file); null scrapes none.</summary>
    public string? FileSdPath { get; init; }

    /// <summary>host:port targets scraped as they are (StaticMetricsTarget).</summary>
    public IReadOnlyList<string> StaticTargets { get; init; } = [];

    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus, installed by .ci/test.sh from .ci/requirements) on
/// 127.0.0.1 and a free port, with a generated configuration (1 s scrapes of the file-SD targets and the
/// static ones, labels kept as exposed) and its own storage directory. <see cref="StopAsync"/> and
/// <see cref="StartAgainAsync"/> simulate an outage on the same address. Shared with the integration
/// tests (linked into their project).
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private PrometheusServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}");
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Prometheus's own log so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public static async Task<PrometheusServer> StartAsync(PrometheusServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus package (bash .ci/test.sh does, from .ci/requirements)");
        var directory = Path.Combine(Path.GetTempPath(), $"actorscaler-prometheus-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        await File.WriteAllTextAsync(Path.Combine(directory, "prometheus.yml"), Configuration(options));
        var server = new PrometheusServer(directory, FreePort());
        try
        {
            await server.StartAgainAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>The generated prometheus.yml.</summary>
    public static string Configuration(PrometheusServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var interval = $"{(long)options.ScrapeInterval.TotalMilliseconds}ms";
        var config = new StringBuilder();
        config.Append(CultureInfo.InvariantCulture, $"""
            global:
              scrape_interval: {interval}
              scrape_timeout: {interval}
              evaluation_interval: {interval}
            scrape_configs:

            """);
        if (options.FileSdPath is { } sd)
        {
            // honor_labels keeps the namespace/pod labels the target list gives each pod.
            config.Append(CultureInfo.InvariantCulture, $"""
                - job_name: simulated-pods
                  honor_labels: true
                  file_sd_configs:
                  - files: ['{sd}']
                    refresh_interval: 1s

                """);
        }
        if (options.StaticTargets.Count > 0)
        {
            config.Append(CultureInfo.InvariantCulture, $"""
                - job_name: static
                  honor_labels: true
                  static_configs:
                  - targets: [{string.Join(", ", options.StaticTargets.Select(t => $"'{t}'"))}]

                """);
        }
        return config.ToString();
    }

    /// <summary>Starts (again) on the same port and storage, and waits for /-/ready.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
            return;
        var info = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            $"--config.file={Path.Combine(_directory, "prometheus.yml")}",
            $"--storage.tsdb.path={Path.Combine(_directory, "data")}",
            $"--web.listen-address=127.0.0.1:{Port}",
            "--web.enable-lifecycle",
            "--log.level=warn",
        })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{Binary} did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"prometheus exited with {process.ExitCode} before it was ready:\n{Log}");
            try
            {
                using var response = await http.GetAsync(new Uri(Url, "/-/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"prometheus on {Url} was not ready within {ReadyTimeout.TotalSeconds:0}s:\n{Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>Stops it (POST /-/quit, the lifecycle API; killed if it lingers) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
            return;
        if (!process.HasExited)
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                using var _ = await http.PostAsync(new Uri(Url, "/-/quit"), null);
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
        {
            // Keep the tail: a failure message needs the last lines, not megabytes.
            if (_log.Length > 64 * 1024)
                _log.Remove(0, _log.Length - 32 * 1024);
            _log.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
