using ActorScaler.Prometheus.Rules;
using ActorScaler.Prometheus.Tests.Support;

namespace ActorScaler.Prometheus.Tests.Rules;

public sealed class RulesLoaderTests
{
    [Fact]
    public void The_adapter_fixture_loads_with_its_custom_and_external_rules()
    {
        var rules = RulesLoader.LoadFile(Fixtures.Path("prometheus-adapter-config.yaml"));

        Assert.Equal(2, rules.Rules.Count);
        var pods = rules.Rules[0];
        Assert.Equal("rules[0]", pods.Path);
        Assert.Equal("http_requests_total{namespace!=\"\",pod!=\"\"}", pods.SeriesQuery);
        Assert.Equal(GroupResource.Pod, pods.Overrides["pod"]);
        Assert.Equal(GroupResource.Namespace, pods.Overrides["namespace"]);
        Assert.Equal("http_requests_per_second", pods.MetricNameFor("http_requests_total"));
        Assert.Null(pods.MetricNameFor("http_requests"));
        Assert.Equal("pod", pods.LabelFor(GroupResource.Pod));

        var ingress = rules.Rules[1];
        Assert.Equal(new GroupResource("networking.k8s.io", "ingress"), ingress.Overrides["ingress"]);
        Assert.Equal("requests_per_second", ingress.MetricNameFor("nginx_ingress_controller_requests"));

        var external = Assert.Single(rules.ExternalRules);
        Assert.True(external.External);
        Assert.True(external.Namespaced);
        Assert.Equal("externalRules[0]", external.Path);
        Assert.Equal("queue_messages_ready", external.MetricNameFor("rabbitmq_queue_messages_ready"));
    }

    [Fact]
    public void Defaults_follow_the_adapter_name_matches_everything_and_as_takes_the_only_capture_group()
    {
        var rules = RulesLoader.Load("""
            rules:
            - seriesQuery: 'up'
              resources: {template: '<<.Resource>>'}
              metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
            - seriesQuery: 'x_seconds_total'
              resources: {template: 'kube_<<.Group>>_<<.Resource>>'}
              seriesFilters:
              - isNot: '^x_skip'
              name: {matches: '^x_(.*)_total$'}
              metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
            """, "rules.yaml");

        Assert.Equal("up", rules.Rules[0].MetricNameFor("up"));
        Assert.Equal("seconds", rules.Rules[1].MetricNameFor("x_seconds_total"));
        Assert.False(rules.Rules[1].SeriesFilters[0].Keeps("x_skip_total"));
        Assert.True(rules.Rules[1].SeriesFilters[0].Keeps("x_seconds_total"));
        // The template names labels for any resource and reads them back.
        Assert.Equal("pod", rules.Rules[0].LabelFor(GroupResource.Pod));
        Assert.Equal(GroupResource.Pod, rules.Rules[0].ResourceFor("pod"));
        Assert.Equal("kube_apps_deployment", rules.Rules[1].LabelFor(new GroupResource("apps", "deployment")));
        Assert.Equal(new GroupResource("apps", "deployment"), rules.Rules[1].ResourceFor("kube_apps_deployment"));
        Assert.Null(rules.Rules[1].ResourceFor("job"));
    }

    [Fact]
    public void Resources_named_in_the_plural_are_the_same_resources()
    {
        var rules = RulesLoader.Load("""
            rules:
            - seriesQuery: 'x'
              resources:
                overrides:
                  pod: {resource: pods}
                  ingress: {group: networking.k8s.io, resource: ingresses}
                  policy: {resource: policies}
              metricsQuery: 'x'
            """, "rules.yaml");
        Assert.Equal(GroupResource.Pod, rules.Rules[0].Overrides["pod"]);
        Assert.Equal(new GroupResource("networking.k8s.io", "ingress"), rules.Rules[0].Overrides["ingress"]);
        Assert.Equal("policy", rules.Rules[0].Overrides["policy"].Resource);
        Assert.Equal("ingresses.networking.k8s.io", new GroupResource("networking.k8s.io", "ingress").PluralName);
    }

