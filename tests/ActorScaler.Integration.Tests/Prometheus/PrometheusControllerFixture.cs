using ActorScaler.Hosting;
using ActorScaler.Integration.Tests.Controller;
using ActorScaler.Prometheus.Tests.Support;
using ActorScaler.Simulator.Metrics;

namespace ActorScaler.Integration.Tests.Prometheus;

/// <summary>
/// The whole controller on custom and external metrics: a real Prometheus scraping the simulated pods'
/// /metrics (through a file-SD list kept in step with the simulator's endpoints) and a static target for
/// queue and Service gauges, and one in-process member started with --prometheus-url/--prometheus-rules.
/// Periods are short so each scenario takes seconds: 1 s scrapes, syncs and polls.
/// </summary>
public sealed class PrometheusControllerFixture : IAsyncLifetime
{
    public const string RulesYaml = """
        rules:
        - seriesQuery: 'http_requests_total{namespace!="",pod!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
              pod: {resource: pod}
          name:
            matches: "^(.*)_total$"
            as: "${1}_per_second"
          metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[5s])) by (<<.GroupBy>>)'
        - seriesQuery: 'service_inflight_requests{namespace!="",service!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
              service: {resource: service}
          metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
        # Prometheus refuses this rule's query (unbalanced parenthesis): the HPA's condition must say so.
        - seriesQuery: 'broken_requests_total{namespace!="",pod!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
              pod: {resource: pod}
          metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[5s]) by (<<.GroupBy>>)'
        externalRules:
        - seriesQuery: '{__name__="queue_messages_ready",queue!=""}'
          resources:
            overrides:
              namespace: {resource: namespace}
          metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
        """;

    private readonly CancellationTokenSource _stop = new();
    private Task? _fileSdWriter;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"actorscaler-e2e-prom-{Guid.NewGuid():N}");
    public InProcessCluster Cluster { get; private set; } = null!;
    public PrometheusServer Prometheus { get; private set; } = null!;
    public StaticMetricsTarget Static { get; private set; } = null!;
    public string RulesFile => Path.Combine(Directory, "rules.yaml");

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var sd = Path.Combine(Directory, "pods-sd.json");
        PrometheusFileSd.Write(sd, []);
        var rules = RulesFile;
        await File.WriteAllTextAsync(rules, RulesYaml);
        Static = await StaticMetricsTarget.StartAsync();
        Prometheus = await PrometheusServer.StartAsync(new PrometheusServerOptions { FileSdPath = sd, StaticTargets = [Static.Address] });
        Cluster = await InProcessCluster.StartAsync(new InProcessClusterOptions
        {
            Members = 1,
            Nodes = 2,
            Member = ControllerFixture.FastMember with
            {
                PrometheusUrl = Prometheus.Url,
                PrometheusRules = rules,
                PrometheusTimeout = TimeSpan.FromSeconds(2),
                MetricsRelistInterval = TimeSpan.FromSeconds(2),
                CustomMetricsPollInterval = TimeSpan.FromSeconds(1),
            },
        });
        // The in-process cluster writes no file-SD list; keep one in step with its pod endpoints, as
        // `actorscaler sim serve --prometheus-sd-file` does.
        _fileSdWriter = Task.Run(() => WriteFileSdAsync(sd, _stop.Token));
    }

    private async Task WriteFileSdAsync(string path, CancellationToken cancellationToken)
    {
        var last = "";
        while (!cancellationToken.IsCancellationRequested)
        {
            var targets = Cluster.Workloads.PodEndpoints.Targets();
            var text = PrometheusFileSd.Render(targets);
            if (text != last)
            {
                PrometheusFileSd.Write(path, targets);
                last = text;
            }
            try
            {
                await Task.Delay(200, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_fileSdWriter is not null)
            await _fileSdWriter;
        if (Cluster is not null)
            await Cluster.DisposeAsync();
        if (Prometheus is not null)
            await Prometheus.DisposeAsync();
        if (Static is not null)
            await Static.DisposeAsync();
        _stop.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PrometheusControllerCollection : ICollectionFixture<PrometheusControllerFixture>
{
    public const string Name = "controller on prometheus";
}
