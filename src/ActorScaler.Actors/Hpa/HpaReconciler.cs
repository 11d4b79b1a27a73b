using System.Globalization;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Durations;
using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Clients;
using ActorScaler.Kubernetes.Informers;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.DistributedData;
using Akka.Event;
using ApiScaleWrite = ActorScaler.Kubernetes.Clients.ScaleWriteResult;
using CoreScaleWrite = ActorScaler.Core.Decision.ScaleWriteResult;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// The reconciler of one HPA: a child of the <see cref="ScaleTargetReconciler"/> entity of the HPA's
/// scale target, so everything that writes a target's /scale lives in that target's one entity
/// (sharding keeps exactly one alive in the cluster). It reconciles every sync period (jittered,
/// per-HPA override annotation) and also soon after fresh metrics for its pods arrive (debounced),
/// reading everything from the member's informer caches and metrics store; the Pods, Object and
/// External metrics arrive from the HPA's <see cref="HpaSupervisor"/> (its metric children's readings).
/// A pass is the core's Decide, at most one /scale write in flight (PUT with the cached
/// resourceVersion; on 409 one fresh GET and a new decision), the core's Complete, then the status write
/// only when it changed and the events. In shadow mode nothing is written but the decision annotation.
/// The upstream controller's per-HPA memory is the single immutable <see cref="DecisionState"/> value
/// held here and replicated (<see cref="DecisionStateReplication"/>).
/// </summary>
// CA1001: the writes' CancellationTokenSource is cancelled and disposed in PostStop, the actor's end
// of life; an actor is never disposed by its owner.
#pragma warning disable CA1001
public sealed class HpaReconciler : ReceiveActor, IWithTimers
#pragma warning restore CA1001
{
    private const string SyncTimer = "sync";
    private const string DebounceTimer = "debounce";
    private const string NotSyncedTimer = "not-synced";
    private const string RestoreTimer = "restore";
    private static readonly TimeSpan NotSyncedRetry = TimeSpan.FromSeconds(1);
    /// <summary>How long an HPA may be missing from this member's cache before its reconciler stops.</summary>
    private static readonly TimeSpan MissingHpaGrace = TimeSpan.FromSeconds(5);

    /// <summary>What the custom and external metrics clients answer while no provider is registered
    /// (upstream's text when the aggregated APIs are absent).</summary>
    public const string NoCustomMetricsApi = "unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered";
    public const string NoExternalMetricsApi = "unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered";

    private readonly string _key;
    private readonly string _ns;
    private readonly HpaControllerContext _context;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _member;

    private bool _started;
    private bool _busy;
    /// <summary>The life of this reconciler's writes: cancelled when it stops.</summary>
    private readonly CancellationTokenSource _writes = new();
    private bool _handingOff;
    private bool _pending;
    private long _passes;
    private DateTimeOffset _lastPassAt = DateTimeOffset.MinValue;
    private DateTimeOffset _lastStatusWriteAt = DateTimeOffset.MinValue;
    private DecisionState _state = DecisionState.Initial;
    private int _lastCurrent = -1;
    private int _lastDesired = -1;
    private string _lastReason = "";
    private string? _lastShadowDecision;
    private string? _lastReadError;
    private long _lastGeneration = -1;
    private DateTimeOffset? _missingSince;
    private IDisposable? _subscription;
    private string? _subscribedSelector;
    private string? _parsedSelectorText;
    private Selector? _parsedSelector;
    private WrittenStatus? _writtenStatus;
    private WrittenScale? _writtenScale;
    private readonly Dictionary<string, MetricReading> _readings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _metricFirstSeen = new(StringComparer.Ordinal);
    private readonly IActorRef? _replicator;
    private readonly LWWRegisterKey<ReplicatedDecisionState> _stateKey;
    private UniqueAddress? _selfAddress;
    private bool _restoring;
    private bool _readLocally;
    private DecisionState _replicatedState = DecisionState.Initial;
    private DateTimeOffset _replicatedAt = DateTimeOffset.MinValue;
    private bool _awaitingReadings;
    private readonly HpaTelemetry _telemetry;

    /// <summary>The status we wrote on top of the HPA version it was based on: until the watch delivers
    /// our write, the cache still shows the old status, and a pass must not redo the write.</summary>
    private sealed record WrittenStatus(string BasedOnResourceVersion, HorizontalPodAutoscalerStatus Status);

    /// <summary>The replicas we wrote and the resourceVersion the write returned, over the version it
    /// replaced, for the same reason: a lagging cache must not cause a duplicate write or a 409.</summary>
    private sealed record WrittenScale(string BasedOnResourceVersion, string ResourceVersion, int Replicas);

    private sealed record PassInputs(HorizontalPodAutoscaler Hpa, ReconcileInput Input, string ScaleResourceVersion);

    private sealed record ScaleWritten(PassInputs Pass, ScaleDecision Decision, ApiScaleWrite Result, bool Retried);

    private sealed record ScaleReread(PassInputs Pass, ScaleDecision Decision, ScaleRead? Fresh, string? Error);

    private sealed record PassFinished(string HpaResourceVersion, HorizontalPodAutoscalerStatus? StatusWritten, string? ShadowDecision, DateTimeOffset At = default,
        string? StatusWriteError = null);

    /// <summary>Local: the replicated state did not arrive in time (the replicator is overloaded).</summary>
    private sealed class RestoreDeadline : INoSerializationVerificationNeeded
    {
        public static readonly RestoreDeadline Instance = new();
    }

    /// <param name="replicator">Akka.DistributedData's replicator, to keep the decision state across
    /// failovers (<see cref="DecisionStateReplication"/>); null keeps it in memory only (tests, one member).</param>
    public HpaReconciler(string hpaKey, HpaControllerContext context, IActorRef? replicator = null)
    {
        _key = hpaKey;
        _replicator = replicator;
        _stateKey = DecisionStateReplication.KeyFor(hpaKey);
        var slash = hpaKey.IndexOf('/', StringComparison.Ordinal);
        _ns = slash < 0 ? "" : hpaKey[..slash];
        _context = context;
        // The provider's address is the cluster member's address (and works without a cluster in tests).
        _member = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        _telemetry = new HpaTelemetry(hpaKey, _member);

        Receive<ReconcileHpa>(reconcile =>
        {
            var fresh = TakeReadings(reconcile.Readings);
            if (!_started)
            {
                _telemetry.TriggeredBy(reconcile.TraceParent);
                Start();
                return;
            }
            // The supervisor forwards every spec change: a new spec (generation) is acted on at once, as
            // upstream's informer enqueues the HPA; keep-alives for an unchanged HPA cost nothing.
            if (_context.Inputs.TryGetHpa(_key, out var entry) && entry.Hpa is { } hpa && hpa.Metadata.Generation != _lastGeneration)
            {
                _telemetry.TriggeredBy(reconcile.TraceParent);
                RequestPass();
            }
            else if (fresh)
            {
                OnFreshMetrics();
            }
        });
        Receive<ReleaseHpa>(_ => Stop("the HPA was deleted, retargeted or is no longer selected"));
        Receive<HandOffReconcilers>(_ => HandOff());
        Receive<HandOffDeadline>(_ =>
        {
            _log.Warning("HPA {0}: a write was still in flight {1} after the hand-off began; stopping anyway", _key, HandOffDrainTimeout);
            Context.Stop(Self);
        });
        Receive<GetHpaOwner>(_ =>
        {
            Start();
            Sender.Tell(new HpaOwner(_key, _member, _passes, _lastCurrent, _lastDesired, _lastReason));
        });
        Receive<GetDecisionHistory>(request =>
        {
            Start();
            Sender.Tell(_telemetry.Reply(request));
        });
        Receive<SyncTick>(_ =>
        {
            ScheduleSync();
            RequestPass();
        });
        Receive<FreshMetrics>(_ => OnFreshMetrics());
        Receive<IGetResponse>(OnStateRead);
        Receive<RestoreDeadline>(_ => FinishRestore(null));
        // WriteLocal always succeeds; nothing waits for the answer.
        Receive<IUpdateResponse>(_ => { });
        Receive<DebounceElapsed>(_ => RequestPass());
        Receive<ScaleWritten>(OnScaleWritten);
        Receive<ScaleReread>(OnScaleReread);
        Receive<PassFinished>(OnPassFinished);
        Receive<Status.Failure>(failure =>
        {
            // The writer reports API errors in its results; an exception here is a bug or a cancelled
            // task. Log it and let the next period try again rather than stall the entity.
            _log.Error(failure.Cause, "HPA {0}: pass failed", _key);
            EndPass();
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string hpaKey, HpaControllerContext context, IActorRef? replicator = null) =>
        Akka.Actor.Props.Create(() => new HpaReconciler(hpaKey, context, replicator));

    protected override void PostStop()
    {
        // Writes still queued for a connection must not land once this reconciler is gone (its target
        // may already have a new owner); one already on the wire cannot be recalled.
        _writes.Cancel();
        _writes.Dispose();
        _telemetry.EntityStopped();
        _subscription?.Dispose();
        base.PostStop();
    }

    private void Start()
    {
        if (_started)
            return;
        _started = true;
        _telemetry.EntityStarted();
        ScheduleSync();
        if (_replicator is not null)
        {
            // Before the first pass, pick up the memory of the previous owner (a member that died or left).
            _selfAddress = Akka.Cluster.Cluster.Get(Context.System).SelfUniqueAddress;
            _restoring = true;
            var timeout = DecisionStateReplication.ReadTimeout(_context.Options.SyncPeriod);
            _replicator.Tell(Dsl.Get(_stateKey, new ReadMajority(timeout)));
            // The replicator always answers; this only bounds the wait if it is overloaded.
            Timers.StartSingleTimer(RestoreTimer, RestoreDeadline.Instance, timeout * 3);
            return;
        }
        RequestPass();
    }

    private void OnStateRead(IGetResponse response)
    {
        if (!_restoring)
            return;
        if (response.IsFailure && !_readLocally)
        {
            _readLocally = true;
            // No majority within the timeout (members down or joining): this member's replica is still
            // better than forgetting.
            _replicator!.Tell(Dsl.Get(_stateKey, ReadLocal.Instance));
            return;
        }
        FinishRestore(response.IsSuccessful && response.IsFound ? response.Get(_stateKey).Value : null);
    }

    private void FinishRestore(ReplicatedDecisionState? replicated)
    {
        if (!_restoring)
            return;
        _restoring = false;
        Timers.Cancel(RestoreTimer);
        var uid = _context.Inputs.TryGetHpa(_key, out var entry) ? entry.Hpa?.Metadata.Uid ?? "" : "";
        if (replicated is not null && replicated.HpaUid.Length > 0 && string.Equals(replicated.HpaUid, uid, StringComparison.Ordinal))
        {
            _state = replicated.State;
            _replicatedState = replicated.State;
            if (_log.IsInfoEnabled)
                _log.Info("HPA {0}: restored decision state ({1} recommendations, {2} scale-up and {3} scale-down events)", _key,
                    _state.Recommendations?.Count ?? 0, _state.ScaleUpEvents.Count, _state.ScaleDownEvents.Count);
        }
        RequestPass();
    }

    /// <summary>Replicates the state when a pass changed what a successor needs (WriteLocal: the pass
    /// never waits); see <see cref="DecisionStateReplication.IsWorthReplicating"/>.</summary>
    private void ReplicateState(string hpaUid, int currentReplicas)
    {
        if (_replicator is null || _selfAddress is not { } self)
            return;
        var now = _context.Time.GetUtcNow();
        if (!DecisionStateReplication.IsWorthReplicating(_replicatedState, _state, currentReplicas, now - _replicatedAt, _context.Options.SyncPeriod))
            return;
        _replicatedState = _state;
        _replicatedAt = now;
        var value = new ReplicatedDecisionState(hpaUid, _state);
        _replicator.Tell(Dsl.Update(_stateKey, new LWWRegister<ReplicatedDecisionState>(self, value), WriteLocal.Instance,
            register => register.WithValue(self, value)));
    }

    /// <summary>How long a handed-off reconciler waits for its writes in flight. Akka's shard stops its
    /// entities by force after max(handoff-timeout - 5 s, 1 s), 5 s with our 10 s; a second is plenty
    /// for a write already sent and keeps a rebalance short, and a reconciler stopped before its
    /// writes finished still cancels those not yet sent (<see cref="PostStop"/>).</summary>
    private static readonly TimeSpan HandOffDrainTimeout = TimeSpan.FromSeconds(1);

    private sealed class HandOffDeadline : INoSerializationVerificationNeeded
    {
        public static readonly HandOffDeadline Instance = new();
    }

    /// <summary>The target moves to another member: no new pass starts here; a pass with writes in
    /// flight finishes them (<see cref="EndPass"/> then stops the actor), so they land before the
    /// hand-off completes and the next owner's first write.</summary>
    private void HandOff()
    {
        _handingOff = true;
        Timers.CancelAll();
        if (!_busy)
        {
            Context.Stop(Self);
            return;
        }
        Timers.StartSingleTimer(nameof(HandOffDeadline), HandOffDeadline.Instance, HandOffDrainTimeout);
    }

    // A child, not an entity: it stops itself, and its target's entity passivates when it has none left.
    private void Stop(string why)
    {
        if (_log.IsInfoEnabled)
            _log.Info("HPA {0}: stopping: {1}", _key, why);
        Timers.CancelAll();
        Context.Stop(Self);
    }

    private void ScheduleSync()
    {
        var period = _context.Options.SyncPeriod;
        if (_context.Inputs.TryGetHpa(_key, out var entry)
            && entry.Hpa?.Metadata.Annotations.TryGetValue(HpaSelection.SyncPeriodAnnotation, out var text) == true)
        {
            if (GoDuration.TryParse(text, out var custom, out var error) && custom >= TimeSpan.FromSeconds(1))
                period = custom;
            else
                _log.Warning("HPA {0}: ignoring annotation {1}=\"{2}\": {3}", _key, HpaSelection.SyncPeriodAnnotation, text,
                    error ?? "must be at least 1s");
        }
        var jitter = period * (_context.Options.SyncJitter * Random.Shared.NextDouble());
        Timers.StartSingleTimer(SyncTimer, SyncTick.Instance, period + jitter);
    }

    private void OnFreshMetrics()
    {
        if (Timers.IsTimerActive(DebounceTimer))
            return;
        var sinceLast = _context.Time.GetUtcNow() - _lastPassAt;
        var delay = _context.Options.FreshMetricsDebounce;
        var untilAllowed = _context.Options.MinPassInterval - sinceLast;
        if (untilAllowed > delay)
            delay = untilAllowed;
        Timers.StartSingleTimer(DebounceTimer, DebounceElapsed.Instance, delay);
    }

    private void RequestPass()
    {
        if (_handingOff)
            return;
        if (_busy)
        {
            _pending = true;
            return;
        }
        RunPass();
    }

    private void RunPass()
    {
        if (_restoring)
            return; // FinishRestore requests the pass.
        if (!_context.Inputs.IsSynced)
        {
            Timers.StartSingleTimer(NotSyncedTimer, DebounceElapsed.Instance, NotSyncedRetry);
            return;
        }
        if (!_context.Inputs.TryGetHpa(_key, out var entry))
        {
            // The supervisor saw the HPA in its member's cache; this member's watch may be a moment
            // behind (a new HPA, a reconciler on another member). Wait for it before concluding it is gone.
            var now = _context.Time.GetUtcNow();
            _missingSince ??= now;
            if (now - _missingSince.Value < MissingHpaGrace)
            {
                Timers.StartSingleTimer(NotSyncedTimer, DebounceElapsed.Instance, NotSyncedRetry);
                return;
            }
            Stop("the HPA no longer exists");
            return;
        }
        _missingSince = null;
        if (!HpaSelection.IsSelected(entry, _context.Options.HpaSelector))
        {
            Stop("the HPA is not selected by this controller");
            return;
        }
        if (entry.Hpa is null)
        {
            if (!string.Equals(_lastReadError, entry.Error, StringComparison.Ordinal))
                _log.Warning("HPA {0}: cannot read the object: {1}", _key, entry.Error);
            _lastReadError = entry.Error;
            return;
        }
        _lastReadError = null;
        var hpa = entry.Hpa;
        _lastGeneration = hpa.Metadata.Generation;
        if (_writtenStatus is { } written && string.Equals(written.BasedOnResourceVersion, hpa.Metadata.ResourceVersion, StringComparison.Ordinal))
            hpa = hpa with { Status = written.Status };

        // BuildInputs notes the spec's metrics (NoteQueries), which the wait below looks at.
        var pass = BuildInputs(hpa);
        if (AwaitFirstReadings(pass.Input.Now))
            return;
        _telemetry.PassStarted(pass.Input);
        var decision = AutoscalerReconciler.Decide(pass.Input);
        _busy = true;
        _lastPassAt = pass.Input.Now;
        if (decision.ScaleWriteReplicas is { } replicas && !_context.Options.Shadow)
        {
            var target = hpa.Spec.ScaleTargetRef;
            ControllerTelemetry.Within(_telemetry.StartScaleWrite(replicas),
                    () => _context.Writer.WriteScaleAsync(hpa.Metadata.Namespace, target, replicas, pass.ScaleResourceVersion, _writes.Token))
                .PipeTo(Self, success: result => new ScaleWritten(pass, decision, result, Retried: false));
            return;
        }
        // Shadow mode completes a rescale as if written: the decision state then follows what a
        // controller in charge would remember, which is what a comparison with it needs.
        Finish(pass, decision, decision.ScaleWriteReplicas is null ? null : CoreScaleWrite.Succeeded);
    }

    /// <summary>At most this many pods are described in a log line.</summary>
    private const int DescribedPods = 4;

    /// <summary>"2 pods: web-1 Ready cpu 72m, 1.2 s old over 2.0 s; web-2 not Ready no sample".</summary>
    private static string DescribeResourceInputs(ReconcileInput input)
    {
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{input.Pods.Count} pods, {input.Metrics.ResourceMetrics.Count} resource samples");
        var samples = input.Metrics.ResourceMetrics;
        for (var i = 0; i < input.Pods.Count && i < DescribedPods; i++)
        {
            var pod = input.Pods[i];
            text.Append(i == 0 ? ": " : "; ").Append(pod.Name).Append(' ')
                .Append(pod.Ready is null ? "no Ready condition" : pod.Ready.Status == ConditionStatus.True ? "Ready" : "not Ready");
            if (pod.DeletionTimestamp is not null)
                text.Append(", deleting");
            if (samples.TryGet(pod.Name, out var sample))
            {
                var cpu = sample.Containers.Sum(c => c.UsageMilli.TryGetValue(PodMetricsConversion.Cpu, out var m) ? m : 0);
                text.Append(CultureInfo.InvariantCulture, $" cpu {cpu}m, {(input.Now - sample.Timestamp).TotalSeconds:0.0} s old over {sample.Window.TotalSeconds:0.0} s");
            }
            else
            {
                text.Append(" no sample");
            }
        }
        if (input.Pods.Count > DescribedPods)
            text.Append("; ...");
        return text.ToString();
    }

    private PassInputs BuildInputs(HorizontalPodAutoscaler hpa, ScaleRead? freshScale = null)
    {
        var target = hpa.Spec.ScaleTargetRef;
        ScaleSubresource? scale = null;
        string? scaleError = null;
        var resourceVersion = "";
        if (freshScale is not null)
        {
            scale = freshScale.Scale;
            resourceVersion = freshScale.ResourceVersion;
        }
        else if (_context.Inputs.TryGetScale(hpa.Metadata.Namespace, target, out var cached, out var error))
        {
            scale = cached.Scale;
            resourceVersion = cached.ResourceVersion;
            if (_writtenScale is { } written && string.Equals(written.BasedOnResourceVersion, resourceVersion, StringComparison.Ordinal))
            {
                scale = scale with { SpecReplicas = written.Replicas };
                resourceVersion = written.ResourceVersion;
            }
        }
        else
        {
            scaleError = error;
        }

        var ns = hpa.Metadata.Namespace;
        var now = _context.Time.GetUtcNow();
        var oldestUsable = now - _context.Options.ResourceMetricsMaxAge;
        var samples = new List<ResourceMetricSample>();
        IReadOnlyList<PodInfo> pods = [];
        Selector? podSelector = null;
        if (scale is { Selector.Length: > 0 } && ParseSelector(scale.Selector) is { } selector)
        {
            podSelector = selector;
            EnsureSubscription(ns, scale.Selector, selector);
            // The scale's pods from the member's pod cache, and each one's metrics from the member's store
            // (what upstream reads as PodMetrics by the same selector).
            pods = _context.Inputs.PodsMatching(ns, scale.Selector, selector);
            foreach (var pod in pods)
                if (_context.Metrics.TryGetPod(ns, pod.Name, out var usage, out var receivedAt) && receivedAt >= oldestUsable)
                    samples.Add(PodMetricsConversion.ToSample(usage));
        }

        var metrics = new MetricsSnapshot { ResourceMetrics = new PodResourceMetrics(samples) };
        if (_context.CustomMetrics is null)
        {
            metrics = metrics with { CustomMetricsError = NoCustomMetricsApi, ExternalMetricsError = NoExternalMetricsApi };
        }
        else
        {
            // The supervisor's children read these metrics; their last answers arrived with ReconcileHpa.
            var queries = CustomMetricQuery.ForSpec(hpa, scale?.Selector ?? "", podSelector, pods);
            NoteQueries(queries, now);
            metrics = CustomMetricSnapshot.Apply(metrics, queries.Select(q => _readings.TryGetValue(q.Key, out var r) ? r.ToReading(q) : new CustomMetricReading { Query = q }),
                now, StalenessBudget(hpa));
        }

        var input = new ReconcileInput
        {
            Hpa = hpa,
            Settings = _context.Options.Settings,
            Scale = scale,
            GetScaleError = scaleError,
            Pods = pods,
            Metrics = metrics,
            OtherHpaSelectors = _context.Inputs.OverlappingHpas(ns, _key, pods, _context.Options.HpaSelector),
            Now = now,
            State = _state,
        };
        return new PassInputs(hpa, input, resourceVersion);
    }

    /// <summary>Keeps the readings the supervisor forwarded; true when one carries a new value or a
    /// new failure (fresh metrics: react as to a scrape batch), false for a repeat.</summary>
    private bool TakeReadings(IReadOnlyList<MetricReading> readings)
    {
        var fresh = false;
        foreach (var reading in readings)
        {
            _readings.TryGetValue(reading.Key, out var previous);
            _readings[reading.Key] = reading;
            if (reading.Error is null ? previous is null || !previous.SameValues(reading) : previous?.Error is null)
                fresh = true;
        }
        if (fresh && _awaitingReadings && _metricFirstSeen.Keys.All(_readings.ContainsKey))
        {
            _awaitingReadings = false;
            Timers.Cancel(NotSyncedTimer);
            RequestPass();
            return false;
        }
        return fresh;
    }

    /// <summary>Remembers when each metric of the spec was first seen, for <see cref="AwaitFirstReadings"/>.</summary>
    private void NoteQueries(List<CustomMetricQuery> queries, DateTimeOffset now)
    {
        foreach (var query in queries)
            _metricFirstSeen.TryAdd(query.Key, now);
        if (_metricFirstSeen.Count > queries.Count)
            foreach (var key in _metricFirstSeen.Keys.Where(k => !queries.Exists(q => q.Key == k)).ToList())
                _metricFirstSeen.Remove(key);
    }

    /// <summary>The first pass after a metric appears waits (briefly) for its first answer, so a fresh
    /// HPA does not report a failed metric just because its child has not asked yet.</summary>
    private bool AwaitFirstReadings(DateTimeOffset now)
    {
        var wait = _context.Options.FirstReadingWait;
        if (_metricFirstSeen.Any(p => !_readings.ContainsKey(p.Key) && now - p.Value < wait))
        {
            _awaitingReadings = true;
            Timers.StartSingleTimer(NotSyncedTimer, DebounceElapsed.Instance, wait);
            return true;
        }
        _awaitingReadings = false;
        return false;
    }

    /// <summary>The HPA's staleness budget: the annotation when valid, else the controller's default.</summary>
    private TimeSpan StalenessBudget(HorizontalPodAutoscaler hpa)
    {
        if (hpa.Metadata.Annotations.TryGetValue(HpaSelection.StalenessBudgetAnnotation, out var text)
            && GoDuration.TryParse(text, out var budget, out _) && budget >= TimeSpan.Zero)
            return budget;
        return _context.Options.CustomMetricsStalenessBudget;
    }

    /// <summary>The scale's selector, parsed once per distinct text (it changes only with the workload).</summary>
    private Selector? ParseSelector(string text)
    {
        if (!string.Equals(text, _parsedSelectorText, StringComparison.Ordinal))
        {
            _parsedSelectorText = text;
            _parsedSelector = Selector.TryParse(text, out var parsed, out _) ? parsed : null;
        }
        return _parsedSelector;
    }

    private void EnsureSubscription(string ns, string selectorText, Selector selector)
    {
        if (string.Equals(_subscribedSelector, selectorText, StringComparison.Ordinal))
            return;
        _subscription?.Dispose();
        _subscription = _context.Metrics.Subscribe(ns, selector, Self, FreshMetrics.Instance);
        _subscribedSelector = selectorText;
    }

    private void OnScaleWritten(ScaleWritten written)
    {
        var result = written.Result;
        var replicas = written.Decision.ScaleWriteReplicas ?? 0;
        _telemetry.ScaleWriteFinished(result.Outcome == ScaleWriteOutcome.Written ? null : result.Error ?? result.Outcome.ToString());
        switch (result.Outcome)
        {
            case ScaleWriteOutcome.Written:
                _writtenScale = new WrittenScale(written.Pass.ScaleResourceVersion, result.ResourceVersion ?? "", replicas);
                Finish(written.Pass, written.Decision, CoreScaleWrite.Succeeded);
                break;
            case ScaleWriteOutcome.Conflict when !written.Retried:
                // Someone changed the target since the cache saw it: read it once, decide again.
                _log.Info("HPA {0}: /scale write conflicted, re-reading the target", _key);
                var hpa = written.Pass.Hpa;
                ReadScale(hpa.Metadata.Namespace, hpa.Spec.ScaleTargetRef)
                    .PipeTo(Self, success: r => new ScaleReread(written.Pass, written.Decision, r.Read, r.Error));
                break;
            default:
                Finish(written.Pass, written.Decision, CoreScaleWrite.Failed(result.Error ?? "scale write failed"));
                break;
        }
    }

    private async Task<(ScaleRead? Read, string? Error)> ReadScale(string ns, CrossVersionObjectReference target)
    {
        try
        {
            return (await _context.Writer.ReadScaleAsync(ns, target, _writes.Token).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or ScaleTargetException)
        {
            return (null, ex is k8s.Autorest.HttpOperationException http ? KubernetesErrors.Message(http) : ex.Message);
        }
    }

    private void OnScaleReread(ScaleReread reread)
    {
        if (reread.Fresh is null)
        {
            Finish(reread.Pass, reread.Decision, CoreScaleWrite.Failed(reread.Error ?? "scale read failed"));
            return;
        }
        var pass = BuildInputs(reread.Pass.Hpa, reread.Fresh);
        var decision = AutoscalerReconciler.Decide(pass.Input);
        if (decision.ScaleWriteReplicas is { } replicas)
        {
            var hpa = pass.Hpa;
            ControllerTelemetry.Within(_telemetry.StartScaleWrite(replicas),
                    () => _context.Writer.WriteScaleAsync(hpa.Metadata.Namespace, hpa.Spec.ScaleTargetRef, replicas, pass.ScaleResourceVersion, _writes.Token))
                .PipeTo(Self, success: result => new ScaleWritten(pass, decision, result, Retried: true));
            return;
        }
        Finish(pass, decision, null);
    }

    private void Finish(PassInputs pass, ScaleDecision decision, CoreScaleWrite? scaleWrite)
    {
        var result = AutoscalerReconciler.Complete(decision, scaleWrite);
        _telemetry.Decided(decision, result, _context.Time.GetUtcNow());
        _state = result.State;
        ReplicateState(pass.Hpa.Metadata.Uid ?? "", result.ScaledTo ?? decision.CurrentReplicas);
        _passes++;
        if (decision.Outcome != DecisionOutcome.FailedGetScale)
        {
            _lastCurrent = decision.CurrentReplicas;
            _lastDesired = decision.DesiredReplicas;
        }
        var reason = ReasonOf(decision, result);
        // Both lines say what the pass saw (pods, readiness, each one's CPU sample with its age and
        // window): "why did it scale" and "no metrics for targeted pods" with samples present read
        // differently from the same lines without them (a store that expired them, a cache that lost pods).
        if (result.ScaledTo is { } scaledTo && _log.IsInfoEnabled)
            _log.Info("HPA {0}: {1} {2} -> {3}: {4} (the pass saw {5})", _key, _context.Options.Shadow ? "would rescale" : "rescaled", decision.CurrentReplicas, scaledTo,
                decision.RescaleReason, DescribeResourceInputs(pass.Input));
        if (result.Error is not null && !string.Equals(result.Error, _lastReason, StringComparison.Ordinal) && _log.IsWarningEnabled)
            _log.Warning("HPA {0}: {1} (the pass saw {2})", _key, result.Error, DescribeResourceInputs(pass.Input));
        _lastReason = reason;

        var hpa = pass.Hpa;
        if (_context.Options.Shadow)
        {
            var text = $"desiredReplicas={decision.DesiredReplicas} currentReplicas={decision.CurrentReplicas} reason={reason}";
            if (string.Equals(text, _lastShadowDecision, StringComparison.Ordinal))
            {
                EndPass();
                return;
            }
            _log.Info("HPA {0} (shadow): {1}", _key, text);
            AnnotateAsync(hpa, text).PipeTo(Self);
            return;
        }
        var writeStatus = result.StatusUpdateNeeded;
        var now = _context.Time.GetUtcNow();
        if (writeStatus && now - _lastStatusWriteAt < _context.Options.SyncPeriod * _context.Options.MetricJitterRefreshPeriods
            && MetricJitter.IsJitterOnly(hpa.Status, result.Status, _context.Options.Settings.Tolerance))
            writeStatus = false;
        WriteOutcomeAsync(hpa, result, writeStatus, now).PipeTo(Self);
    }

    private static string ReasonOf(ScaleDecision decision, ReconcileResult result)
    {
        if (decision.RescaleReason.Length > 0)
            return decision.RescaleReason;
        if (result.Error is not null)
            return result.Error;
        var limited = result.Status.Conditions.FirstOrDefault(c => c.Type == HpaConditionType.ScalingLimited && c.Status == "True");
        return limited is not null ? $"{limited.Reason}: {limited.Message}" : "within tolerance";
    }

    private async Task<PassFinished> AnnotateAsync(HorizontalPodAutoscaler hpa, string text)
    {
        var written = await _context.Writer.AnnotateShadowDecisionAsync(hpa.Metadata.Namespace, hpa.Metadata.Name, text, _writes.Token).ConfigureAwait(false);
        return new PassFinished(hpa.Metadata.ResourceVersion ?? "", null, written.IsSuccess ? text : null);
    }

    /// <summary>Upstream's order: events as the pass recorded them, then the status update (only when it
    /// changed); a failed status write adds FailedUpdateStatus.</summary>
    private async Task<PassFinished> WriteOutcomeAsync(HorizontalPodAutoscaler hpa, ReconcileResult result, bool writeStatus, DateTimeOffset now)
    {
        var writer = _context.Writer;
        var passContext = _telemetry.PassContext;
        var stopped = _writes.Token;
        foreach (var hpaEvent in result.Events)
            await writer.RecordEventAsync(hpa, hpaEvent, stopped).ConfigureAwait(false);
        if (!writeStatus)
            return new PassFinished(hpa.Metadata.ResourceVersion ?? "", null, null);
        HpaWriteResult status;
        using (var span = _telemetry.StartStatusWrite(passContext))
        {
            status = await writer.WriteStatusAsync(hpa, result.Status, stopped).ConfigureAwait(false);
            ControllerTelemetry.Fail(span, status.Error);
        }
        if (status.IsSuccess)
            return new PassFinished(hpa.Metadata.ResourceVersion ?? "", result.Status, null, now);
        var failed = result.WithStatusWriteFailure(status.Error!);
        await writer.RecordEventAsync(hpa, failed.Events[^1], stopped).ConfigureAwait(false);
        return new PassFinished(hpa.Metadata.ResourceVersion ?? "", null, null, StatusWriteError: status.Error);
    }

    private void OnPassFinished(PassFinished finished)
    {
        if (finished.StatusWriteError is { } statusError)
            _telemetry.StatusWriteFailed(statusError);
        if (finished.StatusWritten is not null)
        {
            _writtenStatus = new WrittenStatus(finished.HpaResourceVersion, finished.StatusWritten);
            _lastStatusWriteAt = finished.At;
        }
        if (finished.ShadowDecision is not null)
            _lastShadowDecision = finished.ShadowDecision;
        EndPass();
    }

    private void EndPass()
    {
        _telemetry.PassEnded();
        _busy = false;
        if (_handingOff)
        {
            Context.Stop(Self);
            return;
        }
        if (_pending)
        {
            _pending = false;
            RunPass();
        }
    }
}
