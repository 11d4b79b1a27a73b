using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace ActorScaler.Metrics.Scraping;

/// <summary>
/// The scrape path's instruments. This project has no Akka and no reference to the actors, so it has its
/// own Meter and ActivitySource under the same name as the member's (ActorScalerTelemetry.Name): one
/// AddMeter/AddSource("ActorScaler") exports both. Labels are bounded: an HTTP status code or a
/// <see cref="ScrapeReasons"/> name, never a node.
/// </summary>
public static class ScrapeTelemetry
{
    /// <summary>The same name as ActorScaler.Actors.Telemetry.ActorScalerTelemetry.Name (checked by a test).</summary>
    public const string Name = "ActorScaler";

    public const string ScrapeDurationName = "actorscaler_scrape_duration_seconds";
    public const string ScrapeErrorsName = "actorscaler_scrape_errors_total";
    public const string KubeletRequestsName = "actorscaler_kubelet_requests_total";
    public const string ScrapeSpan = "kubelet.scrape";

    public const string SuccessLabel = "success";
    public const string ReasonLabel = "reason";
    public const string CodeLabel = "code";
    /// <summary>The code label of a request that got no HTTP answer (connection, TLS, timeout).</summary>
    public const string NoResponseCode = "none";

    /// <summary>A kubelet answers in milliseconds; the request timeout is 10 s by default.</summary>
    public static IReadOnlyList<double> DurationBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static Meter Meter { get; } = new(Name);
    public static ActivitySource Source { get; } = new(Name);

    private static readonly Histogram<double> ScrapeDuration = Meter.CreateHistogram(ScrapeDurationName, "s",
        "Duration of one kubelet scrape (request and body), by success.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    private static readonly Counter<long> ScrapeErrors = Meter.CreateCounter<long>(ScrapeErrorsName, unit: null,
        "Failed kubelet scrapes, by reason (KubeletUnreachable, KubeletTimeout, KubeletCertificateInvalid, ...).");
    private static readonly Counter<long> KubeletRequests = Meter.CreateCounter<long>(KubeletRequestsName, unit: null,
        "Requests to kubelets, by HTTP status code (none when no answer came).");

    private static long _scrapes;

    /// <summary>Scrapes traced when nothing upstream is traced: one in this many (a 2,000-node cluster
    /// scrapes about 130 times a second; every scrape a trace would drown the decisions' traces).</summary>
    public static int TraceOneIn { get; set; } = 100;

    /// <summary>Starts the span of a scrape when this one is sampled (always inside an existing trace).</summary>
    internal static Activity? StartScrape(Uri url)
    {
        var sampled = Activity.Current is not null || Interlocked.Increment(ref _scrapes) % Math.Max(1, TraceOneIn) == 0;
        if (!sampled || !Source.HasListeners())
            return null;
        var activity = Source.StartActivity(ScrapeSpan, ActivityKind.Client);
        activity?.SetTag("server.address", url.Host);
        activity?.SetTag("url.path", url.AbsolutePath);
        return activity;
    }

    internal static void Succeeded(Activity? activity, TimeSpan duration, int statusCode, int bytes)
    {
        ScrapeDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(SuccessLabel, "true"));
        KubeletRequests.Add(1, new KeyValuePair<string, object?>(CodeLabel, Code(statusCode)));
        activity?.SetTag("http.response.status_code", statusCode);
        activity?.SetTag("actorscaler.scrape.bytes", bytes);
    }

    internal static void Failed(Activity? activity, TimeSpan duration, int? statusCode, string reason, string message)
    {
        ScrapeDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(SuccessLabel, "false"));
        ScrapeErrors.Add(1, new KeyValuePair<string, object?>(ReasonLabel, reason));
        KubeletRequests.Add(1, new KeyValuePair<string, object?>(CodeLabel, statusCode is { } code ? Code(code) : NoResponseCode));
        if (activity is null)
            return;
        if (statusCode is { } c)
            activity.SetTag("http.response.status_code", c);
        activity.SetTag("error.type", reason);
        activity.SetStatus(ActivityStatusCode.Error, message);
    }

    // The common codes as constants, so a steady scrape does not format a string.
    private static string Code(int statusCode) => statusCode switch
    {
        200 => "200",
        401 => "401",
        403 => "403",
        404 => "404",
        500 => "500",
        503 => "503",
        _ => statusCode.ToString(CultureInfo.InvariantCulture),
    };
}
