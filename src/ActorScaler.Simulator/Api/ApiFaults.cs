namespace ActorScaler.Simulator.Api;

/// <summary>
/// API-server faults, switchable at runtime (over HTTP at /simulator/faults/api or in process).
/// Each fault applies to requests matching the optional filters, so a test can degrade what the
/// controller sees while its own setup calls go through untouched.
/// </summary>
public sealed record ApiFaultSettings
{
    /// <summary>Added to every matching request before it is served.</summary>
    public int LatencyMilliseconds { get; init; }

    /// <summary>Fraction (0..1) of matching requests answered with <see cref="ErrorStatusCode"/>.</summary>
    public double ErrorRate { get; init; }

    /// <summary>The 5xx code for <see cref="ErrorRate"/>: 500, 503 (default) or 504.</summary>
    public int ErrorStatusCode { get; init; } = 503;

    /// <summary>Fraction (0..1) of matching writes (update, patch) answered 409 Conflict: a conflict storm.</summary>
    public double ConflictRate { get; init; }

    /// <summary>Matching watches are closed after this many seconds (0 = never).</summary>
    public int WatchMaxSeconds { get; init; }

    /// <summary>Only requests whose User-Agent contains this text (null = any).</summary>
    public string? UserAgentContains { get; init; }

    /// <summary>Only these resources, e.g. "horizontalpodautoscalers" or "deployments/scale" (empty = any).</summary>
    public IReadOnlyList<string> Resources { get; init; } = [];

    /// <summary>Only these verbs, e.g. "update", "patch", "watch" (empty = any).</summary>
    public IReadOnlyList<string> Verbs { get; init; } = [];

    /// <summary>Seed for the rate draws, so a run with faults is reproducible.</summary>
    public int Seed { get; init; } = 1;

    public string? Validate()
    {
        if (LatencyMilliseconds is < 0 or > 600_000) return "latencyMilliseconds: must be between 0 and 600000";
        if (ErrorRate is < 0 or > 1 || double.IsNaN(ErrorRate)) return "errorRate: must be between 0 and 1";
        if (ConflictRate is < 0 or > 1 || double.IsNaN(ConflictRate)) return "conflictRate: must be between 0 and 1";
        if (ErrorStatusCode is < 500 or > 599) return "errorStatusCode: must be a 5xx code";
        if (WatchMaxSeconds < 0) return "watchMaxSeconds: must not be negative";
        return null;
    }
}

/// <summary>Holds the current API fault settings and draws the random decisions.</summary>
public sealed class ApiFaults
{
    private readonly object _lock = new();
    private ApiFaultSettings _settings = new();
    private Random _random = new(1);

    public ApiFaultSettings Settings
    {
        get { lock (_lock) return _settings; }
    }

    /// <summary>Replaces the settings; throws ArgumentException with the offending field when invalid.</summary>
    public void Set(ApiFaultSettings settings)
    {
        if (settings.Validate() is { } error) throw new ArgumentException(error, nameof(settings));
        lock (_lock)
        {
            _settings = settings;
            _random = new Random(settings.Seed);
        }
    }

    public void Clear() => Set(new ApiFaultSettings());

    internal bool Applies(ApiFaultSettings s, RequestInfo info, string userAgent) =>
        (s.UserAgentContains is null || userAgent.Contains(s.UserAgentContains, StringComparison.Ordinal))
        && (s.Resources.Count == 0 || s.Resources.Contains(info.Resource) || s.Resources.Contains(info.ResourcePath))
        && (s.Verbs.Count == 0 || s.Verbs.Contains(info.Verb));

    internal bool Draw(double rate)
    {
        if (rate <= 0) return false;
        if (rate >= 1) return true;
        lock (_lock) return _random.NextDouble() < rate;
    }
}
