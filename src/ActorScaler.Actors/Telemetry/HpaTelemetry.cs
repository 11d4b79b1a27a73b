using System.Diagnostics;
using ActorScaler.Core.Decision;

namespace ActorScaler.Actors.Telemetry;

/// <summary>
/// The telemetry of one HPA entity, driven by its actor (single-threaded): the span of the pass in flight
/// and its /scale write, the pass's metrics when it ends, the metric age and decision latency, the
/// decision history, and the trace context the next pass continues. The entity only calls in here, so its
/// own code keeps to the decision.
/// </summary>
public sealed class HpaTelemetry(string hpaKey, string member, ControllerTelemetry? telemetry = null, int historyCapacity = DecisionHistory.DefaultCapacity)
{
    public const string HistorySpan = "hpa.history";

    private readonly ControllerTelemetry _telemetry = telemetry ?? ControllerTelemetry.Shared;
    private readonly DecisionHistory _history = new(historyCapacity);
    private string? _nextTraceParent;
    private Activity? _pass;
    private Activity? _scaleWrite;
    private long _passStarted;
    private ReconcileResult? _result;
    private DateTimeOffset? _newestSample;
    private bool _started;

    public string HpaKey { get; } = hpaKey;

    /// <summary>The pass in flight's span context (default when not traced): the parent of spans started off the actor's thread.</summary>
    public ActivityContext PassContext => _pass?.Context ?? default;

    public IReadOnlyList<DecisionRecord> History => _history.Snapshot();

    public void EntityStarted()
    {
        if (_started)
            return;
        _started = true;
        _telemetry.HpaStarted();
    }

    public void EntityStopped()
    {
        EndPass(error: "the entity stopped during the pass");
        if (!_started)
            return;
        _started = false;
        _telemetry.HpaStopped(HpaKey);
    }

    /// <summary>A message that will cause a pass carried a trace: the next pass continues it.</summary>
    public void TriggeredBy(string? traceParent)
    {
        if (!string.IsNullOrEmpty(traceParent))
            _nextTraceParent = traceParent;
    }

    /// <summary>A pass starts deciding on <paramref name="input"/>: its span opens and the sample ages are recorded.</summary>
    public void PassStarted(ReconcileInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        EndPass(error: null);
        _pass = _telemetry.StartReconcile(HpaKey, _nextTraceParent, member);
        _nextTraceParent = null;
        _passStarted = Stopwatch.GetTimestamp();
        _newestSample = null;
        var samples = input.Metrics.ResourceMetrics;
        for (var i = 0; i < samples.Count; i++)
        {
            var timestamp = samples[i].Timestamp;
            if (_newestSample is not { } newest || timestamp > newest)
                _newestSample = timestamp;
        }
        if (_newestSample is { } sample)
            _telemetry.RecordMetricAge(Core.Spec.MetricSourceType.Resource, input.Now - sample);
        // Pods metrics carry their samples' times too (Object and External values come without one).
        foreach (var podsMetric in input.Metrics.PodsMetrics.Values)
        {
            DateTimeOffset? newestPods = null;
            for (var i = 0; i < podsMetric.Count; i++)
            {
                if (newestPods is not { } n || podsMetric[i].Timestamp > n)
                    newestPods = podsMetric[i].Timestamp;
            }
            if (newestPods is { } pods)
                _telemetry.RecordMetricAge(Core.Spec.MetricSourceType.Pods, input.Now - pods);
        }
    }

    /// <summary>Opens the /scale write's span; call the write inside <see cref="ControllerTelemetry.Within"/> with it.</summary>
    public Activity? StartScaleWrite(int replicas)
    {
        _scaleWrite?.Dispose();
        _scaleWrite = _telemetry.StartScaleWrite(replicas, PassContext);
        return _scaleWrite;
    }

