using ActorScaler.Prometheus.Rules;

namespace ActorScaler.Prometheus.Tests.Rules;

public sealed class QueryTemplateTests
{
    private static readonly Dictionary<string, object> Values = new(StringComparer.Ordinal)
    {
        ["Series"] = "http_requests_total",
        ["LabelMatchers"] = "namespace=\"default\",pod=~\"a|b\"",
        ["GroupBy"] = "pod",
        ["GroupBySlice"] = new List<string> { "pod", "container" },
        ["LabelValuesByName"] = new Dictionary<string, string>(StringComparer.Ordinal) { ["pod"] = "a|b", ["namespace"] = "default" },
    };

    [Theory]
    [InlineData("sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)", "sum(rate(http_requests_total{namespace=\"default\",pod=~\"a|b\"}[2m])) by (pod)")]
    [InlineData("<<.GroupBySlice>>", "[pod container]")]
    [InlineData("<<.LabelValuesByName>>", "map[namespace:default pod:a|b]")]
    [InlineData("x{pod=~\"<<index .LabelValuesByName \"pod\">>\"}", "x{pod=~\"a|b\"}")]
    [InlineData("x{pod=~\"<<.LabelValuesByName.pod>>\"}", "x{pod=~\"a|b\"}")]
    [InlineData("<<index .LabelValuesByName \"missing\">>", "")]
    [InlineData("sum(\n  <<- .Series ->>\n)", "sum(http_requests_total)")]
    [InlineData("no actions", "no actions")]
    public void Renders_as_go_text_template_does(string template, string expected) =>
        Assert.Equal(expected, QueryTemplate.Parse(template, [.. Values.Keys]).Render(Values));

    [Theory]
    [InlineData("<<range .GroupBySlice>>x<<end>>", "unsupported action \"range .GroupBySlice\" at column 1: only fields such as .Series and map lookups such as index .LabelValuesByName \"pod\" are supported")]
    [InlineData("<<>>", "missing value for command at column 1")]
    [InlineData("<<index .LabelValuesByName pod>>", "bad action \"index .LabelValuesByName pod\" at column 1: the key must be a quoted string")]
    [InlineData("a <<.Nope>>", "can't evaluate field Nope at column 3: the fields are .Series, .LabelMatchers, .GroupBy, .GroupBySlice, .LabelValuesByName")]
    public void Refuses_what_it_cannot_render(string template, string expected)
    {
        var error = Assert.Throws<QueryTemplateException>(() => QueryTemplate.Parse(template, [.. Values.Keys]));
        Assert.Equal(expected, error.Message);
    }
}
