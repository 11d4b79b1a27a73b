using ActorScaler.Core.Behavior;
using ActorScaler.Core.Calculation;
using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;

namespace ActorScaler.WhatIf.Engine;

/// <summary>
/// The production reconcile pass, unchanged, behind the simulator's controller seam: each sync
/// is Decide, the /scale write (which always succeeds here: the simulated workload takes it), then
/// Complete. The HPA object (with the status Complete wrote) and the decision state carry over to
/// the next sync exactly as the controller keeps them.
/// </summary>
public sealed class CoreController : IHpaController
{
    private readonly ControllerSettings _settings;
    private HorizontalPodAutoscaler _hpa;
    private DecisionState _state = DecisionState.Initial;

    public CoreController(HorizontalPodAutoscaler hpa, ControllerSettings? settings = null)
    {
        _hpa = hpa;
        _settings = settings ?? ControllerSettings.Production;
    }

    public ControllerStep Sync(ClusterSnapshot snapshot)
    {
        var input = new ReconcileInput
        {
            Hpa = _hpa,
            Settings = _settings,
            Scale = new ScaleSubresource(snapshot.SpecReplicas, snapshot.StatusReplicas, snapshot.Selector),
            Pods = snapshot.Pods,
            Metrics = MetricsFor(_hpa, snapshot),
            Now = snapshot.Now,
            State = _state,
        };
        var decision = AutoscalerReconciler.Decide(input);
        var result = AutoscalerReconciler.Complete(decision, decision.ScaleWriteReplicas is null ? null : ScaleWriteResult.Succeeded);
        _state = result.State;
        _hpa = _hpa with { Status = result.Status };
        return new ControllerStep
        {
            Rescaled = result.ScaledTo,
            Status = result.Status,
            Events = result.Events.Select(e => $"{e.Reason}: {e.Message}").ToList(),
        };
    }

    /// <summary>
    /// What the three metrics APIs answer in the simulated cluster: metrics-server's pod metrics,
    /// and the requests-per-second series for every Pods, Object and External metric the HPA names.
    /// </summary>
    private static MetricsSnapshot MetricsFor(HorizontalPodAutoscaler hpa, ClusterSnapshot snapshot)
    {
        var pods = new Dictionary<string, PodCustomMetrics>(StringComparer.Ordinal);
        var objects = new List<ObjectMetricValue>();
        var external = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        foreach (var metric in hpa.Spec.Metrics)
        {
            if (metric.Pods is { } p)
                pods[p.Metric.Name] = new PodCustomMetrics(snapshot.PodRequestRates);
            if (metric.Object is { } o)
                objects.Add(new ObjectMetricValue(o.DescribedObject, o.Metric.Name, snapshot.TotalRequestRateMilli));
            if (metric.External is { } e)
                external[e.Metric.Name] = [snapshot.TotalRequestRateMilli];
        }
        return new MetricsSnapshot
        {
            ResourceMetrics = new PodResourceMetrics(snapshot.ResourceMetrics),
            PodsMetrics = pods,
            ObjectMetrics = objects,
            ExternalMetrics = external,
        };
    }
}
