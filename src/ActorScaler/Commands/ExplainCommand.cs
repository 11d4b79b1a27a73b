using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Text.Json;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ActorScaler.Commands;

/// <summary>
/// `actorscaler explain NAMESPACE/NAME`: the last decisions of one HPA, read from any member's
/// --listen-address (the member forwards to the one that owns the HPA), step by step: each metric's
/// value, target and proposal, the tolerance, the stabilization window, the rate limit, the [min, max]
/// clamp and the final count, so "why 7 replicas?" has a line-by-line answer.
/// </summary>
public sealed class ExplainCommand : AsyncCommand<ExplainCommand.Settings>
{
    public const string DefaultMember = "127.0.0.1:8443";

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<NAMESPACE/NAME>")]
        [Description("The HPA, as namespace/name.")]
        public string Hpa { get; init; } = "";

        [CommandOption("--member <HOST:PORT>")]
        [Description("Any member's --listen-address (HTTPS), or a full URL such as http://127.0.0.1:8080 for --listen-insecure-http.")]
        [DefaultValue(DefaultMember)]
        public string Member { get; init; } = DefaultMember;

        [CommandOption("--insecure")]
        [Description("Do not verify the member's TLS certificate (members serve a self-signed one unless given another).")]
        public bool Insecure { get; init; }

        [CommandOption("--timeout <SECONDS>")]
        [Description("How long to wait for the member.")]
        [DefaultValue(10)]
        public int TimeoutSeconds { get; init; } = 10;

