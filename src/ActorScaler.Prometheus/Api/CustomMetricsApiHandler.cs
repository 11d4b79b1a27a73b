using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Api;
using ActorScaler.Metrics.Custom;
using ActorScaler.Prometheus.Rules;

namespace ActorScaler.Prometheus.Api;

/// <summary>The names of the pods in a namespace matching a label selector (the adapter LISTs them from the
/// API server; a member reads its pod cache).</summary>
public delegate IReadOnlyList<string> PodNameLister(string ns, Selector selector);

/// <summary>
/// custom.metrics.k8s.io/v1beta2 and external.metrics.k8s.io/v1beta1 over HTTP without the HTTP, from any
/// <see cref="ICustomMetricsProvider"/>: the routes of custom-metrics-apiserver
/// (<c>namespaces/NS/pods/*/METRIC?labelSelector=</c>, <c>namespaces/NS/RESOURCE/NAME/METRIC</c>,
/// <c>namespaces/NS/metrics/METRIC</c>, <c>RESOURCE/NAME/METRIC</c>, external
/// <c>namespaces/NS/METRIC?labelSelector=</c>) with <c>metricLabelSelector</c>, and the discovery documents
/// when the provider is also an <see cref="ICustomMetricsCatalog"/>. Errors are metav1.Status: 404 for a
/// metric nothing serves, 400 for a bad selector, 500 when the backend failed. Pure: the host maps it.
/// </summary>
public sealed class CustomMetricsApiHandler(ICustomMetricsProvider provider, PodNameLister podNames)
{
    /// <summary>Kinds and versions of the resources HPAs describe most; others are guessed from the name.</summary>
    private static readonly Dictionary<string, (string Kind, string Version)> KnownResources = new(StringComparer.Ordinal)
    {
        ["pods"] = ("Pod", "v1"),
        ["services"] = ("Service", "v1"),
        ["namespaces"] = ("Namespace", "v1"),
        ["nodes"] = ("Node", "v1"),
        ["persistentvolumeclaims"] = ("PersistentVolumeClaim", "v1"),
        ["ingresses.networking.k8s.io"] = ("Ingress", "v1"),
        ["deployments.apps"] = ("Deployment", "v1"),
        ["statefulsets.apps"] = ("StatefulSet", "v1"),
        ["replicasets.apps"] = ("ReplicaSet", "v1"),
        ["daemonsets.apps"] = ("DaemonSet", "v1"),
        ["jobs.batch"] = ("Job", "v1"),
        ["cronjobs.batch"] = ("CronJob", "v1"),
    };

    /// <summary>True when <paramref name="path"/> belongs to one of the two groups.</summary>
    public static bool Handles(string path) =>
        path.StartsWith($"/apis/{CustomMetricsJson.CustomGroup}", StringComparison.Ordinal)
        || path.StartsWith($"/apis/{CustomMetricsJson.ExternalGroup}", StringComparison.Ordinal);