    [Theory]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          resources: {template: '<<.Resource>>'}
          metricsQuery: 'sum(<<.Serie>>)'
        """,
        "rules.yaml:4: rules[0].metricsQuery: Invalid value: \"sum(<<.Serie>>)\": can't evaluate field Serie at column 5: the fields are .Series, .LabelMatchers, .LabelValuesByName, .GroupBy, .GroupBySlice (rule with seriesQuery \"up\")")]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          resources: {template: '<<.Resource>>'}
          metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers}) by (<<.GroupBy>>)'
        """,
        "rules.yaml:4: rules[0].metricsQuery: Invalid value: \"sum(<<.Series>>{<<.LabelMatchers}) by (<<.GroupBy>>)\": unclosed action: \"<<\" at column 17 has no \">>\" before the next \"<<\" (rule with seriesQuery \"up\")")]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          resources: {template: '<<.Resource>>'}
          metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers'
        """,
        "rules.yaml:4: rules[0].metricsQuery: Invalid value: \"sum(<<.Series>>{<<.LabelMatchers\": unclosed action: \"<<\" at column 17 has no \">>\" (rule with seriesQuery \"up\")")]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          resources: {template: '<<.Resource>>'}
          name: {matches: '^(up'}
          metricsQuery: 'x'
        """,
        "rules.yaml:4: rules[0].name.matches: Invalid value: \"^(up\": not a regular expression: Invalid pattern '^(up' at offset 4. Not enough )'s. (rule with seriesQuery \"up\")")]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          resources: {template: '<<.Resource>>'}
          metricQuery: 'x'
        """,
        "rules.yaml: 2 problems:\n  rules.yaml:4: rules[0]: unknown field \"metricQuery\" (the fields are seriesQuery, seriesFilters, resources, name, metricsQuery) (rule with seriesQuery \"up\")\n  rules.yaml:2: rules[0].metricsQuery: Required value: the query template, e.g. 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)' (rule with seriesQuery \"up\")")]
    [InlineData("""
        externalRules:
        - resources: {namespaced: maybe}
          metricsQuery: 'x'
        """,
        "rules.yaml: 2 problems:\n  rules.yaml:2: externalRules[0].seriesQuery: Required value: the series to discover, e.g. 'http_requests_total{namespace!=\"\",pod!=\"\"}'\n  rules.yaml:2: externalRules[0].resources.namespaced: Invalid value: \"maybe\": must be true or false")]
    [InlineData("""
        rules:
        - seriesQuery: 'a_b_total'
          resources: {overrides: {pod: {resource: pod}}}
          name: {matches: '^(a)_(b)_total$'}
          metricsQuery: 'x'
        """,
        "rules.yaml:4: rules[0].name.as: Required value: name.matches \"^(a)_(b)_total$\" has 2 capture groups, so the name cannot be guessed (rule with seriesQuery \"a_b_total\")")]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          metricsQuery: 'x'
        """,
        "rules.yaml:2: rules[0].resources: Required value: overrides or template, so the rule's series can be tied to pods or objects (rule with seriesQuery \"up\")")]
    [InlineData("""
        rules:
        - seriesQuery: 'up'
          resources: {overrides: {pod-name: {resource: pod}, namespace: {}}}
          metricsQuery: 'x'
        """,
        "rules.yaml: 2 problems:\n  rules.yaml:3: rules[0].resources.overrides[pod-name]: Invalid value: \"pod-name\": not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*) (rule with seriesQuery \"up\")\n  rules.yaml:3: rules[0].resources.overrides[namespace].resource: Required value: the resource this label names, e.g. pod or namespace (rule with seriesQuery \"up\")")]
    [InlineData("rules: {seriesQuery: up}\n", "rules.yaml:1: rules: Invalid value: must be a list of rules")]
    [InlineData("rule:\n- seriesQuery: up\n", "rules.yaml:1: unknown field \"rule\" (the fields are rules, externalRules, resourceRules)")]
    [InlineData("", "rules.yaml: the file is empty: it needs rules or externalRules")]
    [InlineData("rules: []\n", "rules.yaml: no rules: the file needs at least one entry in rules or externalRules")]
    [InlineData("rules:\n- seriesQuery: 'up'\n  metricsQuery: [unclosed\n", "rules.yaml:4: not valid YAML: While parsing a flow sequence, did not find expected ',' or ']'.")]
    public void Bad_files_are_refused_naming_the_rule_and_the_field(string yaml, string expected)
    {
        var error = Assert.Throws<RulesFileException>(() => RulesLoader.Load(yaml, "rules.yaml"));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<RulesFileException>(() => RulesLoader.LoadFile("/nonexistent/rules.yaml"));
        Assert.Equal("/nonexistent/rules.yaml: no such file", error.Message);
    }
}
