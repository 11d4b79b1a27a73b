using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ActorScaler.Prometheus.Rules;

/// <summary>The rules file is not usable; every problem is listed, each naming the rule and the field.</summary>
public sealed class RulesFileException(string message, IReadOnlyList<string> problems) : FormatException(message)
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Loads a prometheus-adapter rules file (the adapter's <c>--config</c>): <c>rules</c> and
/// <c>externalRules</c>, each with <c>seriesQuery</c>, <c>seriesFilters</c>, <c>resources</c>
/// (<c>overrides</c>, <c>template</c>, <c>namespaced</c>), <c>name</c> (<c>matches</c>, <c>as</c>) and
/// <c>metricsQuery</c>. <c>resourceRules</c> are accepted and not used: resource metrics come from this
/// member's own metrics pipeline. Unlike the adapter (which ignores unknown keys), a misspelt field is an
/// error, because a rule that silently loses its <c>metricsQuery</c> is worse than one that fails at start.
/// Problems read like the API server's field errors: <c>FILE:LINE: rules[1].name.matches: Invalid value:
/// "(": ... (rule with seriesQuery "...")</c>.
/// </summary>
public static class RulesLoader
{
    /// <summary>The fields a metricsQuery template may use (prometheus-adapter's queryTemplateArgs).</summary>
    public static readonly IReadOnlyList<string> MetricsQueryFields = ["Series", "LabelMatchers", "LabelValuesByName", "GroupBy", "GroupBySlice"];

    /// <summary>The fields of a resources.template.</summary>
    public static readonly IReadOnlyList<string> ResourceTemplateFields = ["Group", "Resource"];

    private static readonly string[] TopLevelFields = ["rules", "externalRules", "resourceRules"];
    private static readonly string[] RuleFields = ["seriesQuery", "seriesFilters", "resources", "name", "metricsQuery"];
    private static readonly string[] ResourcesFields = ["overrides", "template", "namespaced"];
    private static readonly string[] NameFields = ["matches", "as"];
    private static readonly string[] FilterFields = ["is", "isNot"];
    private static readonly string[] OverrideFields = ["group", "resource"];
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    public static PrometheusRules LoadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new RulesFileException($"{path}: no such file", [$"{path}: no such file"]);
        return Load(File.ReadAllText(path), path);
    }

    public static PrometheusRules Load(string yaml, string source)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var problems = new List<string>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var message = $"{source}:{ex.Start.Line}: not valid YAML: {ex.Message}";
            throw new RulesFileException(message, [message]);
        }
        var rules = new List<DiscoveryRule>();
        var external = new List<DiscoveryRule>();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return Fail(source, [$"{source}: the file is empty: it needs rules or externalRules"]);
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            return Fail(source, [$"{source}:{Line(stream.Documents[0].RootNode)}: the file must be a mapping with rules and externalRules"]);
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            switch (key)
            {
                case "rules":
                case "externalRules":
                    var list = key == "rules" ? rules : external;
                    if (value is YamlScalarNode { Value: null or "" } || value is YamlScalarNode { Tag.Value: "tag:yaml.org,2002:null" })
                        break;
                    if (value is not YamlSequenceNode sequence)
                    {
                        problems.Add($"{source}:{Line(value)}: {key}: Invalid value: must be a list of rules");
                        break;
                    }
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        var rule = ReadRule(sequence.Children[i], $"{key}[{i}]", key == "externalRules", source, problems);
                        if (rule is not null)
                            list.Add(rule);
                    }
                    break;
                case "resourceRules":
                    break;
                default:
                    problems.Add($"{source}:{Line(keyNode)}: unknown field \"{key}\" (the fields are {string.Join(", ", TopLevelFields)})");
                    break;
            }
        }
        if (problems.Count == 0 && rules.Count + external.Count == 0)
            problems.Add($"{source}: no rules: the file needs at least one entry in rules or externalRules");
        return problems.Count > 0 ? Fail(source, problems) : new PrometheusRules(source, rules, external);
    }

    private static PrometheusRules Fail(string source, List<string> problems) =>
        throw new RulesFileException(problems.Count == 1
            ? problems[0]
            : $"{source}: {problems.Count} problems:\n  " + string.Join("\n  ", problems), problems);

    private static DiscoveryRule? ReadRule(YamlNode node, string path, bool external, string source, List<string> problems)
    {
        if (node is not YamlMappingNode map)
        {
            problems.Add($"{source}:{Line(node)}: {path}: Invalid value: must be a mapping with seriesQuery and metricsQuery");
            return null;
        }
        var seriesQuery = Scalar(map, "seriesQuery");
        var context = seriesQuery is { Length: > 0 } ? $" (rule with seriesQuery {PromQl.Quote(seriesQuery)})" : "";
        var before = problems.Count;
        void Problem(YamlNode at, string field, string message) =>
            problems.Add($"{source}:{Line(at)}: {path}.{field}: {message}{context}");

        CheckFields(map, RuleFields, path, source, context, problems);
        if (string.IsNullOrWhiteSpace(seriesQuery))
            Problem(map, "seriesQuery", "Required value: the series to discover, e.g. 'http_requests_total{namespace!=\"\",pod!=\"\"}'");

        var filters = new List<SeriesFilter>();
        if (Child(map, "seriesFilters") is { } filterNode && !IsNull(filterNode))
        {
            if (filterNode is not YamlSequenceNode filterList)
            {
                Problem(filterNode, "seriesFilters", "Invalid value: must be a list of {is: REGEX} or {isNot: REGEX}");
            }
            else
            {
                for (var i = 0; i < filterList.Children.Count; i++)
                {
                    var filterPath = $"seriesFilters[{i}]";
                    if (filterList.Children[i] is not YamlMappingNode filterMap)
                    {
                        Problem(filterList.Children[i], filterPath, "Invalid value: must be {is: REGEX} or {isNot: REGEX}");
                        continue;
                    }
                    CheckFields(filterMap, FilterFields, $"{path}.{filterPath}", source, context, problems);
                    var isRegex = CompileRegex(filterMap, "is", $"{filterPath}.is", Problem);
                    var isNotRegex = CompileRegex(filterMap, "isNot", $"{filterPath}.isNot", Problem);
                    if (Child(filterMap, "is") is null && Child(filterMap, "isNot") is null)
                        Problem(filterMap, filterPath, "Required value: one of is or isNot");
                    filters.Add(new SeriesFilter(isRegex, isNotRegex));
                }
            }
        }

        var overrides = new Dictionary<string, GroupResource>(StringComparer.Ordinal);
        QueryTemplate? resourceTemplate = null;
        var namespaced = true;
        if (Child(map, "resources") is { } resourcesNode && !IsNull(resourcesNode))
        {
            if (resourcesNode is not YamlMappingNode resources)
            {
                Problem(resourcesNode, "resources", "Invalid value: must be a mapping with overrides and/or template");
            }
            else
            {
                CheckFields(resources, ResourcesFields, $"{path}.resources", source, context, problems);
                if (Child(resources, "overrides") is { } overridesNode && !IsNull(overridesNode))
                {
                    if (overridesNode is not YamlMappingNode overrideMap)
                    {
                        Problem(overridesNode, "resources.overrides", "Invalid value: must map a label to {group: GROUP, resource: RESOURCE}");
                    }
                    else
                    {
                        foreach (var (labelNode, targetNode) in overrideMap.Children)
                        {
                            var label = ((YamlScalarNode)labelNode).Value ?? "";
                            var overridePath = $"resources.overrides[{label}]";
                            if (targetNode is not YamlMappingNode target)
                            {
                                Problem(targetNode, overridePath, "Invalid value: must be {resource: RESOURCE} or {group: GROUP, resource: RESOURCE}");
                                continue;
                            }
                            CheckFields(target, OverrideFields, $"{path}.{overridePath}", source, context, problems);
                            var resource = Scalar(target, "resource");
                            if (string.IsNullOrWhiteSpace(resource))
                            {
                                Problem(target, $"{overridePath}.resource", "Required value: the resource this label names, e.g. pod or namespace");
                                continue;
                            }
                            if (!IsLabelName(label))
                                Problem(labelNode, overridePath, $"Invalid value: {PromQl.Quote(label)}: not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
                            overrides[label] = new GroupResource(Scalar(target, "group")?.Trim() ?? "", GroupResource.Singular(resource));
                        }
                    }
                }
                if (Scalar(resources, "template") is { Length: > 0 } templateText)
                {
                    try
                    {
                        resourceTemplate = QueryTemplate.Parse(templateText, [.. ResourceTemplateFields]);
                    }
                    catch (QueryTemplateException ex)
                    {
                        Problem(Child(resources, "template")!, "resources.template", $"Invalid value: {PromQl.Quote(templateText)}: {ex.Message}");
                    }
                }
                if (Child(resources, "namespaced") is { } namespacedNode && !IsNull(namespacedNode))
                {
                    var text = (namespacedNode as YamlScalarNode)?.Value;
                    if (text is "true" or "True" or "false" or "False")
                        namespaced = text is "true" or "True";
                    else
                        Problem(namespacedNode, "resources.namespaced", $"Invalid value: {PromQl.Quote(text ?? "")}: must be true or false");
                    if (!external)
                        Problem(namespacedNode, "resources.namespaced", "Forbidden: only external rules may set namespaced; a custom metric's namespace comes from its object");
                }
            }
        }

        var nameMatches = new Regex(".*", RegexOptions.CultureInvariant, RegexTimeout);
        var nameAs = "";
        if (Child(map, "name") is { } nameNode && !IsNull(nameNode))
        {
            if (nameNode is not YamlMappingNode nameMap)
            {
                Problem(nameNode, "name", "Invalid value: must be {matches: REGEX, as: TEMPLATE}");
            }
            else
            {
                CheckFields(nameMap, NameFields, $"{path}.name", source, context, problems);
                nameMatches = CompileRegex(nameMap, "matches", "name.matches", Problem) ?? nameMatches;
                nameAs = Scalar(nameMap, "as") ?? "";
            }
        }
        if (nameAs.Length == 0)
        {
            // The adapter's default: the whole name, or the one capture group when there is one.
            var groups = nameMatches.GetGroupNumbers().Length - 1;
            if (groups > 1)
                Problem(Child(map, "name") ?? map, "name.as", $"Required value: name.matches {PromQl.Quote(nameMatches.ToString())} has {groups} capture groups, so the name cannot be guessed");
            nameAs = groups == 1 ? "$1" : "$0";
        }

        QueryTemplate? metricsQuery = null;
        var metricsQueryText = Scalar(map, "metricsQuery");
        if (string.IsNullOrWhiteSpace(metricsQueryText))
        {
            Problem(map, "metricsQuery", "Required value: the query template, e.g. 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)'");
        }
        else
        {
            try
            {
                metricsQuery = QueryTemplate.Parse(metricsQueryText, [.. MetricsQueryFields]);
            }
            catch (QueryTemplateException ex)
            {
                Problem(Child(map, "metricsQuery")!, "metricsQuery", $"Invalid value: {PromQl.Quote(metricsQueryText)}: {ex.Message}");
            }
        }

        if (!external && overrides.Count == 0 && resourceTemplate is null && problems.Count == before)
            Problem(map, "resources", "Required value: overrides or template, so the rule's series can be tied to pods or objects");

        if (problems.Count > before || metricsQuery is null || seriesQuery is null)
            return null;
        return new DiscoveryRule
        {
            Path = path,
            External = external,
            SeriesQuery = seriesQuery,
            SeriesFilters = filters,
            Overrides = overrides,
            ResourceTemplate = resourceTemplate,
            Namespaced = namespaced,
            NameMatches = nameMatches,
            NameAs = nameAs,
            MetricsQuery = metricsQuery,
        };
    }

    private static Regex? CompileRegex(YamlMappingNode map, string key, string field, Action<YamlNode, string, string> problem)
    {
        if (Scalar(map, key) is not { } pattern)
            return null;
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, RegexTimeout);
        }
        catch (ArgumentException ex)
        {
            problem(Child(map, key)!, field, $"Invalid value: {PromQl.Quote(pattern)}: not a regular expression: {ex.Message}");
            return null;
        }
    }

    private static void CheckFields(YamlMappingNode map, string[] known, string path, string source, string context, List<string> problems)
    {
        foreach (var keyNode in map.Children.Keys)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!known.Contains(key))
                problems.Add($"{source}:{Line(keyNode)}: {path}: unknown field \"{key}\" (the fields are {string.Join(", ", known)}){context}");
        }
    }

    private static bool IsLabelName(string label) =>
        label.Length > 0 && (char.IsAsciiLetter(label[0]) || label[0] == '_') && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode map, string key) =>
        Child(map, key) is YamlScalarNode scalar && !IsNull(scalar) ? scalar.Value : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode scalar && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null";

    private static long Line(YamlNode node) => node.Start.Line;
}
