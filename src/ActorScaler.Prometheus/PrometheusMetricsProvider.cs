using ActorScaler.Core.Spec;
using ActorScaler.Metrics.Custom;
using ActorScaler.Prometheus.Client;
using ActorScaler.Prometheus.Rules;

namespace ActorScaler.Prometheus;

/// <summary>How often the provider rediscovers series, and how far back discovery looks.</summary>
public sealed record PrometheusProviderOptions
{
    /// <summary>
    /// prometheus-adapter's --metrics-relist-interval. The adapter defaults to 10 minutes, which is why a
    /// new metric can take that long to appear (adapter #532); discovery is one series query per rule,
    /// so a minute costs little and an unknown metric also triggers a relist (see <see cref="MissRelistInterval"/>).
    /// </summary>
    public TimeSpan RelistInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A metric no rule has discovered triggers a relist at most this often, so an HPA that
    /// names a missing metric cannot turn every sync into a series query.</summary>
    public TimeSpan MissRelistInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>prometheus-adapter's --metrics-max-age: discovery sees series with samples this recent;
    /// null = the relist interval (the adapter's default), at least one scrape interval.</summary>
    public TimeSpan? MetricsMaxAge { get; init; }
}

/// <summary>
/// Pods, Object and External metrics straight from Prometheus, configured by a prometheus-adapter rules
/// file: discovery maps series to metric names (refreshed every <see cref="PrometheusProviderOptions.RelistInterval"/>),
/// a request renders the matching rule's metricsQuery (<see cref="MetricsQueryBuilder"/>) and runs it as
/// an instant query. Unlike the adapter, values keep Prometheus's sample time and the window they cover.
/// Every failure is a <see cref="CustomMetricsException"/> naming the backend, the rule and the HPA metric.
/// </summary>
public sealed class PrometheusMetricsProvider : ICustomMetricsProvider, ICustomMetricsCatalog, IDisposable
{
    /// <summary>What upstream's HPA assumes when an adapter reports no window (metrics/client.go).</summary>
    public static readonly TimeSpan UpstreamDefaultWindow = TimeSpan.FromMinutes(1);

    private readonly PrometheusClient _client;
    private readonly PrometheusRules _rules;
    private readonly PrometheusProviderOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private volatile DiscoverySnapshot? _snapshot;
    private DateTimeOffset _lastAttempt = DateTimeOffset.MinValue;
    private TimeSpan? _scrapeInterval;

    public PrometheusMetricsProvider(PrometheusClient client, PrometheusRules rules, PrometheusProviderOptions? options = null, TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _options = options ?? new PrometheusProviderOptions();
        _time = time ?? TimeProvider.System;
    }

    public string Name => _client.Name;

    public PrometheusRules Rules => _rules;

    /// <summary>The last discovery (null before the first).</summary>
    public DiscoverySnapshot? Snapshot => _snapshot;

    /// <summary>Rediscovers now (also done lazily when the last discovery is older than the relist interval).</summary>
    public async Task<DiscoverySnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    public async Task<IReadOnlyList<PodCustomMetricValue>> GetPodsMetricAsync(string ns, string metricName, string podSelector,
        IReadOnlyList<string> podNames, LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(podNames);
        var found = await FindCustomAsync(metricName, GroupResource.Pod, cancellationToken).ConfigureAwait(false);
        if (podNames.Count == 0)
            return [];
        var query = Render(found.Rule, metricName, () => MetricsQueryBuilder.Build(found.Rule, found.Series, GroupResource.Pod, ns, metricSelector, podNames));
        var result = await RunAsync(found.Rule, metricName, query, cancellationToken).ConfigureAwait(false);
        var label = found.Rule.LabelFor(GroupResource.Pod)!;
        var wanted = podNames.ToHashSet(StringComparer.Ordinal);
        var window = WindowOf(query);
        var values = new List<PodCustomMetricValue>();
        foreach (var sample in result.Samples)
        {
            // A NaN (0/0 in a ratio) says nothing about the pod: leave it out, as a pod without metrics,
            // which the HPA treats conservatively, instead of the adapter's 0.
            if (!sample.Labels.TryGetValue(label, out var pod) || !wanted.Contains(pod) || !double.IsFinite(sample.Value))
                continue;
            values.Add(new PodCustomMetricValue(pod, Milli(sample.Value, found.Rule, metricName, query), sample.Timestamp, window));
        }
        return values;
    }

