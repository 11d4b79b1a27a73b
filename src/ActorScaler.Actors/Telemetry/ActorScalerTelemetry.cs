using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ActorScaler.Actors.Telemetry;

/// <summary>
/// The member's instruments: one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named
/// <see cref="Name"/> (the metrics pipeline and the Kubernetes adapters create their own with the same
/// name, so one AddMeter/AddSource picks them all up). The HPA controller's instruments keep upstream's
/// names, label sets and buckets (pkg/controller/podautoscaler/monitor/metrics.go) so existing dashboards
/// work; ours are prefixed actorscaler_. Every label set is bounded: the only per-HPA series,
/// desired_replicas{namespace,hpa_name}, exists only when opted in.
/// </summary>
public sealed class ActorScalerTelemetry : IDisposable
{
    /// <summary>The Meter and ActivitySource name (OTel: AddMeter / AddSource).</summary>
    public const string Name = "ActorScaler";

    /// <summary>upstream hpaControllerSubsystem: the prefix of every upstream-compatible instrument.</summary>
    public const string HpaControllerSubsystem = "horizontal_pod_autoscaler_controller";

    public const string ReconciliationsTotalName = HpaControllerSubsystem + "_reconciliations_total";
    public const string ReconciliationDurationName = HpaControllerSubsystem + "_reconciliation_duration_seconds";
    public const string MetricComputationTotalName = HpaControllerSubsystem + "_metric_computation_total";
    public const string MetricComputationDurationName = HpaControllerSubsystem + "_metric_computation_duration_seconds";
    public const string NumHorizontalPodAutoscalersName = HpaControllerSubsystem + "_num_horizontal_pod_autoscalers";
    public const string DesiredReplicasName = HpaControllerSubsystem + "_desired_replicas";

    public const string DecisionLatencyName = "actorscaler_decision_latency_seconds";
    public const string MetricAgeName = "actorscaler_metric_age_seconds";
    public const string EntitiesName = "actorscaler_entities";
    public const string ClusterMembersName = "actorscaler_cluster_members";

    /// <summary>Label names, as upstream spells them.</summary>
    public const string ActionLabel = "action";
    public const string ErrorLabel = "error";
    public const string MetricTypeLabel = "metric_type";
    public const string NamespaceLabel = "namespace";
    public const string HpaNameLabel = "hpa_name";
    public const string KindLabel = "kind";
    public const string ReachabilityLabel = "reachability";
    public const string MemberLabel = "member";

    /// <summary>upstream metrics.ExponentialBuckets(0.001, 2, 15): 1 ms to 16.384 s.</summary>
    public static IReadOnlyList<double> UpstreamDurationBuckets { get; } = [.. Enumerable.Range(0, 15).Select(i => 0.001 * Math.Pow(2, i))];

