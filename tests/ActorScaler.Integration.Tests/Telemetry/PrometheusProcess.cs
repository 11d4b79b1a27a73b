using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace ActorScaler.Integration.Tests.Telemetry;

/// <summary>
/// A real Prometheus (Debian's /usr/bin/prometheus, installed by the CI script) on 127.0.0.1 and a free
/// port, with a generated config scraping the given targets every second and its data in a temp dir.
/// </summary>
public sealed class PrometheusProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly Process _process;
    private readonly string _directory;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusProcess(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (host:port, plain HTTP) at /metrics.</summary>
    public static async Task<PrometheusProcess> StartAsync(IReadOnlyList<string> targets, TimeSpan readyTimeout)
    {
        if (!File.Exists(Binary))
            throw new InvalidOperationException($"{Binary} is missing: install Debian's prometheus package (bash .ci/test.sh installs .ci/requirements)");
        var directory = Directory.CreateTempSubdirectory("actorscaler-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: actorscaler
                metrics_path: /metrics
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        var port = FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
        })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start");
        // Prometheus logs to stderr; drain both pipes so it never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var prometheus = new PrometheusProcess(process, directory, new Uri($"http://127.0.0.1:{port}"));
        await prometheus.WaitReadyAsync(readyTimeout);
        return prometheus;
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode} before it was ready");
            try
            {
                using var response = await _http.GetAsync(new Uri(Url, "/-/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"prometheus was not ready within {timeout.TotalSeconds:0}s");
            await Task.Delay(200);
        }
    }

    /// <summary>An instant PromQL query: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        var url = new Uri(Url, $"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url));
        var data = document.RootElement.GetProperty("data");
        var result = new List<(IReadOnlyDictionary<string, string>, double)>();
        foreach (var series in data.GetProperty("result").EnumerateArray())
        {
            var labels = series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
            var value = double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            result.Add((labels, value));
        }
        return result;
    }

    /// <summary>The scrape targets' health as Prometheus sees them ("up", "down", "unknown").</summary>
    public async Task<IReadOnlyList<string>> TargetHealthAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Url, "/api/v1/targets")));
        return [.. document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
            .Select(t => $"{t.GetProperty("scrapeUrl").GetString()} {t.GetProperty("health").GetString()} {t.GetProperty("lastError").GetString()}")];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still being closed: the temp dir is cleaned by the system later.
        }
    }
}
