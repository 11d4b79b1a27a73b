using System.Diagnostics;
using System.Globalization;
using ActorScaler.Core.Decision;

namespace ActorScaler.Actors.Telemetry;

/// <summary>
/// The calls the HPA controller makes: one span per reconcile (a child of the trace that triggered it,
/// carried in messages as a traceparent), child spans per metric source and for the /scale and status
/// writes, the decision's numbers as span attributes, and the pass's upstream-compatible metrics.
/// Everything is a no-op when no listener samples the span or no exporter reads the instrument.
/// </summary>
public sealed class ControllerTelemetry(ActorScalerTelemetry telemetry)
{
    public const string ReconcileSpan = "hpa.reconcile";
    public const string MetricSpan = "hpa.metric";
    public const string ScaleWriteSpan = "hpa.scale.write";
    public const string StatusWriteSpan = "hpa.status.write";

    /// <summary>The one ActivitySource of the actors (same name as the meter: <see cref="ActorScalerTelemetry.Name"/>).</summary>
    public static ActivitySource Source { get; } = new(ActorScalerTelemetry.Name);

    /// <summary>The process-wide facade over <see cref="ActorScalerTelemetry.Shared"/>.</summary>
    public static ControllerTelemetry Shared { get; } = new(ActorScalerTelemetry.Shared);

    // Span attribute names: OTel's semantic conventions where one exists (k8s.*), ours otherwise.
    public const string NamespaceAttribute = "k8s.namespace.name";
    public const string HpaAttribute = "k8s.hpa.name";
    public const string MemberAttribute = "actorscaler.member";

    public ActorScalerTelemetry Instruments { get; } = telemetry;

    /// <summary>Starts the span of one pass for "namespace/name". <paramref name="traceParent"/> is the W3C
    /// traceparent of whatever triggered the pass (fresh metrics from a scraper on another member); without
    /// one the pass starts a trace.</summary>
    public Activity? StartReconcile(string hpaKey, string? traceParent, string? member = null)
    {
        ArgumentNullException.ThrowIfNull(hpaKey);
        var parent = TraceContext.Restore(traceParent);
        var previous = Activity.Current;
        var activity = Source.StartActivity(ReconcileSpan, ActivityKind.Internal, parent);
        if (activity is null)
            return null;
        // An actor's pass spans several messages on pooled threads: the span is carried explicitly (children
        // name it as parent), never left as the thread's current activity for whatever runs next.
        Activity.Current = previous;
        var slash = hpaKey.IndexOf('/', StringComparison.Ordinal);
        activity.SetTag(NamespaceAttribute, slash < 0 ? "" : hpaKey[..slash]);
        activity.SetTag(HpaAttribute, slash < 0 ? hpaKey : hpaKey[(slash + 1)..]);
        if (member is not null)
            activity.SetTag(MemberAttribute, member);
        return activity;
    }

    /// <summary>A child span for reading one metric source (the metrics store, a custom metrics API).</summary>
    public Activity? StartMetricSource(string metricType, string metricName, ActivityContext parent = default)
    {
        var activity = Source.StartActivity(MetricSpan, ActivityKind.Internal, parent == default ? Activity.Current?.Context ?? default : parent);
        activity?.SetTag("actorscaler.metric.type", metricType);
        activity?.SetTag("actorscaler.metric.name", metricName);
        return activity;
    }

    /// <summary>The span of a /scale write; like the reconcile span it is not left current (see <see cref="Within"/>).</summary>
    public Activity? StartScaleWrite(int replicas, ActivityContext parent = default)
    {
        var previous = Activity.Current;
        var activity = Source.StartActivity(ScaleWriteSpan, ActivityKind.Client, parent == default ? previous?.Context ?? default : parent);
        Activity.Current = previous;
        activity?.SetTag("actorscaler.scale.replicas", replicas);
        return activity;
    }

    public Activity? StartStatusWrite(ActivityContext parent = default) =>
        Source.StartActivity(StatusWriteSpan, ActivityKind.Client, parent == default ? Activity.Current?.Context ?? default : parent);

