using ActorScaler.Core.Decision;
using ActorScaler.Core.Spec;
using k8s.Models;

namespace ActorScaler.Kubernetes.Projections;

/// <summary>
/// A scale target as its /scale subresource would show it, read from the informer cache instead of a
/// GET per sync: spec.replicas, status.replicas, the selector string and the object's resourceVersion
/// (the /scale subresource carries its parent's resourceVersion, so the cached one is a valid write
/// precondition).
/// </summary>
public sealed record ScaleTarget(string Namespace, string Name, ScaleSubresource Scale, string ResourceVersion);

public static class ScaleTargetProjection
{
    // apps/v1 defaulting: a workload without spec.replicas runs one.
    private const int DefaultReplicas = 1;

    public static ScaleTarget FromDeployment(V1Deployment d) =>
        Project(d.Metadata, d.Spec?.Replicas, d.Status?.Replicas, d.Spec?.Selector);

    public static ScaleTarget FromStatefulSet(V1StatefulSet s) =>
        Project(s.Metadata, s.Spec?.Replicas, s.Status?.Replicas, s.Spec?.Selector);

    public static ScaleTarget FromReplicaSet(V1ReplicaSet r) =>
        Project(r.Metadata, r.Spec?.Replicas, r.Status?.Replicas, r.Spec?.Selector);

    private static ScaleTarget Project(V1ObjectMeta meta, int? specReplicas, int? statusReplicas, V1LabelSelector? selector) =>
        new(meta.NamespaceProperty ?? "", meta.Name ?? "",
            new ScaleSubresource(specReplicas ?? DefaultReplicas, statusReplicas ?? 0, SelectorString(selector)),
            meta.ResourceVersion ?? "");

    /// <summary>
    /// What the apps scale subresource puts in status.selector: metav1.LabelSelectorAsSelector(...).String().
    /// A selector the API server would not have stored reads as "" (no selector), which the decision
    /// reports as upstream does.
    /// </summary>
    public static string SelectorString(V1LabelSelector? selector)
    {
        if (selector is null)
            return "";
        var model = new LabelSelector
        {
            MatchLabels = selector.MatchLabels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : null,
            MatchExpressions = selector.MatchExpressions?.Select(e => new LabelSelectorRequirement
            {
                Key = e.Key ?? "",
                Operator = e.OperatorProperty ?? "",
                Values = e.Values?.ToList(),
            }).ToList(),
        };
        try
        {
            return Selector.FromLabelSelector(model).ToString();
        }
        catch (LabelSelectorException)
        {
            return "";
        }
    }
}
