using System.Buffers;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>
/// One reconcileAutoscaler pass (horizontal.go) as two pure steps around the only write that can fail
/// midway: <see cref="Decide"/> says whether and what to write to /scale; the caller writes it; then
/// <see cref="Complete"/> turns the decision and the write's result into the new status, the events, the
/// monitor labels and the new in-memory state. Nothing here reads a clock or does I/O.
/// </summary>
public static class AutoscalerReconciler
{
    public const string SelectorRequiredMessage = "selector is required";
    public const string AboveMaxReplicasReason = "Current number of replicas above Spec.MaxReplicas";
    public const string BelowMinReplicasReason = "Current number of replicas below Spec.MinReplicas";
    public const string AllMetricsBelowTargetReason = "All metrics below target";

    private static readonly MetricStatus EmptyMetricStatus = new();

    public static ScaleDecision Decide(ReconcileInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var hpa = input.Hpa;
        var settings = input.Settings;
        var now = input.Now;
        var conditions = ConditionSet.From(hpa.Status.Conditions);
        var events = new List<HpaEvent>(2);
        var computations = new List<MetricComputationObservation>(hpa.Spec.Metrics.Count);
        var state = input.State;
        var target = hpa.Spec.ScaleTargetRef;

        ScaleDecision FailedGetScale(string error, string returned, bool specError)
        {
            events.Add(new HpaEvent(HpaEventType.Warning, HpaEventReason.FailedGetScale, error));
            conditions.Set(HpaConditionType.AbleToScale, ConditionStatusText.False, HpaConditionReason.FailedGetScale,
                $"the HPA controller was unable to get the target's current scale: {error}", now);
            return new ScaleDecision
            {
                Outcome = DecisionOutcome.FailedGetScale, Hpa = hpa, Now = now, Settings = settings, Conditions = conditions, Events = events,
                MetricComputations = computations, State = state, Error = returned, SpecError = specError,
            };
        }

        if (!TryParseGroupVersion(target.ApiVersion, out var groupVersionError))
        {
            // A bad apiVersion is the user's mistake: the reconciliation is labelled a spec error.
            return FailedGetScale(groupVersionError, $"invalid API version in scale target reference: {groupVersionError}", specError: true);
        }
        if (input.Scale is not { } scale)
        {
            var error = input.GetScaleError
                ?? throw new ArgumentException("a reconcile input needs either Scale or GetScaleError", nameof(input));
            return FailedGetScale(error, $"failed to query scale subresource for {Reference(hpa)}: {error}", specError: false);
        }
        conditions.Set(HpaConditionType.AbleToScale, ConditionStatusText.True, HpaConditionReason.SucceededGetScale, HpaConditionReason.SucceededGetScaleMessage, now);

        var currentReplicas = scale.SpecReplicas;
        if (state.Recommendations is null)
        {
            // A controller that just (re)started cannot scale down before a full window has passed.
            state = state with { Recommendations = [new TimestampedRecommendation(currentReplicas, now)] };
        }
        var minReplicas = hpa.Spec.MinReplicas ?? 1;
        var maxReplicas = hpa.Spec.MaxReplicas;
        var behavior = BehaviorDefaults.Resolve(hpa.Spec.Behavior, settings.DownscaleStabilizationWindow);
        var hasObjectOrExternal = HasObjectOrExternalMetrics(hpa.Spec.Metrics);
        // v1.37 scale to zero: a workload at zero is the HPA's to wake only if the HPA parked it there.
        var scaledToZeroCondition = settings.ScaleToZeroEnabled
            && string.Equals(conditions.StatusOf(HpaConditionType.ScaledToZero), ConditionStatusText.True, StringComparison.Ordinal);
        var canScaleFromZero = scaledToZeroCondition && hasObjectOrExternal;

        var desiredReplicas = 0;
        var rescaleReason = "";
        var rescale = true;
        IReadOnlyList<MetricStatus>? metricStatuses = null;
        string? deferredError = null;
        MetricProposal[]? proposals = null;
        NormalizationSteps? normalization = null;
        var tolerances = default(Tolerances);
        var recommendingMetric = "";
        var raisedToMinimum = false;

        bool scalingDisabled;
        if (currentReplicas == 0)
        {
            scalingDisabled = settings.ScaleToZeroEnabled
                ? !((minReplicas != 0 && scaledToZeroCondition) || canScaleFromZero)
                : minReplicas != 0;
        }
        else
        {
            scalingDisabled = false;
        }

        if (scalingDisabled)
        {
            rescale = false;
            conditions.Set(HpaConditionType.ScalingActive, ConditionStatusText.False, HpaConditionReason.ScalingDisabled, HpaConditionReason.ScalingDisabledMessage, now);
        }
        // At zero and not disabled (a workload the HPA parked) the min/max fix-ups do not apply: the metrics
        // decide, and the result is raised to the minimum below.
        else if (currentReplicas > maxReplicas && currentReplicas != 0)
        {
            rescaleReason = AboveMaxReplicasReason;
            desiredReplicas = maxReplicas;
        }
        else if (currentReplicas < minReplicas && currentReplicas != 0)
        {
            rescaleReason = BelowMinReplicasReason;
            desiredReplicas = minReplicas;
        }
        else
        {
            var pass = ComputeReplicasForMetrics(input, scale, conditions, events, computations);
            metricStatuses = pass.Statuses;
            proposals = pass.Proposals;
            tolerances = pass.Tolerances;
            if (pass.Error is not null)
            {
                events.Add(new HpaEvent(HpaEventType.Warning, HpaEventReason.FailedComputeMetricsReplicas, pass.Error));
                return new ScaleDecision
                {
                    Outcome = DecisionOutcome.FailedComputeMetrics, CurrentReplicas = currentReplicas, DesiredReplicas = hpa.Status.DesiredReplicas,
                    Hpa = hpa, Now = now, Settings = settings, Conditions = conditions, Events = events, MetricComputations = computations,
                    State = state, Behavior = behavior, MetricStatuses = metricStatuses, MinReplicas = minReplicas,
                    HasObjectOrExternalMetrics = hasObjectOrExternal, Proposals = proposals, Tolerances = tolerances,
                    Error = $"failed to compute desired number of replicas based on listed metrics for {Reference(hpa)}: {pass.Error}",
                };
            }
            deferredError = pass.DeferredError;

            var rescaleMetric = "";
            if (pass.Replicas > desiredReplicas)
            {
                desiredReplicas = pass.Replicas;
                rescaleMetric = pass.MetricName;
            }
            if (desiredReplicas > currentReplicas)
            {
                rescaleReason = AboveTargetReason(rescaleMetric);
            }
            if (desiredReplicas < currentReplicas)
            {
                rescaleReason = AllMetricsBelowTargetReason;
            }
            recommendingMetric = pass.MetricName;
            NormalizationSteps steps;
            (desiredReplicas, state, steps) = behavior is null
                ? NormalizeDesiredReplicas(hpa, settings, state, conditions, currentReplicas, desiredReplicas, minReplicas, now)
                : NormalizeDesiredReplicasWithBehaviors(hpa, behavior, state, conditions, currentReplicas, desiredReplicas, minReplicas, now);
            normalization = steps;
            if (currentReplicas == 0 && minReplicas != 0 && scaledToZeroCondition && desiredReplicas < minReplicas)
            {
                // Waking a parked workload whose minimum has since been raised: never below the minimum.
                desiredReplicas = minReplicas;
                raisedToMinimum = true;
            }
            rescale = desiredReplicas != currentReplicas;
        }

        return new ScaleDecision
        {
            Outcome = rescale ? DecisionOutcome.Rescale : DecisionOutcome.NoRescale,
            CurrentReplicas = currentReplicas,
            DesiredReplicas = rescale ? desiredReplicas : currentReplicas,
            RescaleReason = rescaleReason,
            Hpa = hpa, Now = now, Settings = settings, Conditions = conditions, Events = events, MetricComputations = computations,
            State = state, Behavior = behavior, MetricStatuses = metricStatuses, MinReplicas = minReplicas,
            HasObjectOrExternalMetrics = hasObjectOrExternal, DeferredError = deferredError,
            Proposals = proposals, RecommendingMetric = recommendingMetric, Normalization = normalization, Tolerances = tolerances,
            RaisedToMinimumFromZero = raisedToMinimum,
        };
    }

