using System.Text.RegularExpressions;

namespace ActorScaler.Prometheus.Rules;

/// <summary>A Kubernetes group-resource in the adapter's singular form ("pod", "ingress" in
/// "networking.k8s.io"); the core group is "".</summary>
public sealed record GroupResource(string Group, string Resource)
{
    public static readonly GroupResource Pod = new("", "pod");
    public static readonly GroupResource Namespace = new("", "namespace");

    /// <summary>The singular, lower-case resource of a Kind ("Service" -> "service"), as the adapter's
    /// RESTMapper gives it.</summary>
    public static GroupResource ForKind(string group, string kind) => new(group, kind.ToLowerInvariant());

    /// <summary>The group and version of an apiVersion ("networking.k8s.io/v1" -> networking.k8s.io; "v1" -> "").</summary>
    public static string GroupOf(string? apiVersion)
    {
        if (string.IsNullOrEmpty(apiVersion))
            return "";
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : apiVersion[..slash];
    }

    /// <summary>"ingresses" -> "ingress", "policies" -> "policy", "pods" -> "pod": the rules file may
    /// name a resource in either number, as kubectl accepts both.</summary>
    public static string Singular(string resource)
    {
        var r = resource.Trim().ToLowerInvariant();
        if (r.EndsWith("ies", StringComparison.Ordinal))
            return r[..^3] + "y";
        if (r.EndsWith("sses", StringComparison.Ordinal) || r.EndsWith("xes", StringComparison.Ordinal)
            || r.EndsWith("ches", StringComparison.Ordinal) || r.EndsWith("shes", StringComparison.Ordinal))
            return r[..^2];
        if (r.EndsWith('s') && !r.EndsWith("ss", StringComparison.Ordinal))
            return r[..^1];
        return r;
    }

    /// <summary>The plural resource name used in API paths ("service" -> "services", "ingress" -> "ingresses").</summary>
    public static string Plural(string singular)
    {
        if (singular.EndsWith('y') && singular.Length > 1 && !"aeiou".Contains(singular[^2], StringComparison.Ordinal))
            return singular[..^1] + "ies";
        if (singular.EndsWith('s') || singular.EndsWith('x') || singular.EndsWith("ch", StringComparison.Ordinal) || singular.EndsWith("sh", StringComparison.Ordinal))
            return singular + "es";
        return singular + "s";
    }

    /// <summary>The discovery name of the resource: "pods", "ingresses.networking.k8s.io".</summary>
    public string PluralName => Group.Length == 0 ? Plural(Resource) : $"{Plural(Resource)}.{Group}";

    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>seriesFilters entry: keep a series whose name matches <c>is</c>, drop one matching <c>isNot</c>.</summary>
public sealed record SeriesFilter(Regex? Is, Regex? IsNot)
{
    public bool Keeps(string seriesName) =>
        (Is is null || Is.IsMatch(seriesName)) && (IsNot is null || !IsNot.IsMatch(seriesName));
}

/// <summary>
/// One rule of the rules file (prometheus-adapter's DiscoveryRule): discovery (<c>seriesQuery</c>,
/// <c>seriesFilters</c>), association (<c>resources</c>), naming (<c>name</c>) and querying
/// (<c>metricsQuery</c>).
/// </summary>
public sealed record DiscoveryRule
{
    /// <summary>"rules[0]" or "externalRules[2]": how errors name the rule.</summary>
    public required string Path { get; init; }
    public required bool External { get; init; }
    public required string SeriesQuery { get; init; }
    public IReadOnlyList<SeriesFilter> SeriesFilters { get; init; } = [];
    /// <summary>resources.overrides: Prometheus label -> the group-resource it names.</summary>
    public IReadOnlyDictionary<string, GroupResource> Overrides { get; init; } = new Dictionary<string, GroupResource>();
    /// <summary>resources.template: the label for a group-resource (fields .Group and .Resource).</summary>
    public QueryTemplate? ResourceTemplate { get; init; }
    /// <summary>resources.namespaced (external rules): false stops the namespace="&lt;HPA namespace&gt;" matcher.</summary>
    public bool Namespaced { get; init; } = true;
    public required Regex NameMatches { get; init; }
    public required string NameAs { get; init; }
    public required QueryTemplate MetricsQuery { get; init; }

    /// <summary>How errors name the rule: its path and its seriesQuery.</summary>
    public string Describe() => $"{Path} (seriesQuery {PromQl.Quote(SeriesQuery)})";

    /// <summary>The metric name a series is served as, or null when name.matches does not match it.</summary>
    public string? MetricNameFor(string seriesName)
    {
        var match = NameMatches.Match(seriesName);
        return match.Success ? match.Result(NameAs) : null;
    }

    /// <summary>The Prometheus label that carries <paramref name="resource"/>'s names, or null.</summary>
    public string? LabelFor(GroupResource resource)
    {
        foreach (var (label, gr) in Overrides)
            if (gr == resource)
                return label;
        return ResourceTemplate?.Render(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["Group"] = resource.Group,
            ["Resource"] = resource.Resource,
        });
    }

    /// <summary>The group-resource a series label stands for, or null (overrides first, then the template).</summary>
    public GroupResource? ResourceFor(string label)
    {
        if (Overrides.TryGetValue(label, out var gr))
            return gr;
        if (ResourceTemplate is null)
            return null;
        // Render with placeholders and read the label back, as the adapter's template regex does.
        const string group = "\u0001G\u0001";
        const string resource = "\u0001R\u0001";
        var shape = ResourceTemplate.Render(new Dictionary<string, object>(StringComparer.Ordinal) { ["Group"] = group, ["Resource"] = resource });
        var pattern = "^" + Regex.Escape(shape).Replace(Regex.Escape(group), "(?<group>.*?)", StringComparison.Ordinal)
            .Replace(Regex.Escape(resource), "(?<resource>.+?)", StringComparison.Ordinal) + "$";
        var match = Regex.Match(label, pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        if (!match.Success)
            return null;
        // The template form writes the core group as "" and dots as underscores are not reversible:
        // the adapter keeps the group text as it appears in the label.
        return new GroupResource(match.Groups["group"].Value, GroupResource.Singular(match.Groups["resource"].Value));
    }
}

/// <summary>A loaded rules file: custom (<c>rules</c>) and external (<c>externalRules</c>) rules.</summary>
public sealed record PrometheusRules(string Source, IReadOnlyList<DiscoveryRule> Rules, IReadOnlyList<DiscoveryRule> ExternalRules)
{
    public IEnumerable<DiscoveryRule> All => Rules.Concat(ExternalRules);
}
