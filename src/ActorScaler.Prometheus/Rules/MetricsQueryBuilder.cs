using ActorScaler.Core.Spec;

namespace ActorScaler.Prometheus.Rules;

/// <summary>A request cannot be turned into PromQL (an operator PromQL has no matcher for, a resource the
/// rule has no label for); the message says which.</summary>
public sealed class QueryBuildException(string message) : InvalidOperationException(message);

/// <summary>
/// Renders a rule's metricsQuery for one request, as prometheus-adapter's naming/metrics_query.go does:
/// the label matchers are the metric selector's requirements first, then <c>namespace="NS"</c>, then (for
/// custom metrics) the resource label, <c>="name"</c> for one object or <c>=~"a|b"</c> for several; GroupBy
/// is the resource label (empty for external metrics).
/// </summary>
public static class MetricsQueryBuilder
{
    /// <summary>Build: the query for <paramref name="names"/> of <paramref name="resource"/> in <paramref name="ns"/>
    /// ("" for cluster-scoped objects).</summary>
    public static string Build(DiscoveryRule rule, string series, GroupResource resource, string ns, LabelSelector? metricSelector, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
            throw new QueryBuildException($"no {resource} names to query for {rule.Describe()}");
        var parts = SelectorParts(metricSelector);
        if (ns.Length > 0)
            parts.Add((NamespaceLabel(rule), SelectorOperator.Equals, [ns]));
        var (matchers, valuesByName) = Matchers(parts);
        var resourceLabel = rule.LabelFor(resource)
            ?? throw new QueryBuildException($"{rule.Describe()} has no label for {resource}: add it to resources.overrides (or give resources.template)");
        var target = string.Join("|", names);
        matchers.Add(names.Count > 1 ? PromQl.LabelMatches(resourceLabel, target) : PromQl.LabelEq(resourceLabel, target));
        valuesByName[resourceLabel] = target;
        return Render(rule, series, matchers, valuesByName, [resourceLabel]);
    }

    /// <summary>BuildExternal: the query for an external metric; the namespace matcher only when the rule is namespaced.</summary>
    public static string BuildExternal(DiscoveryRule rule, string series, string ns, LabelSelector? metricSelector)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var parts = SelectorParts(metricSelector);
        if (rule.Namespaced && ns.Length > 0)
            parts.Add((NamespaceLabel(rule), SelectorOperator.Equals, [ns]));
        var (matchers, valuesByName) = Matchers(parts);
        return Render(rule, series, matchers, valuesByName, []);
    }

    private static string NamespaceLabel(DiscoveryRule rule) =>
        rule.LabelFor(GroupResource.Namespace)
        ?? throw new QueryBuildException($"{rule.Describe()} has no label for namespaces: add resources.overrides {{namespace: {{resource: namespace}}}}"
            + (rule.External ? " or set resources.namespaced: false" : ""));

    private static List<(string Label, string Operator, IReadOnlyList<string> Values)> SelectorParts(LabelSelector? selector)
    {
        var parts = new List<(string, string, IReadOnlyList<string>)>();
        if (selector is null)
            return parts;
        Selector parsed;
        try
        {
            parsed = Selector.FromLabelSelector(selector);
        }
        catch (LabelSelectorException ex)
        {
            throw new QueryBuildException($"invalid metric selector: {ex.Message}");
        }
        foreach (var requirement in parsed.Requirements)
            parts.Add((requirement.Key, requirement.Operator, requirement.Values.Order(StringComparer.Ordinal).ToList()));
        return parts;
    }

    // processQueryParts: every requirement maps to exactly one matcher or the request fails, because a
    // query that only roughly matches what was asked could scale on the wrong series.
    private static (List<string> Matchers, Dictionary<string, string> ValuesByName) Matchers(
        List<(string Label, string Operator, IReadOnlyList<string> Values)> parts)
    {
        var matchers = new List<string>();
        var valuesByName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (label, op, values) in parts)
        {
            var joined = string.Join("|", values);
            matchers.Add((op, values.Count) switch
            {
                (SelectorOperator.Exists, 0) => PromQl.LabelNeq(label, ""),
                (SelectorOperator.DoesNotExist, 0) => PromQl.LabelEq(label, ""),
                (SelectorOperator.Equals or SelectorOperator.DoubleEquals, 1) => PromQl.LabelEq(label, joined),
                (SelectorOperator.NotEquals, 1) => PromQl.LabelNeq(label, joined),
                (SelectorOperator.In, > 0) or (SelectorOperator.Equals or SelectorOperator.DoubleEquals, > 1) => PromQl.LabelMatches(label, joined),
                (SelectorOperator.NotIn, > 0) or (SelectorOperator.NotEquals, > 1) => PromQl.LabelNotMatches(label, joined),
                (SelectorOperator.GreaterThan or SelectorOperator.LessThan, _) =>
                    throw new QueryBuildException($"the metric selector's operator {PromQl.Quote(op)} on {label} has no PromQL label matcher"),
                _ => throw new QueryBuildException($"the metric selector's requirement on {label} ({op} with {values.Count} values) cannot be written as a PromQL label matcher"),
            });
            valuesByName[label] = joined;
        }
        return (matchers, valuesByName);
    }

    private static string Render(DiscoveryRule rule, string series, List<string> matchers, Dictionary<string, string> valuesByName, IReadOnlyList<string> groupBy)
    {
        var query = rule.MetricsQuery.Render(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["Series"] = series,
            ["LabelMatchers"] = string.Join(",", matchers),
            ["LabelValuesByName"] = valuesByName,
            ["GroupBy"] = string.Join(",", groupBy),
            ["GroupBySlice"] = groupBy,
        });
        if (string.IsNullOrWhiteSpace(query))
            throw new QueryBuildException($"{rule.Describe()}: empty query produced by metrics query template");
        return query;
    }
}