    /// <summary>Ages and latencies of metric samples: a sample is at most a resolution (15 s) plus a sync period old
    /// when things work, minutes when they do not.</summary>
    public static IReadOnlyList<double> AgeBuckets { get; } = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300];

    /// <summary>The process-wide instance the hosted members use.</summary>
    public static ActorScalerTelemetry Shared { get; } = new();

    private readonly ConcurrentDictionary<(string Namespace, string Name), int> _desiredReplicas = new();
    private readonly ConcurrentDictionary<object, IMemberObservations> _members = new(ReferenceEqualityComparer.Instance);

    public ActorScalerTelemetry()
    {
        Meter = new Meter(Name);
        ReconciliationsTotal = Meter.CreateCounter<long>(ReconciliationsTotalName, unit: null,
            "Number of reconciliations of HPA controller. The label 'action' should be either 'scale_down', 'scale_up', or 'none'. Also, the label 'error' should be either 'spec', 'internal', or 'none'.");
        ReconciliationDuration = Meter.CreateHistogram(ReconciliationDurationName, "s",
            "The time(seconds) that the HPA controller takes to reconcile once.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = UpstreamDurationBuckets });
        MetricComputationTotal = Meter.CreateCounter<long>(MetricComputationTotalName, unit: null,
            "Number of metric computations. The label 'metric_type' corresponds to HPA.spec.metrics[*].type.");
        MetricComputationDuration = Meter.CreateHistogram(MetricComputationDurationName, "s",
            "The time(seconds) that the HPA controller takes to calculate one metric.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = UpstreamDurationBuckets });
        NumHorizontalPodAutoscalers = Meter.CreateUpDownCounter<long>(NumHorizontalPodAutoscalersName, unit: null,
            "Current number of controlled HPA objects (on this member).");
        Meter.CreateObservableGauge(DesiredReplicasName, ObserveDesiredReplicas, unit: null,
            "Current desired replica count for HPA objects (only with --per-hpa-metrics).");
        DecisionLatency = Meter.CreateHistogram(DecisionLatencyName, "s",
            "From the newest kubelet sample a decision used to its /scale write.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = AgeBuckets });
        MetricAge = Meter.CreateHistogram(MetricAgeName, "s",
            "Age of the metric samples at the moment of a decision.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = AgeBuckets });
        Meter.CreateObservableGauge(EntitiesName, ObserveEntities, unit: null,
            "Sharded entities running on this member, by kind (hpa, node_scraper).");
        Meter.CreateObservableGauge(ClusterMembersName, ObserveMembers, unit: null,
            "Cluster members this member sees, by reachability (reachable, unreachable).");
    }

    public Meter Meter { get; }
    public Counter<long> ReconciliationsTotal { get; }
    public Histogram<double> ReconciliationDuration { get; }
    public Counter<long> MetricComputationTotal { get; }
    public Histogram<double> MetricComputationDuration { get; }
    public UpDownCounter<long> NumHorizontalPodAutoscalers { get; }
    public Histogram<double> DecisionLatency { get; }
    public Histogram<double> MetricAge { get; }

    /// <summary>Opt-in per-HPA series (--per-hpa-metrics): one series per HPA is unbounded in a large cluster.</summary>
    public bool PerHpaMetrics { get; set; }

    internal void SetDesiredReplicas(string @namespace, string name, int replicas)
    {
        if (PerHpaMetrics)
            _desiredReplicas[(@namespace, name)] = replicas;
    }

    internal void ForgetHpa(string @namespace, string name) => _desiredReplicas.TryRemove((@namespace, name), out _);

    /// <summary>Adds a member's observable state (entities, cluster reachability); dispose the result to remove it.
    /// Several members in one process (tests, the demo) each report with their own member label.</summary>
    public IDisposable RegisterMember(IMemberObservations member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var key = new object();
        _members[key] = member;
        return new Registration(() => _members.TryRemove(key, out _));
    }

    private IEnumerable<Measurement<int>> ObserveDesiredReplicas()
    {
        foreach (var ((ns, name), replicas) in _desiredReplicas)
            yield return new Measurement<int>(replicas, new KeyValuePair<string, object?>(NamespaceLabel, ns), new KeyValuePair<string, object?>(HpaNameLabel, name));
    }

    private IEnumerable<Measurement<long>> ObserveEntities()
    {
        foreach (var member in _members.Values)
        {
            foreach (var (kind, count) in member.EntityCounts())
                yield return new Measurement<long>(count, new KeyValuePair<string, object?>(KindLabel, kind), new KeyValuePair<string, object?>(MemberLabel, member.Member));
        }
    }

    private IEnumerable<Measurement<long>> ObserveMembers()
    {
        foreach (var member in _members.Values)
        {
            var (reachable, unreachable) = member.Reachability();
            yield return new Measurement<long>(reachable, new KeyValuePair<string, object?>(ReachabilityLabel, "reachable"), new KeyValuePair<string, object?>(MemberLabel, member.Member));
            yield return new Measurement<long>(unreachable, new KeyValuePair<string, object?>(ReachabilityLabel, "unreachable"), new KeyValuePair<string, object?>(MemberLabel, member.Member));
        }
    }

    public void Dispose() => Meter.Dispose();

    private sealed class Registration(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}

/// <summary>What a member reports to the observable gauges; read on every collection, so it must be cheap
/// and never block (a cached snapshot, not an ask).</summary>
public interface IMemberObservations
{
    /// <summary>This member's address (the member label: one per process in production).</summary>
    string Member { get; }

    IEnumerable<(string Kind, long Count)> EntityCounts();

    (long Reachable, long Unreachable) Reachability();
}