    public async Task<CustomMetricValue> GetObjectMetricAsync(string ns, CrossVersionObjectReference describedObject, string metricName,
        LabelSelector? metricSelector, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(describedObject);
        var isNamespace = describedObject.Kind == "Namespace" && GroupResource.GroupOf(describedObject.ApiVersion).Length == 0;
        var resource = isNamespace ? GroupResource.Namespace : GroupResource.ForKind(GroupResource.GroupOf(describedObject.ApiVersion), describedObject.Kind);
        var name = isNamespace && describedObject.Name.Length == 0 ? ns : describedObject.Name;
        var found = await FindCustomAsync(metricName, resource, cancellationToken).ConfigureAwait(false);
        // A Namespace is itself the object: no namespace matcher, its name on the namespace label.
        var query = Render(found.Rule, metricName, () => MetricsQueryBuilder.Build(found.Rule, found.Series, resource, isNamespace ? "" : ns, metricSelector, [name]));
        var result = await RunAsync(found.Rule, metricName, query, cancellationToken).ConfigureAwait(false);
        var label = found.Rule.LabelFor(resource)!;
        // The adapter picks the series whose resource label is the object's name; a query that groups the
        // label away answers one unlabelled series, which is then the object's value.
        var sample = result.Samples.FirstOrDefault(s => s.Labels.TryGetValue(label, out var v) && v == name)
            ?? (result.Samples.Count == 1 && !result.Samples[0].Labels.ContainsKey(label) ? result.Samples[0] : null);
        if (sample is null)
            throw CustomMetricsErrors.NotFound($"{Name}: no value of metric {PromQl.Quote(metricName)} for {resource} {ns}/{name}: the query of {found.Rule.Describe()} "
                + $"returned {result.Samples.Count} series, none with {label}={PromQl.Quote(name)} (query: {query})");
        return new CustomMetricValue(Milli(RequireFinite(sample.Value, found.Rule, metricName, query), found.Rule, metricName, query), sample.Timestamp, WindowOf(query));
    }

    public async Task<IReadOnlyList<CustomMetricValue>> GetExternalMetricAsync(string ns, string metricName, LabelSelector? metricSelector,
        CancellationToken cancellationToken) =>
        (await GetExternalSeriesAsync(ns, metricName, metricSelector, cancellationToken).ConfigureAwait(false)).Select(s => s.Value).ToList();

    public async Task<IReadOnlyList<ExternalMetricSeries>> GetExternalSeriesAsync(string ns, string metricName, LabelSelector? metricSelector,
        CancellationToken cancellationToken)
    {
        var found = await FindExternalAsync(metricName, cancellationToken).ConfigureAwait(false);
        var query = Render(found.Rule, metricName, () => MetricsQueryBuilder.BuildExternal(found.Rule, found.Series, ns, metricSelector));
        var result = await RunAsync(found.Rule, metricName, query, cancellationToken).ConfigureAwait(false);
        var window = WindowOf(query);
        return result.Samples
            .Select(s => new ExternalMetricSeries(s.Labels,
                new CustomMetricValue(Milli(RequireFinite(s.Value, found.Rule, metricName, query), found.Rule, metricName, query), s.Timestamp, window)))
            .ToList();
    }

