using ActorScaler.Core.Spec;
using ActorScaler.Prometheus.Rules;
using ActorScaler.Prometheus.Tests.Support;

namespace ActorScaler.Prometheus.Tests.Rules;

/// <summary>The PromQL each fixture rule produces, as annotated in the fixture (prometheus-adapter's output).</summary>
public sealed class MetricsQueryBuilderTests
{
    private static readonly PrometheusRules Rules = RulesLoader.LoadFile(Fixtures.Path("prometheus-adapter-config.yaml"));

    [Fact]
    public void Pods_metric_matches_the_pods_by_name_in_the_namespace_and_groups_by_pod()
    {
        var query = MetricsQueryBuilder.Build(Rules.Rules[0], "http_requests_total", GroupResource.Pod, "default", null,
            ["web-7d9c8b6f5-abcde", "web-7d9c8b6f5-klmno"]);
        Assert.Equal("sum(rate(http_requests_total{namespace=\"default\",pod=~\"web-7d9c8b6f5-abcde|web-7d9c8b6f5-klmno\"}[2m])) by (pod)", query);
    }

    [Fact]
    public void Object_metric_matches_one_object_with_equality()
    {
        var query = MetricsQueryBuilder.Build(Rules.Rules[1], "nginx_ingress_controller_requests", new GroupResource("networking.k8s.io", "ingress"), "default", null, ["web"]);
        Assert.Equal("sum(rate(nginx_ingress_controller_requests{namespace=\"default\",ingress=\"web\"}[2m])) by (ingress)", query);
    }

    [Fact]
    public void External_metric_puts_the_selector_first_then_the_namespace()
    {
        var selector = new LabelSelector { MatchLabels = new Dictionary<string, string> { ["queue"] = "orders" } };
        var query = MetricsQueryBuilder.BuildExternal(Rules.ExternalRules[0], "rabbitmq_queue_messages_ready", "default", selector);
        Assert.Equal("sum(rabbitmq_queue_messages_ready{queue=\"orders\",namespace=\"default\"}) by (queue)", query);
    }

    [Fact]
    public void External_rule_with_namespaced_false_has_no_namespace_matcher()
    {
        var rules = RulesLoader.Load("""
            externalRules:
            - seriesQuery: 'queue_depth'
              resources: {namespaced: false}
              metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>})'
            """, "rules.yaml");
        Assert.Equal("max(queue_depth{})", MetricsQueryBuilder.BuildExternal(rules.ExternalRules[0], "queue_depth", "default", null));
    }

    [Fact]
    public void Every_selector_operator_maps_to_its_promql_matcher_in_key_order()
    {
        var selector = new LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["verb"] = "GET" },
            MatchExpressions =
            [
                new LabelSelectorRequirement { Key = "code", Operator = LabelSelectorOperator.In, Values = ["500", "200"] },
                new LabelSelectorRequirement { Key = "zone", Operator = LabelSelectorOperator.NotIn, Values = ["b", "a"] },
                new LabelSelectorRequirement { Key = "canary", Operator = LabelSelectorOperator.DoesNotExist },
                new LabelSelectorRequirement { Key = "region", Operator = LabelSelectorOperator.Exists },
                new LabelSelectorRequirement { Key = "tier", Operator = LabelSelectorOperator.NotIn, Values = ["batch"] },
            ],
        };
        var query = MetricsQueryBuilder.BuildExternal(Rules.ExternalRules[0], "m", "ns", selector);
        Assert.Equal("sum(m{canary=\"\",code=~\"200|500\",region!=\"\",tier!~\"batch\",verb=\"GET\",zone!~\"a|b\",namespace=\"ns\"}) by (queue)", query);
    }

    [Fact]
    public void A_resource_the_rule_has_no_label_for_is_an_error_naming_the_rule()
    {
        var error = Assert.Throws<QueryBuildException>(() =>
            MetricsQueryBuilder.Build(Rules.Rules[0], "http_requests_total", new GroupResource("", "service"), "default", null, ["web"]));
        Assert.Equal("rules[0] (seriesQuery \"http_requests_total{namespace!=\\\"\\\",pod!=\\\"\\\"}\") has no label for service: add it to resources.overrides (or give resources.template)", error.Message);
    }

    [Fact]
    public void An_invalid_metric_selector_is_an_error()
    {
        var selector = new LabelSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "a", Operator = "Near", Values = ["b"] }] };
        var error = Assert.Throws<QueryBuildException>(() => MetricsQueryBuilder.BuildExternal(Rules.ExternalRules[0], "m", "ns", selector));
        Assert.Equal("invalid metric selector: \"Near\" is not a valid label selector operator", error.Message);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("tab\there\n", "\"tab\\there\\n\"")]
    [InlineData("ünïcode", "\"ünïcode\"")]
    [InlineData("\u0001", "\"\\x01\"")]
    public void Values_are_quoted_as_go_quotes_them(string value, string expected) => Assert.Equal(expected, PromQl.Quote(value));

    [Theory]
    [InlineData("sum(rate(x[2m]))", 120)]
    [InlineData("rate(x[30s]) / rate(y[1m30s])", 90)]
    [InlineData("max_over_time(rate(x[1m])[5m:30s])", 300)]
    [InlineData("rate(x[1h]) offset 1d", 3600)]
    [InlineData("sum(x)", -1)]
    [InlineData("x{a=~\"[0-9]\"}", -1)]
    public void The_window_of_a_query_is_its_longest_range(string query, int seconds)
    {
        var range = PromQl.LongestRange(query);
        Assert.Equal(seconds < 0 ? null : TimeSpan.FromSeconds(seconds), range);
    }
}
