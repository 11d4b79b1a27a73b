using ActorScaler.Core.Spec;
using ActorScaler.Kubernetes.Informers;

namespace ActorScaler.Actors.Hpa;

/// <summary>
/// Which HPAs this controller manages. By default every HPA (for clusters that run
/// kube-controller-manager with <c>--controllers=*,-horizontalpodautoscaling</c>). With
/// <c>--hpa-selector</c>, only HPAs whose labels match, plus those that opt in with the annotation
/// <c>autoscaling.actorscaler.io/controller: actorscaler</c>. The annotation with any other value
/// (e.g. <c>kube-controller-manager</c>) opts an HPA out in every case.
/// </summary>
public static class HpaSelection
{
    public const string ControllerAnnotation = "autoscaling.actorscaler.io/controller";
    public const string ControllerName = "actorscaler";
    /// <summary>Per-HPA override of the sync period, a Go duration such as "30s".</summary>
    public const string SyncPeriodAnnotation = "autoscaling.actorscaler.io/sync-period";
    /// <summary>Per-HPA staleness budget of its Pods, Object and External metrics (a Go duration).</summary>
    public const string StalenessBudgetAnnotation = "autoscaling.actorscaler.io/metric-staleness-budget";

    public static bool IsSelected(HpaEntry entry, Selector? hpaSelector)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var annotations = entry.Hpa?.Metadata.Annotations;
        if (annotations is not null && annotations.TryGetValue(ControllerAnnotation, out var controller))
            return string.Equals(controller, ControllerName, StringComparison.Ordinal);
        return hpaSelector is null || hpaSelector.Matches(entry.Labels);
    }
}