    public async Task<IReadOnlyList<CustomMetricInfo>> ListCustomMetricsAsync(CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(miss: false, cancellationToken).ConfigureAwait(false);
        return snapshot.Custom.Keys
            .Select(k => new CustomMetricInfo(k.Resource.PluralName, k.Metric, k.Resource != GroupResource.Namespace))
            .OrderBy(m => m.Resource, StringComparer.Ordinal).ThenBy(m => m.Metric, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<IReadOnlyList<string>> ListExternalMetricsAsync(CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(miss: false, cancellationToken).ConfigureAwait(false);
        return snapshot.External.Keys.Order(StringComparer.Ordinal).ToList();
    }

    private async Task<DiscoveredCustomMetric> FindCustomAsync(string metric, GroupResource resource, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(miss: false, cancellationToken).ConfigureAwait(false);
        if (snapshot.Custom.TryGetValue((metric, resource), out var found))
            return found;
        snapshot = await SnapshotAsync(miss: true, cancellationToken).ConfigureAwait(false);
        if (snapshot.Custom.TryGetValue((metric, resource), out found))
            return found;
        var known = snapshot.Custom.Keys.Where(k => k.Resource == resource).Select(k => k.Metric).Distinct().Order(StringComparer.Ordinal).ToList();
        throw CustomMetricsErrors.NotFound($"no rule in {_rules.Source} matches metric {PromQl.Quote(metric)} for {GroupResource.Plural(resource.Resource)}"
            + (resource.Group.Length > 0 ? $".{resource.Group}" : "") + DiscoveryContext(snapshot, known));
    }

    private async Task<DiscoveredExternalMetric> FindExternalAsync(string metric, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(miss: false, cancellationToken).ConfigureAwait(false);
        if (snapshot.External.TryGetValue(metric, out var found))
            return found;
        snapshot = await SnapshotAsync(miss: true, cancellationToken).ConfigureAwait(false);
        if (snapshot.External.TryGetValue(metric, out found))
            return found;
        throw CustomMetricsErrors.NotFound($"no externalRules entry in {_rules.Source} matches external metric {PromQl.Quote(metric)}"
            + DiscoveryContext(snapshot, snapshot.External.Keys.Order(StringComparer.Ordinal).ToList()));
    }

    private static string DiscoveryContext(DiscoverySnapshot snapshot, List<string> known)
    {
        var parts = new List<string>
        {
            known.Count == 0 ? "no series discovered for it" : $"discovered: {string.Join(", ", known.Take(10))}{(known.Count > 10 ? ", ..." : "")}",
        };
        parts.AddRange(snapshot.RuleErrors);
        return $" ({string.Join("; ", parts)})";
    }

    private static string Render(DiscoveryRule rule, string metric, Func<string> build)
    {
        try
        {
            return build();
        }
        catch (QueryBuildException ex)
        {
            throw new CustomMetricsException($"cannot build the query for metric {PromQl.Quote(metric)} from {rule.Describe()}: {ex.Message}");
        }
    }

    private async Task<PrometheusQueryResult> RunAsync(DiscoveryRule rule, string metric, string query, CancellationToken cancellationToken)
    {
        PrometheusQueryResult result;
        try
        {
            result = await _client.QueryAsync(query, time: null, cancellationToken).ConfigureAwait(false);
        }
        catch (PrometheusApiException ex) when (ex.Unreachable)
        {
            throw new CustomMetricsException($"{ex.Message} (querying metric {PromQl.Quote(metric)} of {rule.Describe()})", ex);
        }
        catch (PrometheusApiException ex)
        {
            throw new CustomMetricsException($"{Name} rejected the query for metric {PromQl.Quote(metric)} of {rule.Describe()}: {ex.Message} (query: {query})", ex);
        }
        if (result.ResultType is not ("vector" or "scalar"))
            throw new CustomMetricsException($"the query for metric {PromQl.Quote(metric)} of {rule.Describe()} returned a {result.ResultType}, not an instant vector: "
                + $"metricsQuery must not end in a range selector (query: {query})");
        return result;
    }

    /// <summary>
    /// The window a value covers: the longest range in the query (the [2m] of rate(x[2m])), because a rate
    /// averages over exactly that; without one the value is a single scrape, so the scrape interval read
    /// from Prometheus's configuration; if that is unknown, the minute upstream's HPA assumes.
    /// </summary>
    private TimeSpan WindowOf(string query) => PromQl.LongestRange(query) ?? _scrapeInterval ?? UpstreamDefaultWindow;

    private static double RequireFinite(double value, DiscoveryRule rule, string metric, string query) =>
        double.IsFinite(value)
            ? value
            : throw new CustomMetricsException($"the query for metric {PromQl.Quote(metric)} of {rule.Describe()} returned {value}, not a number to scale on (query: {query})");

    /// <summary>int64(value * 1000), truncating, as the adapter makes its milli-quantities.</summary>
    private static long Milli(double value, DiscoveryRule rule, string metric, string query)
    {
        var milli = value * 1000;
        if (milli is >= long.MaxValue or <= long.MinValue)
            throw new CustomMetricsException($"the query for metric {PromQl.Quote(metric)} of {rule.Describe()} returned {value}, too large for a quantity (query: {query})");
        return (long)milli;
    }

    private async Task<DiscoverySnapshot> SnapshotAsync(bool miss, CancellationToken cancellationToken)
    {
        var interval = miss ? _options.MissRelistInterval : _options.RelistInterval;
        if (_snapshot is { } current && _time.GetUtcNow() - _lastAttempt < interval)
            return current;
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_snapshot is { } fresh && _time.GetUtcNow() - _lastAttempt < interval)
                return fresh;
            try
            {
                return await DiscoverAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PrometheusApiException) when (_snapshot is { } previous)
            {
                // Keep serving what was discovered; the query itself reports the outage.
                return previous;
            }
            catch (PrometheusApiException ex)
            {
                throw new CustomMetricsException($"{ex.Message} (discovering the series of the rules in {_rules.Source})", ex);
            }
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    // Runs under _refreshLock.
    private async Task<DiscoverySnapshot> DiscoverAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        _lastAttempt = now;
        if (_scrapeInterval is null)
        {
            try
            {
                _scrapeInterval = await _client.ScrapeIntervalAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PrometheusApiException ex) when (!ex.Unreachable)
            {
                // Some Prometheus-compatible backends do not serve /status/config: keep the fallback window.
                _scrapeInterval = null;
            }
        }
        var maxAge = _options.MetricsMaxAge ?? _options.RelistInterval;
        if (_scrapeInterval is { } scrape && maxAge < scrape)
            maxAge = scrape;
        var found = new List<(DiscoveryRule, IReadOnlyList<IReadOnlyDictionary<string, string>>)>();
        var errors = new List<string>();
        foreach (var rule in _rules.All)
        {
            try
            {
                found.Add((rule, await _client.SeriesAsync([rule.SeriesQuery], now - maxAge, now, cancellationToken).ConfigureAwait(false)));
            }
            catch (PrometheusApiException ex) when (!ex.Unreachable)
            {
                errors.Add($"{rule.Describe()}: {Name} rejected its seriesQuery: {ex.Message}");
            }
        }
        var snapshot = DiscoverySnapshot.From(now, found, errors);
        _snapshot = snapshot;
        return snapshot;
    }

    public void Dispose() => _refreshLock.Dispose();
}
