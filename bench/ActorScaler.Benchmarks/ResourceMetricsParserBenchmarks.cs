using ActorScaler.Metrics.Scraping;
using ActorScaler.Metrics.Storage;
using BenchmarkDotNet.Attributes;

namespace ActorScaler.Benchmarks;

/// <summary>
/// The kubelet payload path of one scrape: metrics-server's own 70-pod kind payload (its
/// BenchmarkKubeletClient_GetMetrics input: 0.42 ms and 198 KB per parse in Go). Steady state: the
/// scraper reuses its parser (interned names) and scrape buffers, as a NodeScraper does every resolution.
/// </summary>
[MemoryDiagnoser]
public class ResourceMetricsParserBenchmarks
{
    private const string Fixture = "tests/ActorScaler.Metrics.Tests/Fixtures/metrics-server-client_test-70pods-kind-k8s1.21.txt";
    private byte[] _payload = [];
    // The payload as 256 successive scrapes 15 s apart (every timestamp and counter moved on), so each
    // ParseAndRate call computes real rates; only the wrap-around (1 call in 256) finds older samples.
    private byte[][] _successive = [];
    private int _next;
    private readonly ResourceMetricsParser _parser = new();
    private readonly ResourceMetricsScrape _scrape = new();
    private NodeRateCalculator _calculator = null!;
    private long _requestTimeNs;

    [GlobalSetup]
    public void Setup()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ActorScaler.sln")))
            directory = directory.Parent;
        if (directory is null)
            throw new InvalidOperationException($"run from inside the repository: {Fixture} not found above {AppContext.BaseDirectory}");
        _payload = File.ReadAllBytes(Path.Combine(directory.FullName, Fixture));
        var text = System.Text.Encoding.UTF8.GetString(_payload);
        _successive = Enumerable.Range(1, 256).Select(i => System.Text.Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text,
            @"^(container_cpu_usage_seconds_total\{[^}]*\}|node_cpu_usage_seconds_total) ([0-9.e+]+) (16\d{11})$",
            m => FormattableString.Invariant($"{m.Groups[1].Value} {double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) + 0.15 * i} {long.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) + 15_000L * i}"),
            System.Text.RegularExpressions.RegexOptions.Multiline))).ToArray();
        _requestTimeNs = 1_633_253_820_000L * 1_000_000;
        _calculator = new NodeRateCalculator("kind-control-plane", TimeSpan.FromSeconds(15));
        // Warm the interned names and list capacities, as after a scraper's first scrape.
        _parser.Parse(_payload, _requestTimeNs, _scrape);
        _calculator.Apply(_scrape, _requestTimeNs);
    }

    /// <summary>Parse only: bytes to samples.</summary>
    [Benchmark(Baseline = true)]
    public int Parse()
    {
        _parser.Parse(_payload, _requestTimeNs, _scrape);
        return _scrape.Containers.Count;
    }

    /// <summary>Parse plus rates: what a scraper does with every answer (the batch is the published message).</summary>
    [Benchmark]
    public int ParseAndRate()
    {
        var payload = _successive[_next];
        _next = (_next + 1) % _successive.Length;
        _requestTimeNs += 15_000_000_000;
        _parser.Parse(payload, _requestTimeNs, _scrape);
        return _calculator.Apply(_scrape, _requestTimeNs).Pods.Length;
    }
}