    /// <summary>
    /// Finishes the pass. <paramref name="scaleWrite"/> is the result of writing
    /// <see cref="ScaleDecision.ScaleWriteReplicas"/> to /scale; pass null when the decision asked for no write.
    /// </summary>
    public static ReconcileResult Complete(ScaleDecision decision, ScaleWriteResult? scaleWrite)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.Outcome == DecisionOutcome.Rescale && scaleWrite is null)
        {
            throw new ArgumentException("the decision asked for a /scale write: pass the write's result", nameof(scaleWrite));
        }
        if (decision.Outcome != DecisionOutcome.Rescale && scaleWrite is not null)
        {
            throw new ArgumentException($"the decision ({decision.Outcome}) asked for no /scale write", nameof(scaleWrite));
        }

        var hpa = decision.Hpa;
        var now = decision.Now;
        var oldStatus = hpa.Status;
        var conditions = decision.Conditions;
        var events = new List<HpaEvent>(decision.Events.Count + 1);
        events.AddRange(decision.Events);
        ConditionUpdate ableToScale = default, scaledToZero = default;
        var state = decision.State;
        var action = MonitorLabel.ActionNone;
        var error = decision.Error;
        int? scaledTo = null;
        HorizontalPodAutoscalerStatus status;

        switch (decision.Outcome)
        {
            case DecisionOutcome.FailedGetScale:
                status = oldStatus with { Conditions = conditions.ToConditions(now) };
                break;
            case DecisionOutcome.FailedComputeMetrics:
                status = NewStatus(oldStatus, decision.CurrentReplicas, oldStatus.DesiredReplicas, decision.MetricStatuses, conditions.ToConditions(now), rescaledAt: null);
                break;
            case DecisionOutcome.NoRescale:
                status = NewStatus(oldStatus, decision.CurrentReplicas, decision.CurrentReplicas, decision.MetricStatuses, conditions.ToConditions(now), rescaledAt: null);
                break;
            default:
                var desired = decision.DesiredReplicas;
                if (scaleWrite!.Error is { } writeError)
                {
                    events.Add(new HpaEvent(HpaEventType.Warning, HpaEventReason.FailedRescale,
                        $"New size: {desired}; reason: {decision.RescaleReason}; error: {writeError}"));
                    ableToScale = new ConditionUpdate(HpaConditionType.AbleToScale, ConditionStatusText.False, HpaConditionReason.FailedUpdateScale,
                        $"the HPA controller was unable to update the target scale: {writeError}");
                    status = NewStatus(oldStatus, decision.CurrentReplicas, oldStatus.DesiredReplicas, decision.MetricStatuses, conditions.ToConditions(now, ableToScale), rescaledAt: null);
                    error = $"failed to rescale {Reference(hpa)}: {writeError}";
                    break;
                }
                ableToScale = new ConditionUpdate(HpaConditionType.AbleToScale, ConditionStatusText.True, HpaConditionReason.SucceededRescale,
                    $"the HPA controller was able to update the target scale to {desired}");
                events.Add(new HpaEvent(HpaEventType.Normal, HpaEventReason.SuccessfulRescale, $"New size: {desired}; reason: {decision.RescaleReason}"));
                state = ScaleEventHistory.StoreScaleEvent(state, decision.Behavior, decision.CurrentReplicas, desired, now);
                if (decision.Settings.ScaleToZeroEnabled)
                {
                    if (decision.CurrentReplicas > 0 && desired == 0 && decision.MinReplicas == 0 && decision.HasObjectOrExternalMetrics)
                    {
                        scaledToZero = new ConditionUpdate(HpaConditionType.ScaledToZero, ConditionStatusText.True, HpaConditionReason.ScaledToZero, HpaConditionReason.ScaledToZeroMessage);
                    }
                    else
                    {
                        scaledToZero = new ConditionUpdate(HpaConditionType.ScaledToZero, ConditionStatusText.False, HpaConditionReason.NotScaledToZero, HpaConditionReason.NotScaledToZeroMessage);
                    }
                }
                action = desired > decision.CurrentReplicas ? MonitorLabel.ActionScaleUp : MonitorLabel.ActionScaleDown;
                scaledTo = desired;
                status = NewStatus(oldStatus, decision.CurrentReplicas, desired, decision.MetricStatuses, conditions.ToConditions(now, ableToScale, scaledToZero), rescaledAt: now);
                break;
        }

        error ??= decision.DeferredError;
        var errorLabel = error is null ? MonitorLabel.ErrorNone
            : decision.SpecError && error == decision.Error ? MonitorLabel.ErrorSpec
            : MonitorLabel.ErrorInternal;
        return new ReconcileResult
        {
            Status = status,
            StatusUpdateNeeded = !StatusEquality.SemanticEquals(oldStatus, status),
            Events = events,
            Monitor = new ReconciliationMonitor(action, errorLabel, decision.MetricComputations),
            State = state,
            ScaledTo = scaledTo,
            Error = error,
            HpaName = hpa.Metadata.Name,
        };
    }

    /// <summary>Decide, then Complete with the given write result when a write was asked for (what-if and tests).</summary>
    public static ReconcileResult Reconcile(ReconcileInput input, Func<int, ScaleWriteResult> writeScale)
    {
        ArgumentNullException.ThrowIfNull(writeScale);
        var decision = Decide(input);
        return Complete(decision, decision.ScaleWriteReplicas is { } replicas ? writeScale(replicas) : null);
    }

    /// <summary>schema.ParseGroupVersion: "", "v1" and "group/version" parse; more slashes do not.</summary>
    public static bool TryParseGroupVersion(string? apiVersion, out string error)
    {
        error = "";
        if (string.IsNullOrEmpty(apiVersion) || apiVersion == "/")
        {
            return true;
        }
        var slashes = apiVersion.AsSpan().Count('/');
        if (slashes <= 1)
        {
            return true;
        }
        error = $"unexpected GroupVersion string: {apiVersion}";
        return false;
    }

    /// <summary>setStatus: a new status object (observedGeneration is not written by this controller version).</summary>
    private static HorizontalPodAutoscalerStatus NewStatus(HorizontalPodAutoscalerStatus old, int currentReplicas, int desiredReplicas,
        IReadOnlyList<MetricStatus>? metricStatuses, HpaCondition[] conditions, DateTimeOffset? rescaledAt) => new()
        {
            CurrentReplicas = currentReplicas,
            DesiredReplicas = desiredReplicas,
            LastScaleTime = rescaledAt ?? old.LastScaleTime,
            CurrentMetrics = metricStatuses ?? [],
            Conditions = conditions,
        };

    /// <summary>The "kind/namespace/name" upstream names the target by in returned errors; built only when needed.</summary>
    private static string Reference(HorizontalPodAutoscaler hpa) =>
        $"{hpa.Spec.ScaleTargetRef.Kind}/{hpa.Metadata.Namespace}/{hpa.Spec.ScaleTargetRef.Name}";

    private static (int Desired, DecisionState State, NormalizationSteps Steps) NormalizeDesiredReplicas(HorizontalPodAutoscaler hpa, ControllerSettings settings, DecisionState state,
        ConditionSet conditions, int currentReplicas, int prenormalizedDesiredReplicas, int minReplicas, DateTimeOffset now)
    {
        var stabilized = StabilizationWindow.Stabilize(state.Recommendations, prenormalizedDesiredReplicas, settings.DownscaleStabilizationWindow, now);
        conditions.Set(HpaConditionType.AbleToScale, ConditionStatusText.True, stabilized.Reason, stabilized.Message, now);
        var limited = ReplicaLimits.ConvertDesiredReplicasWithRules(currentReplicas, stabilized.StabilizedReplicas, minReplicas, hpa.Spec.MaxReplicas,
            settings.ScaleUpLimitFactor, settings.ScaleUpLimitMinimum);
        SetScalingLimited(conditions, limited, stabilized.StabilizedReplicas, now);
        return (limited.Replicas, state with { Recommendations = stabilized.Recommendations },
            new NormalizationSteps(prenormalizedDesiredReplicas, stabilized.StabilizedReplicas, stabilized.Reason, limited.Replicas, limited.Reason));
    }

    private static (int Desired, DecisionState State, NormalizationSteps Steps) NormalizeDesiredReplicasWithBehaviors(HorizontalPodAutoscaler hpa, ResolvedBehavior behavior, DecisionState state,
        ConditionSet conditions, int currentReplicas, int prenormalizedDesiredReplicas, int minReplicas, DateTimeOffset now)
    {
        var stabilized = StabilizationWindow.StabilizeWithBehaviors(state.Recommendations, currentReplicas, prenormalizedDesiredReplicas,
            behavior.ScaleUp.StabilizationWindowSeconds, behavior.ScaleDown.StabilizationWindowSeconds, now);
        conditions.Set(HpaConditionType.AbleToScale, ConditionStatusText.True, stabilized.Reason, stabilized.Message, now);
        var limited = ReplicaLimits.ConvertDesiredReplicasWithBehaviorRate(currentReplicas, stabilized.StabilizedReplicas, minReplicas, hpa.Spec.MaxReplicas,
            behavior, state.ScaleUpEvents, state.ScaleDownEvents, now);
        SetScalingLimited(conditions, limited, stabilized.StabilizedReplicas, now);
        return (limited.Replicas, state with { Recommendations = stabilized.Recommendations },
            new NormalizationSteps(prenormalizedDesiredReplicas, stabilized.StabilizedReplicas, stabilized.Reason, limited.Replicas, limited.Reason));
    }

    private static void SetScalingLimited(ConditionSet conditions, LimitedReplicas limited, int stabilizedReplicas, DateTimeOffset now) =>
        conditions.Set(HpaConditionType.ScalingLimited, limited.Replicas == stabilizedReplicas ? ConditionStatusText.False : ConditionStatusText.True,
            limited.Reason, limited.Message, now);

    private static bool HasObjectOrExternalMetrics(IReadOnlyList<MetricSpec> metrics)
    {
        for (var i = 0; i < metrics.Count; i++)
        {
            if (metrics[i].Type is MetricSourceType.Object or MetricSourceType.External)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Tolerances for this HPA: the cluster flag, overridden per side by behavior (KEP-4951) when the gate is on.</summary>
    public static Tolerances TolerancesFor(HorizontalPodAutoscaler hpa, ControllerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        ArgumentNullException.ThrowIfNull(settings);
        var tolerances = Tolerances.Uniform(settings.Tolerance);
        if (hpa.Spec.Behavior is not { } behavior || !settings.ConfigurableToleranceEnabled)
        {
            return tolerances;
        }
        if (behavior.ScaleDown?.Tolerance is { } down)
        {
            tolerances = tolerances with { ScaleDown = down.ToDouble() };
        }
        if (behavior.ScaleUp?.Tolerance is { } up)
        {
            tolerances = tolerances with { ScaleUp = up.ToDouble() };
        }
        return tolerances;
    }

    private struct MetricsPass
    {
        public int Replicas;
        public string MetricName;
        public MetricStatus[]? Statuses;
        /// <summary>The pass failed: no count may be acted on.</summary>
        public string? Error;
        /// <summary>Some metrics failed but the count stands (scale-up or no change).</summary>
        public string? DeferredError;
        /// <summary>Each metric's proposal, for the decision's explanation.</summary>
        public MetricProposal[]? Proposals;
        public Tolerances Tolerances;
    }

    private struct MetricOutcome
    {
        public int Replicas;
        public string MetricName;
        public MetricStatus? Status;
        /// <summary>The error as computeReplicasForMetric returns it (wrapped per source type).</summary>
        public string? Error;
        public string? ConditionReason;
        public string? ConditionMessage;
        public bool SpecError;
    }

    private static MetricsPass ComputeReplicasForMetrics(ReconcileInput input, ScaleSubresource scale, ConditionSet conditions,
        List<HpaEvent> events, List<MetricComputationObservation> computations)
    {
        var hpa = input.Hpa;
        var now = input.Now;
        if (scale.Selector.Length == 0)
        {
            events.Add(new HpaEvent(HpaEventType.Warning, HpaEventReason.SelectorRequired, SelectorRequiredMessage));
            conditions.Set(HpaConditionType.ScalingActive, ConditionStatusText.False, HpaConditionReason.InvalidSelector, HpaConditionReason.MissingSelectorMessage, now);
            return new MetricsPass { Error = SelectorRequiredMessage, MetricName = "" };
        }
        if (!SelectorCache.TryParse(scale.Selector, out var selector, out var parseError))
        {
            var message = $"couldn't convert selector into a corresponding internal selector object: {parseError}";
            events.Add(new HpaEvent(HpaEventType.Warning, HpaEventReason.InvalidSelector, message));
            conditions.Set(HpaConditionType.ScalingActive, ConditionStatusText.False, HpaConditionReason.InvalidSelector, message, now);
            return new MetricsPass { Error = message, MetricName = "" };
        }

        var candidates = input.Pods;
        var rented = ArrayPool<PodInfo>.Shared.Rent(Math.Max(1, candidates.Count));
        int[]? sampleIndexByPod = null;
        try
        {
            var selectedCount = 0;
            var hpaNamespace = hpa.Metadata.Namespace;
            for (var i = 0; i < candidates.Count; i++)
            {
                var pod = candidates[i];
                if ((pod.Namespace.Length == 0 || string.Equals(pod.Namespace, hpaNamespace, StringComparison.Ordinal)) && selector.Matches(pod.Labels))
                {
                    rented[selectedCount++] = pod;
                }
            }
            ReadOnlySpan<PodInfo> pods = rented.AsSpan(0, selectedCount);

            if (AmbiguousSelectorMessage(hpa, scale.Selector, pods, input.OtherHpaSelectors) is { } ambiguous)
            {
                events.Add(new HpaEvent(HpaEventType.Warning, HpaEventReason.AmbiguousSelector, ambiguous));
                conditions.Set(HpaConditionType.ScalingActive, ConditionStatusText.False, HpaConditionReason.AmbiguousSelector, ambiguous, now);
                return new MetricsPass { Error = ambiguous, MetricName = "" };
            }

            var metricSpecs = hpa.Spec.Metrics;
            var resourceMetrics = input.Metrics.ResourceMetrics;
            if (resourceMetrics.Count > 0 && CountResourceMetrics(metricSpecs) > 1)
            {
                // Several resource metrics read the same samples: find each pod's sample once for all of them.
                sampleIndexByPod = ArrayPool<int>.Shared.Rent(Math.Max(1, pods.Length));
                for (var i = 0; i < pods.Length; i++)
                {
                    sampleIndexByPod[i] = resourceMetrics.IndexOf(pods[i].Name);
                }
            }
            var statuses = new MetricStatus[metricSpecs.Count];
            var proposals = new MetricProposal[metricSpecs.Count];
            var calculator = input.Settings.Calculator;
            var tolerances = TolerancesFor(hpa, input.Settings);
            var replicas = 0;
            var metric = "";
            var invalidMetricsCount = 0;
            string? invalidMetricError = null;
            var invalidCondition = default(MetricOutcome);
            for (var i = 0; i < metricSpecs.Count; i++)
            {
                var spec = metricSpecs[i];
                var outcome = ComputeReplicasForMetric(input, calculator, tolerances, spec, scale, pods, sampleIndexByPod, events);
                statuses[i] = outcome.Status ?? EmptyMetricStatus;
                // The monitor compares each proposal with the replica count the status showed before this pass.
                var action = outcome.Error is not null ? MonitorLabel.ActionNone
                    : outcome.Replicas > hpa.Status.CurrentReplicas ? MonitorLabel.ActionScaleUp
                    : outcome.Replicas < hpa.Status.CurrentReplicas ? MonitorLabel.ActionScaleDown
                    : MonitorLabel.ActionNone;
                var errorLabel = outcome.Error is null ? MonitorLabel.ErrorNone : outcome.SpecError ? MonitorLabel.ErrorSpec : MonitorLabel.ErrorInternal;
                computations.Add(new MetricComputationObservation(spec.Type, action, errorLabel));
                proposals[i] = new MetricProposal(outcome.Replicas, outcome.MetricName, outcome.Error);

                if (outcome.Error is not null)
                {
                    if (invalidMetricsCount == 0)
                    {
                        invalidCondition = outcome;
                        invalidMetricError = outcome.Error;
                    }
                    invalidMetricsCount++;
                }
                else if (replicas == 0 || outcome.Replicas > replicas)
                {
                    // The first valid proposal, or a strictly larger one; a 0 is replaced by anything (upstream quirk).
                    replicas = outcome.Replicas;
                    metric = outcome.MetricName;
                }
            }

            // All failed, or some failed and the rest would scale down: act on nothing (a partial view must
            // not shrink the workload), but a scale-up or no change stands.
            if (invalidMetricsCount >= metricSpecs.Count || (invalidMetricsCount > 0 && replicas < scale.SpecReplicas))
            {
                if (invalidMetricsCount > 0)
                {
                    conditions.Set(HpaConditionType.ScalingActive, ConditionStatusText.False, invalidCondition.ConditionReason ?? "", invalidCondition.ConditionMessage ?? "", now);
                }
                return new MetricsPass
                {
                    Statuses = statuses, MetricName = "", Proposals = proposals, Tolerances = tolerances,
                    Error = $"invalid metrics ({invalidMetricsCount} invalid out of {metricSpecs.Count}), first error is: {invalidMetricError ?? "<nil>"}",
                };
            }
            conditions.Set(HpaConditionType.ScalingActive, ConditionStatusText.True, HpaConditionReason.ValidMetricFound, ValidMetricFoundMessage(metric), now);
            return new MetricsPass
            {
                Replicas = replicas, MetricName = metric, Statuses = statuses, Proposals = proposals, Tolerances = tolerances,
                DeferredError = invalidMetricsCount > 0
                    ? $"invalid metrics ({invalidMetricsCount} invalid out of {metricSpecs.Count}), first error is: {invalidMetricError}"
                    : null,
            };
        }
        finally
        {
            ArrayPool<PodInfo>.Shared.Return(rented, clearArray: true);
            if (sampleIndexByPod is not null)
            {
                ArrayPool<int>.Shared.Return(sampleIndexByPod);
            }
        }
    }

    private static int CountResourceMetrics(IReadOnlyList<MetricSpec> metrics)
    {
        var count = 0;
        for (var i = 0; i < metrics.Count; i++)
        {
            if (metrics[i].Type is MetricSourceType.Resource or MetricSourceType.ContainerResource)
            {
                count++;
            }
        }
        return count;
    }

    // Selector.Matches goes through LINQ; this loop keeps the per-pod check allocation-free.
    private static bool Matches(Selector selector, IReadOnlyDictionary<string, string> labels)
    {
        var requirements = selector.Requirements;
        if (requirements.Count == 0)
        {
            return selector.Matches(labels);
        }
        for (var i = 0; i < requirements.Count; i++)
        {
            if (!requirements[i].Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    private static string? AmbiguousSelectorMessage(HorizontalPodAutoscaler hpa, string selectorText, ReadOnlySpan<PodInfo> pods,
        IReadOnlyList<HpaSelectorRegistration> others)
    {
        if (others.Count == 0 || pods.Length == 0)
        {
            return null;
        }
        List<string>? controlling = null;
        for (var o = 0; o < others.Count; o++)
        {
            var other = others[o];
            if (!string.Equals(other.Namespace, hpa.Metadata.Namespace, StringComparison.Ordinal)
                || string.Equals(other.Name, hpa.Metadata.Name, StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var pod in pods)
            {
                if (Matches(other.Selector, pod.Labels))
                {
                    controlling ??= [hpa.Key];
                    controlling.Add(other.Key);
                    break;
                }
            }
        }
        if (controlling is null)
        {
            return null;
        }
        // Upstream prints a Go map's keys in random order; sorted keeps events stable.
        controlling.Sort(StringComparer.Ordinal);
        return $"pods by selector {selectorText} are controlled by multiple HPAs: [{string.Join(' ', controlling)}]";
    }

    private static MetricOutcome ComputeReplicasForMetric(ReconcileInput input, ReplicaCalculator calculator, Tolerances tolerances,
        MetricSpec spec, ScaleSubresource scale, ReadOnlySpan<PodInfo> pods, int[]? sampleIndexByPod, List<HpaEvent> events)
    {
        switch (spec.Type)
        {
            case MetricSourceType.Resource:
                return spec.Resource is { } resource
                    ? ResourceMetric(input, calculator, tolerances, resource.Name, "", resource.Target, scale, pods, sampleIndexByPod, events)
                    : Failed(events, "FailedGetResourceMetric", "invalid resource metric source: the resource field is not set", outer: null);
            case MetricSourceType.ContainerResource:
                return spec.ContainerResource is { } container
                    ? ResourceMetric(input, calculator, tolerances, container.Name, container.Container, container.Target, scale, pods, sampleIndexByPod, events)
                    : Failed(events, "FailedGetContainerResourceMetric", "invalid container resource metric source: the containerResource field is not set", outer: null);
            case MetricSourceType.Pods:
                return spec.Pods is { } podsSource
                    ? PodsMetric(input, calculator, tolerances, podsSource, scale, pods, events)
                    : Failed(events, "FailedGetPodsMetric", "invalid pods metric source: the pods field is not set", outer: null);
            case MetricSourceType.Object:
                return spec.Object is { } objectSource
                    ? ObjectMetric(input, tolerances, objectSource, scale, pods, events)
                    : Failed(events, "FailedGetObjectMetric", "invalid object metric source: the object field is not set", outer: null);
            case MetricSourceType.External:
                return spec.External is { } externalSource
                    ? ExternalMetric(input, tolerances, externalSource, scale, pods, events)
                    : Failed(events, "FailedGetExternalMetric", "invalid external metric source: the external field is not set", outer: null);
            default:
                var outcome = Failed(events, "InvalidMetricSourceType", $"unknown metric source type {GoFormat.Quote(spec.Type)}", outer: null);
                outcome.SpecError = true;
                return outcome;
        }
    }

    /// <summary>getUnableComputeReplicaCountCondition: a Warning event with the error and the candidate condition.</summary>
    private static MetricOutcome Failed(List<HpaEvent> events, string reason, string error, string? outer)
    {
        events.Add(new HpaEvent(HpaEventType.Warning, reason, error));
        return new MetricOutcome
        {
            MetricName = "",
            Error = outer ?? error,
            ConditionReason = reason,
            ConditionMessage = $"the HPA was unable to compute the replica count: {error}",
        };
    }

    private static MetricOutcome ResourceMetric(ReconcileInput input, ReplicaCalculator calculator, Tolerances tolerances, string resource,
        string container, MetricTarget target, ScaleSubresource scale, ReadOnlySpan<PodInfo> pods, int[]? sampleIndexByPod, List<HpaEvent> events)
    {
        var isContainer = container.Length != 0;
        var reason = isContainer ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
        string Outer(string inner) => isContainer
            ? $"failed to get {container} container metric value: {inner}"
            : $"failed to get {resource} resource metric value: {inner}";
        var metrics = input.Metrics;
        MetricValueStatus current;
        string metricName;
        ReplicaCalculation calculation;
        if (target.AverageValue is { } averageValue)
        {
            calculation = calculator.GetRawResourceReplicas(scale.SpecReplicas, averageValue.MilliValue(), resource, container, tolerances, pods,
                metrics.ResourceMetrics, metrics.ResourceMetricsError, input.Now, sampleIndexByPod);
            if (calculation.Error is { } error)
            {
                var inner = $"failed to get {resource} usage: {error}";
                return Failed(events, reason, inner, Outer(inner));
            }
            metricName = resource switch
            {
                ResourceNames.Cpu => "cpu resource",
                ResourceNames.Memory => "memory resource",
                _ => $"{resource} resource",
            };
            current = new MetricValueStatus { AverageValue = Quantity.FromMilli(calculation.UsageMilli) };
        }
        else if (target.AverageUtilization is not { } targetUtilization)
        {
            const string inner = "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set";
            return Failed(events, reason, inner, Outer(inner));
        }
        else
        {
            calculation = calculator.GetResourceReplicas(scale.SpecReplicas, targetUtilization, resource, container, tolerances, pods,
                metrics.ResourceMetrics, metrics.ResourceMetricsError, input.Now, sampleIndexByPod);
            if (calculation.Error is { } error)
            {
                var inner = $"failed to get {resource} utilization: {error}";
                return Failed(events, reason, inner, Outer(inner));
            }
            metricName = UtilizationMetricName(resource, isContainer);
            current = new MetricValueStatus { AverageUtilization = calculation.Utilization, AverageValue = Quantity.FromMilli(calculation.UsageMilli) };
        }
        var status = isContainer
            ? new MetricStatus { Type = MetricSourceType.ContainerResource, ContainerResource = new ContainerResourceMetricStatus { Name = resource, Container = container, Current = current } }
            : new MetricStatus { Type = MetricSourceType.Resource, Resource = new ResourceMetricStatus { Name = resource, Current = current } };
        return new MetricOutcome { Replicas = calculation.Replicas, MetricName = metricName, Status = status };
    }

    private const string CpuUtilizationName = "cpu resource utilization (percentage of request)";
    private const string MemoryUtilizationName = "memory resource utilization (percentage of request)";
    private const string ValidMetricFoundPrefix = "the HPA was able to successfully calculate a replica count from ";

    // Texts for the most common metric are constants, so a steady pass does not build them again.
    private static string ValidMetricFoundMessage(string metric) => metric switch
    {
        CpuUtilizationName => ValidMetricFoundPrefix + CpuUtilizationName,
        MemoryUtilizationName => ValidMetricFoundPrefix + MemoryUtilizationName,
        _ => ValidMetricFoundPrefix + metric,
    };

    private static string AboveTargetReason(string metric) => metric switch
    {
        CpuUtilizationName => CpuUtilizationName + " above target",
        MemoryUtilizationName => MemoryUtilizationName + " above target",
        _ => $"{metric} above target",
    };

    // The common names are constants so a pass does not build them again.
    private static string UtilizationMetricName(string resource, bool isContainer) => (resource, isContainer) switch
    {
        (ResourceNames.Cpu, false) => CpuUtilizationName,
        (ResourceNames.Memory, false) => MemoryUtilizationName,
        (ResourceNames.Cpu, true) => "cpu container resource utilization (percentage of request)",
        (ResourceNames.Memory, true) => "memory container resource utilization (percentage of request)",
        (_, false) => $"{resource} resource utilization (percentage of request)",
        _ => $"{resource} container resource utilization (percentage of request)",
    };

    /// <summary>metav1.LabelSelectorAsSelector for a metric's selector; its error fails the metric as upstream.</summary>
    private static string? MetricSelectorError(LabelSelector? selector)
    {
        if (selector is null)
        {
            return null;
        }
        try
        {
            _ = Selector.FromLabelSelector(selector);
            return null;
        }
        catch (LabelSelectorException ex)
        {
            return ex.Message;
        }
    }

    private static MetricOutcome PodsMetric(ReconcileInput input, ReplicaCalculator calculator, Tolerances tolerances, PodsMetricSource source,
        ScaleSubresource scale, ReadOnlySpan<PodInfo> pods, List<HpaEvent> events)
    {
        const string reason = "FailedGetPodsMetric";
        static string Outer(string inner) => $"failed to get pods metric value: {inner}";
        if (MetricSelectorError(source.Metric.Selector) is { } selectorError)
        {
            return Failed(events, reason, selectorError, Outer(selectorError));
        }
        if (source.Target.AverageValue is not { } averageValue)
        {
            const string inner = "invalid pods metric source: no average value target was set";
            return Failed(events, reason, inner, Outer(inner));
        }
        var metrics = input.Metrics;
        var samples = metrics.PodsMetrics.TryGetValue(source.Metric.Name, out var found) ? found : PodCustomMetrics.Empty;
        var calculation = calculator.GetMetricReplicas(scale.SpecReplicas, averageValue.MilliValue(), source.Metric.Name, tolerances, pods,
            samples, metrics.PodsError(source.Metric.Name), input.Now);
        if (calculation.Error is { } error)
        {
            return Failed(events, reason, error, Outer(error));
        }
        var status = new MetricStatus
        {
            Type = MetricSourceType.Pods,
            Pods = new PodsMetricStatus
            {
                Metric = source.Metric,
                Current = new MetricValueStatus { AverageValue = Quantity.FromMilli(calculation.UsageMilli) },
            },
        };
        return new MetricOutcome { Replicas = calculation.Replicas, MetricName = $"pods metric {source.Metric.Name}", Status = status };
    }

    private static MetricOutcome ObjectMetric(ReconcileInput input, Tolerances tolerances, ObjectMetricSource source, ScaleSubresource scale,
        ReadOnlySpan<PodInfo> pods, List<HpaEvent> events)
    {
        const string reason = "FailedGetObjectMetric";
        static string Outer(string inner) => $"failed to get object metric value: {inner}";
        if (MetricSelectorError(source.Metric.Selector) is { } selectorError)
        {
            return Failed(events, reason, selectorError, Outer(selectorError));
        }
        var metrics = input.Metrics;
        var name = source.Metric.Name;
        var described = source.DescribedObject;
        var fetchError = metrics.ObjectError(described, name);
        long usage = 0;
        if (fetchError is null && !metrics.TryGetObjectValue(described, name, out usage))
        {
            fetchError = $"unable to fetch metrics from custom metrics API: the server could not find the metric {name} for {described.Kind} {described.Name}";
        }
        var target = source.Target;
        var crossObject = new CrossObject(described.Kind, described.Name);
        var ns = input.Hpa.Metadata.Namespace;
        if (target.Type == MetricTargetType.Value && target.Value is { } value)
        {
            var calculation = ReplicaCalculator.GetObjectMetricReplicas(scale.SpecReplicas, value.MilliValue(), name, tolerances, crossObject, ns, usage, fetchError, pods);
            if (calculation.Error is { } error)
            {
                return Failed(events, reason, error, Outer(error));
            }
            var status = new MetricStatus
            {
                Type = MetricSourceType.Object,
                Object = new ObjectMetricStatus
                {
                    DescribedObject = described,
                    Metric = source.Metric,
                    Current = new MetricValueStatus { Value = Quantity.FromMilli(calculation.UsageMilli) },
                },
            };
            return new MetricOutcome { Replicas = calculation.Replicas, MetricName = $"{described.Kind} metric {name}", Status = status };
        }
        if (target.Type == MetricTargetType.AverageValue && target.AverageValue is { } averageValue)
        {
            var calculation = ReplicaCalculator.GetObjectPerPodMetricReplicas(scale.StatusReplicas, averageValue.MilliValue(), name, tolerances, crossObject, ns, usage, fetchError);
            if (calculation.Error is { } error)
            {
                var outcome = Failed(events, reason, error, null);
                outcome.Error = Outer($"failed to get {name} object metric: {error}");
                return outcome;
            }
            var status = new MetricStatus
            {
                Type = MetricSourceType.Object,
                Object = new ObjectMetricStatus
                {
                    Metric = source.Metric,
                    Current = new MetricValueStatus { AverageValue = Quantity.FromMilli(calculation.UsageMilli) },
                },
            };
            // Upstream names this path "external metric": kept for event-text parity.
            return new MetricOutcome
            {
                Replicas = calculation.Replicas,
                MetricName = $"external metric {name}({GoFormat.LabelSelector(source.Metric.Selector)})",
                Status = status,
            };
        }
        const string neither = "invalid object metric source: neither a value target nor an average value target was set";
        return Failed(events, reason, neither, Outer(neither));
    }

    private static MetricOutcome ExternalMetric(ReconcileInput input, Tolerances tolerances, ExternalMetricSource source, ScaleSubresource scale,
        ReadOnlySpan<PodInfo> pods, List<HpaEvent> events)
    {
        const string reason = "FailedGetExternalMetric";
        var name = source.Metric.Name;
        string Outer(string inner) => $"failed to get {name} external metric value: {inner}";
        if (MetricSelectorError(source.Metric.Selector) is { } selectorError)
        {
            return Failed(events, reason, selectorError, Outer(selectorError));
        }
        var metrics = input.Metrics;
        var values = metrics.ExternalMetrics.TryGetValue(name, out var found) ? found : null;
        var selectorText = GoFormat.LabelSelector(source.Metric.Selector);
        var ns = input.Hpa.Metadata.Namespace;
        var target = source.Target;
        ReplicaCalculation calculation;
        MetricValueStatus current;
        if (target.AverageValue is { } averageValue)
        {
            calculation = ReplicaCalculator.GetExternalPerPodMetricReplicas(scale.StatusReplicas, averageValue.MilliValue(), name, selectorText, tolerances, ns,
                values, metrics.ExternalError(name));
            if (calculation.Error is { } error)
            {
                var outcome = Failed(events, reason, error, null);
                outcome.Error = Outer($"failed to get {name} external metric: {error}");
                return outcome;
            }
            current = new MetricValueStatus { AverageValue = Quantity.FromMilli(calculation.UsageMilli) };
        }
        else if (target.Value is { } value)
        {
            calculation = ReplicaCalculator.GetExternalMetricReplicas(scale.SpecReplicas, value.MilliValue(), name, selectorText, tolerances, ns,
                values, metrics.ExternalError(name), pods);
            if (calculation.Error is { } error)
            {
                var outcome = Failed(events, reason, error, null);
                outcome.Error = Outer($"failed to get external metric {name}: {error}");
                return outcome;
            }
            current = new MetricValueStatus { Value = Quantity.FromMilli(calculation.UsageMilli) };
        }
        else
        {
            const string neither = "invalid external metric source: neither a value target nor an average value target was set";
            return Failed(events, reason, neither, Outer(neither));
        }
        var status = new MetricStatus { Type = MetricSourceType.External, External = new ExternalMetricStatus { Metric = source.Metric, Current = current } };
        return new MetricOutcome { Replicas = calculation.Replicas, MetricName = $"external metric {name}({selectorText})", Status = status };
    }
}
