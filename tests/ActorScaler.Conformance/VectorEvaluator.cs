using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using static ActorScaler.Conformance.VectorJson;

namespace ActorScaler.Conformance;

/// <summary>
/// Runs one conformance vector through the production core and returns every output its kind defines
/// (schema in shared/conformance/hpa-vectors.json). Only "kind" and "input" are read, never "expect".
/// </summary>
public static class VectorEvaluator
{
    /// <summary>The single instant every vector is evaluated at; *SecondsAgo fields count back from it.</summary>
    public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly IReadOnlyList<string> Kinds =
    [
        "replicaCalc", "groupPods", "calculateRequests", "legacyRules", "scaleLimit",
        "legacyStabilize", "behaviorStabilize", "behaviorRate", "storeScaleEvent", "reconcile",
    ];

    /// <summary>Evaluates a vector object ({name, kind, input, ...}); bad input throws VectorFormatException.</summary>
    public static JsonObject Evaluate(JsonElement vector)
    {
        var kind = RequiredString(vector, "kind", "");
        var input = Required(vector, "input", "");
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw new VectorFormatException("input: expected an object");
        }
        return kind switch
        {
            "replicaCalc" => ReplicaCalc(input, "input"),
            "groupPods" => GroupPods(input, "input"),
            "calculateRequests" => CalculateRequests(input, "input"),
            "legacyRules" => LegacyRules(input, "input"),
            "scaleLimit" => ScaleLimit(input, "input"),
            "legacyStabilize" => LegacyStabilize(input, "input"),
            "behaviorStabilize" => BehaviorStabilize(input, "input"),
            "behaviorRate" => BehaviorRate(input, "input"),
            "storeScaleEvent" => StoreScaleEvent(input, "input"),
            "reconcile" => Reconcile(input, "input"),
            _ => throw new VectorFormatException($"kind: unknown kind \"{kind}\" (one of {string.Join(", ", Kinds)})"),
        };
    }

    private static Tolerances ReadTolerances(JsonElement input, string path)
    {
        if (Optional(input, "tolerances", path) is not { } t)
        {
            return Tolerances.Uniform(ControllerSettings.DefaultTolerance);
        }
        var tp = Join(path, "tolerances");
        return new Tolerances(Double(Required(t, "scaleDown", tp), Join(tp, "scaleDown")), Double(Required(t, "scaleUp", tp), Join(tp, "scaleUp")));
    }

    private static JsonObject ReplicaCalc(JsonElement input, string path)
    {
        var function = RequiredString(input, "function", path);
        var current = RequiredInt(input, "currentReplicas", path);
        var tolerances = ReadTolerances(input, path);
        var calculator = new ReplicaCalculator(new ReplicaCalculatorSettings(
            Optional(input, "cpuInitializationPeriodSeconds", path) is not null ? Seconds(input, "cpuInitializationPeriodSeconds", path) : ControllerSettings.DefaultCpuInitializationPeriod,
            Optional(input, "initialReadinessDelaySeconds", path) is not null ? Seconds(input, "initialReadinessDelaySeconds", path) : ControllerSettings.DefaultDelayOfInitialReadinessStatus,
            OptionalBool(input, "podLevelResourcesEnabled", path, false)));
        var pods = Optional(input, "pods", path) is { } p ? VectorModel.Pods(p, Join(path, "pods"), Now) : [];
        // Upstream's replica calculator tests all run in "test-namespace"; error texts name it.
        var ns = OptionalString(input, "namespace", path) ?? "test-namespace";
        var metricName = OptionalString(input, "metricName", path) ?? "";
        var resource = OptionalString(input, "resource", path) ?? "";
        var container = OptionalString(input, "container", path) ?? "";
        var selectorText = GoFormat.LabelSelector(VectorModel.LabelSelector(Optional(input, "metricSelector", path), Join(path, "metricSelector")));
        PodResourceMetrics ResourceMetrics() => Optional(input, "resourceMetrics", path) is { } m ? VectorModel.ResourceMetrics(m, Join(path, "resourceMetrics"), Now) : PodResourceMetrics.Empty;
        IReadOnlyList<long>? ExternalValues() => Optional(input, "externalValuesMilli", path) is { } v ? [.. Array(v, Join(path, "externalValuesMilli")).Select(x => Long(x.Item, x.Path))] : null;
        long ObjectValue() => RequiredLong(input, "objectValueMilli", path);
        var describedObject = Optional(input, "describedObject", path) is { } d
            ? new CrossObject(OptionalString(d, "kind", Join(path, "describedObject")) ?? "", OptionalString(d, "name", Join(path, "describedObject")) ?? "")
            : new CrossObject("", "");

        var isResourceUtilization = function == "GetResourceReplicas";
        var calculation = function switch
        {
            "GetResourceReplicas" => calculator.GetResourceReplicas(current, RequiredInt(input, "targetUtilization", path), resource, container, tolerances, pods, ResourceMetrics(), null, Now),
            "GetRawResourceReplicas" => calculator.GetRawResourceReplicas(current, RequiredLong(input, "targetUsageMilli", path), resource, container, tolerances, pods, ResourceMetrics(), null, Now),
            "GetMetricReplicas" => calculator.GetMetricReplicas(current, RequiredLong(input, "targetUsageMilli", path), metricName, tolerances, pods,
                Optional(input, "podMetrics", path) is { } m ? VectorModel.PodMetrics(m, Join(path, "podMetrics"), Now) : PodCustomMetrics.Empty, null, Now),
            "GetObjectMetricReplicas" => ReplicaCalculator.GetObjectMetricReplicas(current, RequiredLong(input, "targetUsageMilli", path), metricName, tolerances, describedObject, ns, ObjectValue(), null, pods),
            "GetObjectPerPodMetricReplicas" => ReplicaCalculator.GetObjectPerPodMetricReplicas(current, RequiredLong(input, "perPodTargetUsageMilli", path), metricName, tolerances, describedObject, ns, ObjectValue(), null),
            "GetExternalMetricReplicas" => ReplicaCalculator.GetExternalMetricReplicas(current, RequiredLong(input, "targetUsageMilli", path), metricName, selectorText, tolerances, ns, ExternalValues(), null, pods),
            "GetExternalPerPodMetricReplicas" => ReplicaCalculator.GetExternalPerPodMetricReplicas(current, RequiredLong(input, "perPodTargetUsageMilli", path), metricName, selectorText, tolerances, ns, ExternalValues(), null),
            _ => throw new VectorFormatException($"{Join(path, "function")}: unknown function \"{function}\""),
        };
        var failed = calculation.Error is not null;
        return new JsonObject
        {
            ["replicas"] = failed ? null : calculation.Replicas,
            ["utilization"] = failed || !isResourceUtilization ? null : calculation.Utilization,
            ["rawValueMilli"] = failed || !isResourceUtilization ? null : calculation.UsageMilli,
            ["usageMilli"] = failed || isResourceUtilization ? null : calculation.UsageMilli,
            ["errorContains"] = calculation.Error,
        };
    }

    private static JsonObject GroupPods(JsonElement input, string path)
    {
        var pods = Optional(input, "pods", path) is { } p ? VectorModel.Pods(p, Join(path, "pods"), Now) : [];
        var metrics = Optional(input, "metrics", path) is { } m
            ? new PodCustomMetrics(Object(m, Join(path, "metrics")).Select(x => VectorModel.PodMetricSample(x.Name, x.Value, x.Path, Now)).ToList())
            : PodCustomMetrics.Empty;
        var groups = PodGrouping.GroupPods(pods, metrics, OptionalString(input, "resource", path) ?? "",
            Seconds(input, "cpuInitializationPeriodSeconds", path), Seconds(input, "initialReadinessDelaySeconds", path), Now);
        return new JsonObject
        {
            ["readyPodCount"] = groups.ReadyPodCount,
            ["unready"] = StringArray(groups.Unready),
            ["missing"] = StringArray(groups.Missing),
            ["ignored"] = StringArray(groups.Ignored),
        };
    }

    private static JsonObject CalculateRequests(JsonElement input, string path)
    {
        var pods = Optional(input, "pods", path) is { } p ? VectorModel.Pods(p, Join(path, "pods"), Now) : [];
        var (requests, error) = PodRequests.Calculate(pods, OptionalString(input, "container", path) ?? "", RequiredString(input, "resource", path),
            OptionalBool(input, "podLevelResourcesEnabled", path, false));
        JsonObject? map = null;
        if (requests is not null)
        {
            map = [];
            foreach (var (pod, value) in requests)
            {
                map[pod] = value;
            }
        }
        return new JsonObject { ["requestsMilli"] = map, ["errorEquals"] = error };
    }

    private static JsonObject LegacyRules(JsonElement input, string path)
    {
        var limited = ReplicaLimits.ConvertDesiredReplicasWithRules(
            RequiredInt(input, "currentReplicas", path), RequiredInt(input, "desiredReplicas", path),
            RequiredInt(input, "minReplicas", path), RequiredInt(input, "maxReplicas", path),
            Optional(input, "scaleUpLimitFactor", path) is { } f ? Double(f, Join(path, "scaleUpLimitFactor")) : ReplicaLimits.DefaultScaleUpLimitFactor,
            Optional(input, "scaleUpLimitMinimum", path) is { } m ? Double(m, Join(path, "scaleUpLimitMinimum")) : ReplicaLimits.DefaultScaleUpLimitMinimum);
        return new JsonObject { ["replicas"] = limited.Replicas, ["reason"] = limited.Reason };
    }

    private static JsonObject ScaleLimit(JsonElement input, string path)
    {
        var direction = RequiredString(input, "direction", path);
        var current = RequiredInt(input, "currentReplicas", path);
        var up = VectorModel.ScaleEvents(Optional(input, "scaleUpEvents", path), Join(path, "scaleUpEvents"), Now);
        var down = VectorModel.ScaleEvents(Optional(input, "scaleDownEvents", path), Join(path, "scaleDownEvents"), Now);
        var rules = VectorModel.ScalingRules(Required(input, "rules", path), Join(path, "rules"));
        var limit = direction switch
        {
            "up" => ScalingPolicies.CalculateScaleUpLimitWithScalingRules(current, up, down, BehaviorDefaults.ScaleUp(rules), Now),
            "down" => ScalingPolicies.CalculateScaleDownLimitWithBehaviors(current, up, down, BehaviorDefaults.ScaleDown(rules, ControllerSettings.DefaultDownscaleStabilizationWindow), Now),
            _ => throw new VectorFormatException($"{Join(path, "direction")}: expected \"up\" or \"down\", got \"{direction}\""),
        };
        return new JsonObject { ["limit"] = limit };
    }

    private static JsonObject LegacyStabilize(JsonElement input, string path)
    {
        var result = StabilizationWindow.Stabilize(
            Optional(input, "recommendations", path) is { } r ? VectorModel.Recommendations(r, Join(path, "recommendations"), Now) : [],
            RequiredInt(input, "desiredReplicas", path), Seconds(input, "downscaleStabilizationWindowSeconds", path), Now);
        return new JsonObject { ["stabilizedReplicas"] = result.StabilizedReplicas, ["recommendationsLength"] = result.Recommendations.Count };
    }

    private static JsonObject BehaviorStabilize(JsonElement input, string path)
    {
        var result = StabilizationWindow.StabilizeWithBehaviors(
            Optional(input, "recommendations", path) is { } r ? VectorModel.Recommendations(r, Join(path, "recommendations"), Now) : [],
            RequiredInt(input, "currentReplicas", path), RequiredInt(input, "desiredReplicas", path),
            RequiredInt(input, "scaleUpStabilizationWindowSeconds", path), RequiredInt(input, "scaleDownStabilizationWindowSeconds", path), Now);
        var after = new JsonArray();
        foreach (var rec in result.Recommendations)
        {
            after.Add(rec.Recommendation);
        }
        return new JsonObject { ["stabilizedReplicas"] = result.StabilizedReplicas, ["recommendationsAfter"] = after };
    }

    private static JsonObject BehaviorRate(JsonElement input, string path)
    {
        var behavior = new ResolvedBehavior(
            BehaviorDefaults.ScaleUp(VectorModel.ScalingRules(Optional(input, "scaleUpRules", path), Join(path, "scaleUpRules"))),
            BehaviorDefaults.ScaleDown(VectorModel.ScalingRules(Optional(input, "scaleDownRules", path), Join(path, "scaleDownRules")), ControllerSettings.DefaultDownscaleStabilizationWindow));
        var limited = ReplicaLimits.ConvertDesiredReplicasWithBehaviorRate(
            RequiredInt(input, "currentReplicas", path), RequiredInt(input, "desiredReplicas", path),
            RequiredInt(input, "minReplicas", path), RequiredInt(input, "maxReplicas", path), behavior,
            VectorModel.ScaleEvents(Optional(input, "scaleUpEvents", path), Join(path, "scaleUpEvents"), Now),
            VectorModel.ScaleEvents(Optional(input, "scaleDownEvents", path), Join(path, "scaleDownEvents"), Now), Now);
        return new JsonObject { ["replicas"] = limited.Replicas, ["reason"] = limited.Reason };
    }

    private static JsonObject StoreScaleEvent(JsonElement input, string path)
    {
        // Upstream runs these both ways with identical expectations; the scale-up direction is evaluated
        // (the unit tests cover the scale-down direction against the same vectors).
        var previous = VectorModel.ScaleEvents(Optional(input, "previousEvents", path), Join(path, "previousEvents"), Now);
        var rules = Optional(input, "rules", path) is { } r ? VectorModel.ScalingRules(r, Join(path, "rules")) : null;
        var prev = RequiredInt(input, "prevReplicas", path);
        var change = RequiredInt(input, "replicaChange", path);
        var changeInLast60s = ScalingPolicies.GetReplicasChangePerPeriod(60, previous, Now);
        var behavior = rules is null ? null : new ResolvedBehavior(BehaviorDefaults.ScaleUp(rules), BehaviorDefaults.ScaleDown(rules, ControllerSettings.DefaultDownscaleStabilizationWindow));
        var state = ScaleEventHistory.StoreScaleEvent(DecisionState.Initial with { ScaleUpEvents = previous }, behavior, prev, prev + change, Now);
        var after = new JsonArray();
        foreach (var e in state.ScaleUpEvents)
        {
            after.Add(new JsonObject { ["replicaChange"] = e.ReplicaChange, ["outdated"] = e.Outdated });
        }
        return new JsonObject { ["replicaChangeInLast60s"] = changeInLast60s, ["eventsAfter"] = after };
    }

    /// <summary>Maps a reconcile vector's input to a ReconcileInput (shared with the unit tests).</summary>
    public static (ReconcileInput Input, string? ScaleUpdateError) ReconcileInputFrom(JsonElement input, string path = "input")
    {
        var c = Required(input, "controller", path);
        var cp = Join(path, "controller");
        var settings = new ControllerSettings
        {
            Tolerance = Optional(c, "tolerance", cp) is { } t ? Double(t, Join(cp, "tolerance")) : ControllerSettings.DefaultTolerance,
            CpuInitializationPeriod = Optional(c, "cpuInitializationPeriodSeconds", cp) is not null ? Seconds(c, "cpuInitializationPeriodSeconds", cp) : ControllerSettings.DefaultCpuInitializationPeriod,
            DelayOfInitialReadinessStatus = Optional(c, "initialReadinessDelaySeconds", cp) is not null ? Seconds(c, "initialReadinessDelaySeconds", cp) : ControllerSettings.DefaultDelayOfInitialReadinessStatus,
            DownscaleStabilizationWindow = Optional(c, "downscaleStabilizationWindowSeconds", cp) is not null ? Seconds(c, "downscaleStabilizationWindowSeconds", cp) : ControllerSettings.DefaultDownscaleStabilizationWindow,
            ScaleUpLimitFactor = Optional(c, "legacyScaleUpLimitFactor", cp) is { } f ? Double(f, Join(cp, "legacyScaleUpLimitFactor")) : ReplicaLimits.DefaultScaleUpLimitFactor,
            ScaleUpLimitMinimum = Optional(c, "legacyScaleUpLimitMinimum", cp) is { } m ? Double(m, Join(cp, "legacyScaleUpLimitMinimum")) : ReplicaLimits.DefaultScaleUpLimitMinimum,
            ConfigurableToleranceEnabled = OptionalBool(c, "configurableToleranceEnabled", cp, false),
            // The vectors come from controllers before v1.36, which had no ScaledToZero logic.
            ScaleToZeroEnabled = OptionalBool(c, "scaleToZeroEnabled", cp, false),
            PodLevelResourcesEnabled = OptionalBool(c, "podLevelResourcesEnabled", cp, false),
        };
        var hpa = VectorModel.Hpa(Required(input, "hpa", path), Join(path, "hpa"), Now);

        var faults = Optional(input, "faults", path);
        var fp = Join(path, "faults");
        var scaleGetError = faults is { } fe ? OptionalString(fe, "scaleGetError", fp) : null;
        var scaleUpdateError = faults is { } fu ? OptionalString(fu, "scaleUpdateError", fp) : null;
        ScaleSubresource? scale = null;
        if (scaleGetError is null)
        {
            var s = Required(input, "scale", path);
            var sp = Join(path, "scale");
            scale = new ScaleSubresource(RequiredInt(s, "specReplicas", sp), OptionalInt(s, "statusReplicas", sp) ?? 0, OptionalString(s, "selector", sp) ?? "");
        }

        var apiErrors = Optional(input, "metricsApiErrors", path);
        var ap = Join(path, "metricsApiErrors");
        var metrics = new MetricsSnapshot
        {
            ResourceMetrics = Optional(input, "resourceMetrics", path) is { } rm ? VectorModel.ResourceMetrics(rm, Join(path, "resourceMetrics"), Now) : PodResourceMetrics.Empty,
            ResourceMetricsError = apiErrors is { } a1 ? OptionalString(a1, "resource", ap) : null,
            PodsMetrics = Optional(input, "podsMetrics", path) is { } pm
                ? Object(pm, Join(path, "podsMetrics")).ToDictionary(x => x.Name, x => VectorModel.PodMetrics(x.Value, x.Path, Now), StringComparer.Ordinal)
                : new Dictionary<string, PodCustomMetrics>(),
            ObjectMetrics = Optional(input, "objectMetrics", path) is { } om
                ? [.. Array(om, Join(path, "objectMetrics")).Select(o => new ObjectMetricValue(
                    VectorModel.ObjectReference(Required(o.Item, "describedObject", o.Path), Join(o.Path, "describedObject")),
                    RequiredString(o.Item, "metricName", o.Path),
                    RequiredLong(o.Item, "valueMilli", o.Path)))]
                : [],
            CustomMetricsError = apiErrors is { } a2 ? OptionalString(a2, "custom", ap) : null,
            ExternalMetrics = Optional(input, "externalMetrics", path) is { } em
                ? Object(em, Join(path, "externalMetrics")).ToDictionary(x => x.Name, x => (IReadOnlyList<long>)[.. Array(x.Value, x.Path).Select(v => Long(v.Item, v.Path))], StringComparer.Ordinal)
                : new Dictionary<string, IReadOnlyList<long>>(),
            ExternalMetricsError = apiErrors is { } a3 ? OptionalString(a3, "external", ap) : null,
        };

        var others = Optional(input, "otherHpaSelectors", path) is { } oh
            ? Array(oh, Join(path, "otherHpaSelectors")).Select(o =>
            {
                var selector = VectorModel.LabelSelector(o.Item, o.Path);
                Selector parsed;
                try
                {
                    parsed = OptionalString(o.Item, "selector", o.Path) is { } text ? Selector.Parse(text) : Selector.FromLabelSelector(selector);
                }
                catch (LabelSelectorException ex)
                {
                    throw new VectorFormatException($"{o.Path}: {ex.Message}");
                }
                return new HpaSelectorRegistration(OptionalString(o.Item, "namespace", o.Path) ?? hpa.Metadata.Namespace, RequiredString(o.Item, "name", o.Path), parsed);
            }).ToList()
            : [];

        var state = DecisionState.Initial;
        if (Optional(input, "state", path) is { } st)
        {
            var sp = Join(path, "state");
            state = new DecisionState
            {
                Recommendations = Optional(st, "recommendations", sp) is { } r ? VectorModel.Recommendations(r, Join(sp, "recommendations"), Now) : null,
                ScaleUpEvents = VectorModel.ScaleEvents(Optional(st, "scaleUpEvents", sp), Join(sp, "scaleUpEvents"), Now),
                ScaleDownEvents = VectorModel.ScaleEvents(Optional(st, "scaleDownEvents", sp), Join(sp, "scaleDownEvents"), Now),
            };
        }

        var reconcileInput = new ReconcileInput
        {
            Hpa = hpa,
            Settings = settings,
            Scale = scale,
            GetScaleError = scaleGetError,
            Pods = Optional(input, "pods", path) is { } p ? VectorModel.Pods(p, Join(path, "pods"), Now) : [],
            Metrics = metrics,
            OtherHpaSelectors = others,
            Now = Now,
            State = state,
        };
        return (reconcileInput, scaleUpdateError);
    }

    private static JsonObject Reconcile(JsonElement input, string path)
    {
        var (reconcileInput, scaleUpdateError) = ReconcileInputFrom(input, path);
        var decision = AutoscalerReconciler.Decide(reconcileInput);
        var write = decision.ScaleWriteReplicas is null ? null
            : scaleUpdateError is null ? ScaleWriteResult.Succeeded
            : ScaleWriteResult.Failed(scaleUpdateError);
        var result = AutoscalerReconciler.Complete(decision, write);

        var conditions = new JsonArray();
        foreach (var condition in result.Status.Conditions)
        {
            conditions.Add(new JsonObject { ["type"] = condition.Type, ["status"] = condition.Status, ["reason"] = condition.Reason, ["message"] = condition.Message });
        }
        var events = new JsonArray();
        foreach (var e in result.Events)
        {
            events.Add(new JsonObject { ["type"] = e.Type, ["reason"] = e.Reason, ["message"] = e.Message });
        }
        var computations = new JsonObject();
        foreach (var observation in result.Monitor.MetricComputations)
        {
            computations[observation.MetricSourceType] = new JsonObject { ["action"] = observation.Action, ["error"] = observation.Error };
        }
        int? cpuUtilization = null;
        foreach (var metric in result.Status.CurrentMetrics)
        {
            if (metric.Resource is { Name: ResourceNames.Cpu } cpu)
            {
                cpuUtilization = cpu.Current.AverageUtilization;
                break;
            }
        }
        return new JsonObject
        {
            ["desiredReplicas"] = result.Status.DesiredReplicas,
            ["scaleUpdated"] = result.ScaledTo is not null,
            ["scaleUpdateAttemptedReplicas"] = write is { IsSuccess: false } ? decision.ScaleWriteReplicas : null,
            ["conditions"] = conditions,
            ["currentCpuUtilization"] = cpuUtilization,
            ["monitor"] = new JsonObject
            {
                ["reconciliation"] = new JsonObject { ["action"] = result.Monitor.Action, ["error"] = result.Monitor.Error },
                ["metricComputations"] = computations,
            },
            ["events"] = events,
            ["rescaleReason"] = decision.ScaleWriteReplicas is null ? null : decision.RescaleReason,
            ["statusUpdateSent"] = result.StatusUpdateNeeded,
        };
    }

    private static JsonArray StringArray(IEnumerable<string> values)
    {
        var array = new JsonArray();
        foreach (var v in values)
        {
            array.Add(v);
        }
        return array;
    }
}