        public override ValidationResult Validate()
        {
            if (ParseHpa(Hpa) is null)
                return ValidationResult.Error($"invalid HPA \"{Hpa}\": must be NAMESPACE/NAME");
            if (ParseMember(Member) is null)
                return ValidationResult.Error($"invalid value for --member: \"{Member}\": must be HOST:PORT or an http(s) URL");
            if (TimeoutSeconds < 1)
                return ValidationResult.Error("invalid value for --timeout: must be at least 1 second");
            return ValidationResult.Success();
        }
    }

    public static (string Namespace, string Name)? ParseHpa(string text)
    {
        var parts = text.Split('/');
        return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0 ? (parts[0], parts[1]) : null;
    }

    /// <summary>HOST:PORT means https (what members serve by default); a URL keeps its scheme.</summary>
    public static Uri? ParseMember(string text)
    {
        if (text.Contains("://", StringComparison.Ordinal))
            return Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps) ? url : null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return null;
        return Uri.TryCreate($"https://{text}", UriKind.Absolute, out var https) ? https : null;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (ns, name) = ParseHpa(settings.Hpa)!.Value;
        var member = ParseMember(settings.Member)!;
        var result = await FetchAsync(member, ns, name, settings.Insecure, TimeSpan.FromSeconds(settings.TimeoutSeconds), cancellationToken).ConfigureAwait(false);
        if (result.Error is { } error)
        {
            await Console.Error.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return 1;
        }
        Render(AnsiConsole.Console, result.Reply!);
        return 0;
    }

    public sealed record FetchResult(DecisionHistoryReply? Reply, string? Error);

    /// <summary>GETs the member's decisions endpoint; every failure comes back as one readable sentence.</summary>
    public static async Task<FetchResult> FetchAsync(Uri member, string ns, string name, bool insecure, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        using var handler = new SocketsHttpHandler();
        if (insecure)
        {
            // --insecure is the operator's explicit choice for a member's self-signed certificate (the default).
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        using var http = new HttpClient(handler) { Timeout = timeout };
        var url = new Uri(member, TelemetryFeature.DecisionsPath(ns, name));
        try
        {
            using var response = await http.GetAsync(url, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
                return new FetchResult(null, $"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
            }
            var reply = await response.Content.ReadFromJsonAsync<DecisionHistoryReply>(DecisionHistoryJson.Options, cancellationToken).ConfigureAwait(false);
            return reply is null ? new FetchResult(null, $"{url} answered an empty document") : new FetchResult(reply, null);
        }
        catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException)
        {
            return new FetchResult(null, $"cannot verify the TLS certificate of {member}: {ex.InnerException.Message} (members serve a self-signed certificate by default: add --insecure)");
        }
        catch (HttpRequestException ex)
        {
            return new FetchResult(null, $"cannot reach {member}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new FetchResult(null, $"{member} did not answer within {timeout.TotalSeconds:0}s");
        }
        catch (JsonException ex)
        {
            return new FetchResult(null, $"{url} answered something that is not a decision history: {ex.Message}");
        }
    }

    /// <summary>One block per decision, oldest first, so the newest (the answer to "why N?") is printed last.</summary>
    public static void Render(IAnsiConsole console, DecisionHistoryReply reply)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(reply);
        console.MarkupLine($"[bold]{Markup.Escape(reply.HpaKey)}[/]: {reply.Records.Count} decision(s), owned by {Markup.Escape(reply.Member)}");
        if (reply.Records.Count == 0)
        {
            console.WriteLine("no decision yet (the entity has not completed a pass since it started)");
            return;
        }
        foreach (var record in reply.Records)
        {
            console.WriteLine();
            RenderRecord(console, record);
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static void RenderRecord(IAnsiConsole console, DecisionRecord record)
    {
        var when = record.Repeats > 1 ? $"{Time(record.Time)} .. {Time(record.LastTime)} ({record.Repeats} identical passes)" : Time(record.Time);
        var change = record.FinalReplicas == record.CurrentReplicas ? $"{record.CurrentReplicas} replicas (no change)" : $"{record.CurrentReplicas} -> {record.FinalReplicas} replicas";
        console.MarkupLine($"[bold]{Markup.Escape(when)}[/]  {Markup.Escape(change)}  {Markup.Escape(record.Outcome)}");
        console.MarkupLine($"  reason: {Markup.Escape(record.Reason)}");

        if (record.Metrics.Count > 0)
        {
            var metrics = new Table().Border(TableBorder.Simple)
                .AddColumn("metric").AddColumn("current").AddColumn("target").AddColumn("ratio").AddColumn("tolerance").AddColumn("proposal");
            var band = string.Create(CultureInfo.InvariantCulture, $"[{1 - record.ScaleDownTolerance:0.###}, {1 + record.ScaleUpTolerance:0.###}]");
            foreach (var metric in record.Metrics)
            {
                var ratio = metric.UsageRatio is { } r ? r.ToString("0.###", CultureInfo.InvariantCulture) : "-";
                var tolerance = metric.Error is not null ? "-"
                    : metric.UsageRatio is null ? "-"
                    : metric.WithinTolerance ? $"within {band}: no change" : $"outside {band}";
                var proposal = metric.Error is { } error ? $"failed: {error}" : Number(metric.ProposedReplicas);
                metrics.AddRow(Markup.Escape(metric.Name), Markup.Escape(metric.Current), Markup.Escape(metric.Target), ratio, Markup.Escape(tolerance), Markup.Escape(proposal));
            }
            console.Write(metrics);
        }

        var steps = new Table().Border(TableBorder.Simple).AddColumn("step").AddColumn("replicas").AddColumn("why");
        if (record.Recommendation is { } recommendation)
            steps.AddRow("recommendation", Number(recommendation), Markup.Escape(record.RecommendingMetric is { } m ? $"largest proposal ({m})" : "largest proposal"));
        if (record.Stabilized is { } stabilized)
            steps.AddRow("stabilization", Number(stabilized), Markup.Escape(StabilizationText(record)));
        if (record.AfterPolicies is { } afterPolicies)
            steps.AddRow("rate limit", Number(afterPolicies), Markup.Escape(PolicyText(record)));
        if (record.AfterClamp is { } afterClamp)
            steps.AddRow("min/max", Number(afterClamp), Markup.Escape(ClampText(record)));
        steps.AddRow("[bold]final[/]", $"[bold]{Number(record.FinalReplicas)}[/]", Markup.Escape(FinalText(record)));
        console.Write(steps);
    }

    private static string StabilizationText(DecisionRecord record) => record.StabilizationReason switch
    {
        "ScaleDownStabilized" => $"a higher recommendation in the scale-down window holds it at {record.Stabilized} (was {record.Recommendation})",
        "ScaleUpStabilized" => $"a lower recommendation in the scale-up window holds it at {record.Stabilized} (was {record.Recommendation})",
        _ => "no effect (the window's recommendations allow it)",
    };

    private static string PolicyText(DecisionRecord record) => record.Limit switch
    {
        nameof(Core.Decision.ScalingLimit.ScaleUpRate) => $"scale-up limited to {record.PolicyLimit} in this period",
        nameof(Core.Decision.ScalingLimit.ScaleDownRate) => $"scale-down limited to {record.PolicyLimit} in this period",
        _ when record.PolicyLimit is { } limit => $"within the limit ({limit})",
        _ => "no limit in this direction",
    };

    private static string ClampText(DecisionRecord record) => record.Limit switch
    {
        nameof(Core.Decision.ScalingLimit.MaxReplicas) => $"capped at maxReplicas {record.MaxReplicas}",
        nameof(Core.Decision.ScalingLimit.MinReplicas) => $"raised to minReplicas {record.MinReplicas}",
        _ => $"within [{record.MinReplicas}, {record.MaxReplicas}]",
    };

    private static string FinalText(DecisionRecord record)
    {
        if (record.ScaledTo is { } scaledTo)
            return $"written to /scale ({scaledTo})";
        if (record.Error is { } error)
            return $"error: {error}";
        return record.FinalReplicas == record.CurrentReplicas ? "no /scale write" : "not written";
    }
}
