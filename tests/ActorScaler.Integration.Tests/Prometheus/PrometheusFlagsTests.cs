using ActorScaler.Commands;
using ActorScaler.Prometheus.Tests.Support;

namespace ActorScaler.Integration.Tests.Prometheus;

/// <summary>`run`'s custom-metrics flags are checked at start, each error naming its flag.</summary>
public sealed class PrometheusFlagsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"actorscaler-flags-{Guid.NewGuid():N}");

    public PrometheusFlagsTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Good_flags_become_options()
    {
        var rules = Write("rules.yaml", PrometheusControllerFixture.RulesYaml);
        var options = new RunCommand.Settings { PrometheusUrl = "http://prometheus.monitoring.svc:9090", PrometheusRules = rules, PrometheusTimeout = "3s", MetricsRelistInterval = "30s" }.ToOptions();
        Assert.Equal(new Uri("http://prometheus.monitoring.svc:9090"), options.PrometheusUrl);
        Assert.Equal(rules, options.PrometheusRules);
        Assert.Equal(TimeSpan.FromSeconds(3), options.PrometheusTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MetricsRelistInterval);
        Assert.False(options.CustomMetricsFromApiServer);
        Assert.True(new RunCommand.Settings { CustomMetricsFromApiServer = true }.ToOptions().CustomMetricsFromApiServer);
        Assert.Null(new RunCommand.Settings().ToOptions().PrometheusUrl);
    }

    [Fact]
    public void Bad_flags_are_refused_naming_the_flag()
    {
        var rules = Write("rules.yaml", PrometheusControllerFixture.RulesYaml);
        var broken = Write("broken.yaml", "rules:\n- seriesQuery: up\n  resources: {template: '<<.Resource>>'}\n  metricsQuery: 'sum(<<.Nope>>)'\n");
        Assert.Equal("--prometheus-url needs --prometheus-rules: the rules file that maps HPA metrics to PromQL",
            Refused(new RunCommand.Settings { PrometheusUrl = "http://p:9090" }));
        Assert.Equal("--prometheus-rules needs --prometheus-url: the Prometheus the rules query",
            Refused(new RunCommand.Settings { PrometheusRules = rules }));
        Assert.Equal("invalid value for --prometheus-url: \"prometheus:9090\": must be an http:// or https:// URL such as http://prometheus.monitoring.svc:9090",
            Refused(new RunCommand.Settings { PrometheusUrl = "prometheus:9090", PrometheusRules = rules }));
        Assert.Equal($"invalid value for --prometheus-rules: {_directory}/missing.yaml does not exist",
            Refused(new RunCommand.Settings { PrometheusUrl = "http://p:9090", PrometheusRules = Path.Combine(_directory, "missing.yaml") }));
        Assert.Equal($"invalid value for --prometheus-rules: {broken}:4: rules[0].metricsQuery: Invalid value: \"sum(<<.Nope>>)\": can't evaluate field Nope at column 5: "
            + "the fields are .Series, .LabelMatchers, .LabelValuesByName, .GroupBy, .GroupBySlice (rule with seriesQuery \"up\")",
            Refused(new RunCommand.Settings { PrometheusUrl = "http://p:9090", PrometheusRules = broken }));
        Assert.Equal("--prometheus-url and --custom-metrics-from-api-server are mutually exclusive: pick one source of custom metrics",
            Refused(new RunCommand.Settings { PrometheusUrl = "http://p:9090", PrometheusRules = rules, CustomMetricsFromApiServer = true }));
        Assert.StartsWith("invalid value for --prometheus-timeout: ",
            Refused(new RunCommand.Settings { PrometheusUrl = "http://p:9090", PrometheusRules = rules, PrometheusTimeout = "soon" }), StringComparison.Ordinal);
        Assert.Equal("invalid value for --metrics-relist-interval: \"100ms\": must be at least 1s",
            Refused(new RunCommand.Settings { MetricsRelistInterval = "100ms" }));
    }

    private static string Refused(RunCommand.Settings settings) => Assert.Throws<FormatException>(() => settings.ToOptions()).Message;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
