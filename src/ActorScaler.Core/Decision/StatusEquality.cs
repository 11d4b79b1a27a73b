using ActorScaler.Core.Quantities;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>
/// apiequality.Semantic.DeepEqual for an HPA status: quantities compare by value (1000m == 1), times by
/// instant, and nil/empty lists alike. The controller writes the status only when this says it changed.
/// </summary>
public static class StatusEquality
{
    public static bool SemanticEquals(HorizontalPodAutoscalerStatus? a, HorizontalPodAutoscalerStatus? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }
        if (a is null || b is null)
        {
            return false;
        }
        return a.ObservedGeneration == b.ObservedGeneration
            && a.LastScaleTime == b.LastScaleTime
            && a.CurrentReplicas == b.CurrentReplicas
            && a.DesiredReplicas == b.DesiredReplicas
            && ListEquals(a.CurrentMetrics, b.CurrentMetrics, MetricEquals)
            && ListEquals(a.Conditions, b.Conditions, ConditionEquals);
    }

    private static bool ListEquals<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b, Func<T, T, bool> equals)
    {
        var countA = a?.Count ?? 0;
        var countB = b?.Count ?? 0;
        if (countA != countB)
        {
            return false;
        }
        for (var i = 0; i < countA; i++)
        {
            if (!equals(a![i], b![i]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool ConditionEquals(HpaCondition a, HpaCondition b) =>
        ReferenceEquals(a, b)
        || (a.Type == b.Type && a.Status == b.Status && a.LastTransitionTime == b.LastTransitionTime && a.Reason == b.Reason && a.Message == b.Message);

    private static bool MetricEquals(MetricStatus a, MetricStatus b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }
        if (a.Type != b.Type)
        {
            return false;
        }
        return Both(a.Resource, b.Resource, (x, y) => x.Name == y.Name && ValueEquals(x.Current, y.Current))
            && Both(a.ContainerResource, b.ContainerResource, (x, y) => x.Name == y.Name && x.Container == y.Container && ValueEquals(x.Current, y.Current))
            && Both(a.Pods, b.Pods, (x, y) => IdentifierEquals(x.Metric, y.Metric) && ValueEquals(x.Current, y.Current))
            && Both(a.Object, b.Object, (x, y) => IdentifierEquals(x.Metric, y.Metric) && ValueEquals(x.Current, y.Current) && x.DescribedObject == y.DescribedObject)
            && Both(a.External, b.External, (x, y) => IdentifierEquals(x.Metric, y.Metric) && ValueEquals(x.Current, y.Current));
    }

    private static bool Both<T>(T? a, T? b, Func<T, T, bool> equals)
        where T : class =>
        ReferenceEquals(a, b) || (a is not null && b is not null && equals(a, b));

    private static bool ValueEquals(MetricValueStatus a, MetricValueStatus b) =>
        QuantityEquals(a.Value, b.Value) && QuantityEquals(a.AverageValue, b.AverageValue) && a.AverageUtilization == b.AverageUtilization;

    private static bool QuantityEquals(Quantity? a, Quantity? b) =>
        a is null ? b is null : b is not null && a.Value.CompareTo(b.Value) == 0;

    private static bool IdentifierEquals(MetricIdentifier a, MetricIdentifier b) =>
        a.Name == b.Name && SelectorEquals(a.Selector, b.Selector);

    /// <summary>Selectors by content: the record's own Equals compares its dictionaries by reference.</summary>
    public static bool SelectorEquals(LabelSelector? a, LabelSelector? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }
        if (a is null || b is null)
        {
            return false;
        }
        var labelsA = a.MatchLabels ?? ObjectMeta.EmptyMap;
        var labelsB = b.MatchLabels ?? ObjectMeta.EmptyMap;
        if (labelsA.Count != labelsB.Count)
        {
            return false;
        }
        foreach (var (key, value) in labelsA)
        {
            if (!labelsB.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }
        return ListEquals(a.MatchExpressions, b.MatchExpressions, (x, y) =>
            x.Key == y.Key && x.Operator == y.Operator && ListEquals(x.Values, y.Values, string.Equals));
    }
}