    /// <summary>Makes <paramref name="span"/> the current activity while <paramref name="call"/> starts (so the
    /// HTTP client's span of an API call becomes its child), then restores the previous one.</summary>
    public static T Within<T>(Activity? span, Func<T> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (span is null)
            return call();
        var previous = Activity.Current;
        Activity.Current = span;
        try
        {
            return call();
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    /// <summary>Marks a span failed with the error text (a failed write, a failed metric).</summary>
    public static void Fail(Activity? activity, string? error)
    {
        if (activity is null || error is null)
            return;
        activity.SetStatus(ActivityStatusCode.Error, error);
    }

    /// <summary>
    /// Puts the decision's numbers on the reconcile span (stabilization, rate limit, clamp, final count) and
    /// adds one child span per metric with its value, target, ratio, tolerance and proposal. Metric spans
    /// already opened with <see cref="StartMetricSource"/> can be annotated instead with <see cref="AnnotateMetric"/>.
    /// </summary>
    public void RecordDecision(Activity? reconcile, DecisionExplanation explanation, bool metricSpans = true)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        if (reconcile is null)
            return;
        reconcile.SetTag("actorscaler.decision.outcome", explanation.Outcome.ToString());
        reconcile.SetTag("actorscaler.replicas.current", explanation.CurrentReplicas);
        reconcile.SetTag("actorscaler.replicas.min", explanation.MinReplicas);
        reconcile.SetTag("actorscaler.replicas.max", explanation.MaxReplicas);
        reconcile.SetTag("actorscaler.tolerance.scale_up", explanation.ScaleUpTolerance);
        reconcile.SetTag("actorscaler.tolerance.scale_down", explanation.ScaleDownTolerance);
        SetIfValue(reconcile, "actorscaler.replicas.recommendation", explanation.Recommendation);
        SetIfValue(reconcile, "actorscaler.replicas.stabilized", explanation.Stabilized);
        if (explanation.StabilizationReason is not null)
            reconcile.SetTag("actorscaler.stabilization.reason", explanation.StabilizationReason);
        SetIfValue(reconcile, "actorscaler.policy.limit", explanation.PolicyLimit);
        SetIfValue(reconcile, "actorscaler.replicas.after_policies", explanation.AfterPolicies);
        SetIfValue(reconcile, "actorscaler.replicas.after_clamp", explanation.AfterClamp);
        reconcile.SetTag("actorscaler.limit", explanation.Limit.ToString());
        reconcile.SetTag("actorscaler.replicas.desired", explanation.FinalReplicas);
        reconcile.SetTag("actorscaler.decision.reason", explanation.Reason);
        if (!metricSpans)
            return;
        foreach (var metric in explanation.Metrics)
        {
            using var span = Source.StartActivity(MetricSpan, ActivityKind.Internal, reconcile.Context);
            if (span is null)
                continue;
            span.SetTag("actorscaler.metric.type", metric.Type);
            span.SetTag("actorscaler.metric.name", metric.Name);
            AnnotateMetric(span, metric);
        }
    }

    /// <summary>A metric's proposal as attributes of its span.</summary>
    public static void AnnotateMetric(Activity? span, MetricExplanation metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (span is null)
            return;
        span.SetTag("actorscaler.metric.current", metric.Current);
        span.SetTag("actorscaler.metric.target", metric.Target);
        if (metric.UsageRatio is { } ratio)
            span.SetTag("actorscaler.metric.usage_ratio", Math.Round(ratio, 4).ToString(CultureInfo.InvariantCulture));
        span.SetTag("actorscaler.metric.within_tolerance", metric.WithinTolerance);
        SetIfValue(span, "actorscaler.metric.proposed_replicas", metric.ProposedReplicas);
        Fail(span, metric.Error);
    }

    /// <summary>
    /// The pass's metrics: reconciliations_total and reconciliation_duration_seconds{action,error},
    /// metric_computation_total{action,error,metric_type}, and metric_computation_duration_seconds when the
    /// caller timed each metric (<paramref name="metricDurations"/>, in spec order; upstream times each
    /// metric's fetch and calculation).
    /// </summary>
    public void RecordPass(ReconcileResult result, TimeSpan duration, IReadOnlyList<TimeSpan>? metricDurations = null, string? hpaKey = null, Activity? reconcile = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var monitor = result.Monitor;
        var action = new KeyValuePair<string, object?>(ActorScalerTelemetry.ActionLabel, monitor.Action);
        var error = new KeyValuePair<string, object?>(ActorScalerTelemetry.ErrorLabel, monitor.Error);
        Instruments.ReconciliationsTotal.Add(1, action, error);
        Instruments.ReconciliationDuration.Record(duration.TotalSeconds, action, error);
        for (var i = 0; i < monitor.MetricComputations.Count; i++)
        {
            var observation = monitor.MetricComputations[i];
            var metricAction = new KeyValuePair<string, object?>(ActorScalerTelemetry.ActionLabel, observation.Action);
            var metricError = new KeyValuePair<string, object?>(ActorScalerTelemetry.ErrorLabel, observation.Error);
            var metricType = new KeyValuePair<string, object?>(ActorScalerTelemetry.MetricTypeLabel, observation.MetricSourceType);
            Instruments.MetricComputationTotal.Add(1, metricAction, metricError, metricType);
            if (metricDurations is not null && i < metricDurations.Count)
                Instruments.MetricComputationDuration.Record(metricDurations[i].TotalSeconds, metricAction, metricError, metricType);
        }
        if (hpaKey is not null && Instruments.PerHpaMetrics)
        {
            var slash = hpaKey.IndexOf('/', StringComparison.Ordinal);
            if (slash > 0)
                Instruments.SetDesiredReplicas(hpaKey[..slash], hpaKey[(slash + 1)..], result.Status.DesiredReplicas);
        }
        if (reconcile is not null)
        {
            reconcile.SetTag("actorscaler.monitor.action", monitor.Action);
            reconcile.SetTag("actorscaler.monitor.error", monitor.Error);
            Fail(reconcile, result.Error);
        }
    }

    /// <summary>The age of the samples a decision used (e.g. now minus the oldest pod sample's timestamp).</summary>
    public void RecordMetricAge(string metricType, TimeSpan age) =>
        Instruments.MetricAge.Record(Math.Max(0, age.TotalSeconds), new KeyValuePair<string, object?>(ActorScalerTelemetry.MetricTypeLabel, metricType));

    /// <summary>From the newest kubelet sample behind a decision to its successful /scale write.</summary>
    public void RecordDecisionLatency(TimeSpan sampleToWrite) =>
        Instruments.DecisionLatency.Record(Math.Max(0, sampleToWrite.TotalSeconds));

    /// <summary>An HPA entity started on this member (num_horizontal_pod_autoscalers).</summary>
    public void HpaStarted() => Instruments.NumHorizontalPodAutoscalers.Add(1);

    /// <summary>An HPA entity stopped or moved away: its per-HPA series goes with it.</summary>
    public void HpaStopped(string hpaKey)
    {
        ArgumentNullException.ThrowIfNull(hpaKey);
        Instruments.NumHorizontalPodAutoscalers.Add(-1);
        var slash = hpaKey.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0)
            Instruments.ForgetHpa(hpaKey[..slash], hpaKey[(slash + 1)..]);
    }

    private static void SetIfValue(Activity activity, string name, int? value)
    {
        if (value is { } v)
            activity.SetTag(name, v);
    }
}