    /// <summary>The status write's span under <paramref name="parent"/> (<see cref="PassContext"/> read on the actor's
    /// thread: the write runs off it).</summary>
    public Activity? StartStatusWrite(ActivityContext parent) => _telemetry.StartStatusWrite(parent);

    public void ScaleWriteFinished(string? error)
    {
        ControllerTelemetry.Fail(_scaleWrite, error);
        _scaleWrite?.Dispose();
        _scaleWrite = null;
    }

    /// <summary>The pass decided and completed (the /scale write, if any, is done): history, span attributes,
    /// and the latency from the newest sample to a successful write.</summary>
    public void Decided(ScaleDecision decision, ReconcileResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(result);
        var explanation = decision.Explanation;
        _result = result;
        _telemetry.RecordDecision(_pass, explanation);
        _history.Add(DecisionRecord.From(explanation, result, member, _pass?.TraceId.ToHexString()));
        if (result.ScaledTo is not null && _newestSample is { } sample)
            _telemetry.RecordDecisionLatency(now - sample);
    }

    /// <summary>The status write failed: upstream counts the pass as an internal error.</summary>
    public void StatusWriteFailed(string error)
    {
        if (_result is not null)
            _result = _result.WithStatusWriteFailure(error);
    }

    /// <summary>The pass is over (after its status write): the metrics are recorded and its span ends.</summary>
    public void PassEnded() => EndPass(error: null);

    private void EndPass(string? error)
    {
        if (_pass is null && _result is null)
            return;
        ScaleWriteFinished(error);
        if (_result is not null)
            _telemetry.RecordPass(_result, Stopwatch.GetElapsedTime(_passStarted), hpaKey: HpaKey, reconcile: _pass);
        else
            ControllerTelemetry.Fail(_pass, error ?? "the pass ended without a decision");
        _pass?.Dispose();
        _pass = null;
        _result = null;
    }

    /// <summary>Answers <see cref="GetDecisionHistory"/>, with a span joining the asker's trace (the ask may come
    /// from another member's endpoint).</summary>
    public DecisionHistoryReply Reply(GetDecisionHistory request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var previous = Activity.Current;
        using var span = ControllerTelemetry.Source.StartActivity(HistorySpan, ActivityKind.Server, TraceContext.Restore(request.TraceParent));
        Activity.Current = previous;
        span?.SetTag(ControllerTelemetry.MemberAttribute, member);
        var records = _history.Snapshot();
        span?.SetTag("actorscaler.history.records", records.Count);
        return new DecisionHistoryReply(HpaKey, member, records);
    }
}

/// <summary>
/// A member's inventory starts a trace when an HPA's spec changes (a new metadata.generation, creation
/// included): a short span whose traceparent rides in <c>EnsureHpa</c> to the entity, wherever sharding
/// placed it, so the pass that acts on the change continues that trace. Status-only updates (our own
/// writes) start nothing.
/// </summary>
public sealed class SpecChangeTracer(string member)
{
    public const string SpecChangeSpan = "hpa.spec.change";

    private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);

    /// <summary>The traceparent to send with the ensure, or null when the generation did not change or nothing traces.</summary>
    public string? OnUpsert(string hpaKey, long generation)
    {
        ArgumentNullException.ThrowIfNull(hpaKey);
        if (_generations.TryGetValue(hpaKey, out var seen) && seen == generation)
            return null;
        _generations[hpaKey] = generation;
        var previous = Activity.Current;
        using var span = ControllerTelemetry.Source.StartActivity(SpecChangeSpan, ActivityKind.Producer, parentContext: default);
        Activity.Current = previous;
        if (span is null)
            return null;
        span.SetTag(ControllerTelemetry.MemberAttribute, member);
        span.SetTag("actorscaler.hpa.key", hpaKey);
        span.SetTag("actorscaler.hpa.generation", generation);
        return TraceContext.Capture(span);
    }

    public void Forget(string hpaKey) => _generations.Remove(hpaKey);
}