    public async Task<MetricsApiResponse> HandleAsync(string method, string path, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(query);
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var group = segments.Length > 1 ? segments[1] : "";
        if (!string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase))
            return Status(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method} {path}): metrics are read-only (get)", group);
        try
        {
            return group switch
            {
                CustomMetricsJson.CustomGroup => await CustomAsync(segments, path, query, cancellationToken).ConfigureAwait(false),
                CustomMetricsJson.ExternalGroup => await ExternalAsync(segments, path, query, cancellationToken).ConfigureAwait(false),
                _ => NotFoundPath(path, group),
            };
        }
        catch (CustomMetricsException ex)
        {
            return CustomMetricsErrors.IsNotFound(ex)
                ? Status(404, "NotFound", ex.Message, group)
                : Status(500, "InternalError", $"Internal error occurred: unable to fetch metrics: {ex.Message}", group);
        }
        catch (BadSelectorException ex)
        {
            return Status(400, "BadRequest", ex.Message, group);
        }
    }

    private async Task<MetricsApiResponse> CustomAsync(string[] segments, string path, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        const string group = CustomMetricsJson.CustomGroup;
        if (segments.Length == 2)
            return Write(w => CustomMetricsJson.WriteGroup(w, group, CustomMetricsJson.CustomVersion));
        if (segments[2] != CustomMetricsJson.CustomVersion)
            return NotFoundPath(path, group);
        if (segments.Length == 3)
        {
            var metrics = provider is ICustomMetricsCatalog catalog ? await catalog.ListCustomMetricsAsync(cancellationToken).ConfigureAwait(false) : [];
            return Write(w => CustomMetricsJson.WriteCustomResourceList(w, metrics));
        }
        var rest = segments.AsSpan(3);
        var metricSelector = ParseSelector(query, "metricLabelSelector");
        switch (rest.Length)
        {
            // namespaces/NS/metrics/METRIC: the namespace itself.
            case 4 when rest[0] == "namespaces" && rest[2] == "metrics":
                return await ObjectAsync("", "namespaces", rest[1], rest[3], metricSelector, cancellationToken).ConfigureAwait(false);
            case 5 when rest[0] == "namespaces" && rest[2] == "pods":
                return await PodsAsync(rest[1], rest[3], rest[4], query, metricSelector, cancellationToken).ConfigureAwait(false);
            case 5 when rest[0] == "namespaces" && rest[3] == "*":
                return Status(400, "BadRequest", $"listing {rest[2]} by label selector is not supported: name the object ({path})", group);
            case 5 when rest[0] == "namespaces":
                return await ObjectAsync(rest[1], rest[2], rest[3], rest[4], metricSelector, cancellationToken).ConfigureAwait(false);
            case 3 when rest[1] != "*":
                return await ObjectAsync("", rest[0], rest[1], rest[2], metricSelector, cancellationToken).ConfigureAwait(false);
            default:
                return NotFoundPath(path, group);
        }
    }

    private async Task<MetricsApiResponse> PodsAsync(string ns, string name, string metric, IReadOnlyDictionary<string, string?> query,
        LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> names;
        var selectorText = query.TryGetValue("labelSelector", out var text) ? text ?? "" : "";
        if (name == "*")
        {
            if (!Selector.TryParse(selectorText, out var selector, out var error))
                throw new BadSelectorException($"unable to parse labelSelector: {error}");
            names = podNames(ns, selector);
        }
        else
        {
            names = [name];
        }
        var values = await provider.GetPodsMetricAsync(ns, metric, selectorText, names, metricSelector, cancellationToken).ConfigureAwait(false);
        if (name != "*" && values.Count == 0)
            throw CustomMetricsErrors.NotFound($"the server could not find the metric {metric} for pods {name}");
        var items = values.OrderBy(v => v.Pod, StringComparer.Ordinal)
            .Select(v => (new DescribedObject("Pod", ns, v.Pod, "/v1"), new CustomMetricValue(v.ValueMilli, v.Timestamp, v.Window)))
            .ToList();
        return Write(w => CustomMetricsJson.WriteMetricValueList(w, metric, metricSelector, items));
    }

    private async Task<MetricsApiResponse> ObjectAsync(string ns, string resource, string name, string metric, LabelSelector? metricSelector,
        CancellationToken cancellationToken)
    {
        var (kind, group, version) = KindOf(resource);
        var apiVersion = group.Length == 0 ? version : $"{group}/{version}";
        var reference = new CrossVersionObjectReference { Kind = kind, Name = name, ApiVersion = apiVersion };
        // A Namespace's metric is asked as namespaces/NS/metrics/METRIC; the provider gets the namespace as its own.
        var value = await provider.GetObjectMetricAsync(kind == "Namespace" ? name : ns, reference, metric, metricSelector, cancellationToken).ConfigureAwait(false);
        // custom-metrics-apiserver joins group and version with "/" even for the core group: "/v1".
        var described = new DescribedObject(kind, ns, name, $"{group}/{version}");
        return Write(w => CustomMetricsJson.WriteMetricValueList(w, metric, metricSelector, [(described, value)]));
    }

    private async Task<MetricsApiResponse> ExternalAsync(string[] segments, string path, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        const string group = CustomMetricsJson.ExternalGroup;
        if (segments.Length == 2)
            return Write(w => CustomMetricsJson.WriteGroup(w, group, CustomMetricsJson.ExternalVersion));
        if (segments[2] != CustomMetricsJson.ExternalVersion)
            return NotFoundPath(path, group);
        var catalog = provider as ICustomMetricsCatalog;
        if (segments.Length == 3)
        {
            var metrics = catalog is null ? [] : await catalog.ListExternalMetricsAsync(cancellationToken).ConfigureAwait(false);
            return Write(w => CustomMetricsJson.WriteExternalResourceList(w, metrics));
        }
        if (segments.Length != 6 || segments[3] != "namespaces")
            return NotFoundPath(path, group);
        var (ns, metric) = (segments[4], segments[5]);
        var selector = ParseSelector(query, "labelSelector");
        IReadOnlyList<ExternalMetricSeries> series = catalog is not null
            ? await catalog.GetExternalSeriesAsync(ns, metric, selector, cancellationToken).ConfigureAwait(false)
            : (await provider.GetExternalMetricAsync(ns, metric, selector, cancellationToken).ConfigureAwait(false))
                .Select(v => new ExternalMetricSeries(new Dictionary<string, string>(), v)).ToList();
        return Write(w => CustomMetricsJson.WriteExternalMetricValueList(w, metric, series));
    }

    /// <summary>Kind, group and version of a resource path segment ("ingresses.networking.k8s.io").</summary>
    public static (string Kind, string Group, string Version) KindOf(string resource)
    {
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        var group = dot < 0 ? "" : resource[(dot + 1)..];
        if (KnownResources.TryGetValue(resource, out var known))
            return (known.Kind, group, known.Version);
        var singular = GroupResource.Singular(dot < 0 ? resource : resource[..dot]);
        return (singular.Length == 0 ? singular : char.ToUpper(singular[0], CultureInfo.InvariantCulture) + singular[1..], group, "v1");
    }

    /// <summary>A selector query parameter as the structured LabelSelector the provider port takes:
    /// equality terms as matchLabels, set terms as matchExpressions (!= as NotIn, the same set).</summary>
    public static LabelSelector? ParseSelector(IReadOnlyDictionary<string, string?> query, string parameter)
    {
        if (!query.TryGetValue(parameter, out var text) || string.IsNullOrWhiteSpace(text))
            return null;
        if (!Selector.TryParse(text, out var selector, out var error))
            throw new BadSelectorException($"unable to parse {parameter}: {error}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var expressions = new List<LabelSelectorRequirement>();
        foreach (var r in selector.Requirements)
        {
            switch (r.Operator)
            {
                case SelectorOperator.Equals or SelectorOperator.DoubleEquals when !labels.ContainsKey(r.Key):
                    labels[r.Key] = r.Values[0];
                    break;
                case SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.In:
                    expressions.Add(new LabelSelectorRequirement { Key = r.Key, Operator = LabelSelectorOperator.In, Values = r.Values });
                    break;
                case SelectorOperator.NotEquals or SelectorOperator.NotIn:
                    expressions.Add(new LabelSelectorRequirement { Key = r.Key, Operator = LabelSelectorOperator.NotIn, Values = r.Values });
                    break;
                case SelectorOperator.Exists:
                    expressions.Add(new LabelSelectorRequirement { Key = r.Key, Operator = LabelSelectorOperator.Exists });
                    break;
                case SelectorOperator.DoesNotExist:
                    expressions.Add(new LabelSelectorRequirement { Key = r.Key, Operator = LabelSelectorOperator.DoesNotExist });
                    break;
                default:
                    throw new BadSelectorException($"unable to use {parameter} {PromQl.Quote(text)}: the operator {r.Operator} of {r.Key} has no metric selector form");
            }
        }
        return new LabelSelector
        {
            MatchLabels = labels.Count > 0 ? labels : null,
            MatchExpressions = expressions.Count > 0 ? expressions : null,
        };
    }

    private static MetricsApiResponse NotFoundPath(string path, string group) =>
        Status(404, "NotFound", $"the server could not find the requested resource ({path})", group);

    private static MetricsApiResponse Status(int code, string reason, string message, string group) =>
        Write(w => CustomMetricsJson.WriteStatus(w, code, reason, message, group), code);

    private static MetricsApiResponse Write(Action<Utf8JsonWriter> write, int code = 200)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return new MetricsApiResponse(code, buffer.WrittenSpan.ToArray());
    }

    private sealed class BadSelectorException(string message) : Exception(message);
}
