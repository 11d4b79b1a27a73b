using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>HPA condition reasons and messages the controller writes (horizontal.go).</summary>
public static class HpaConditionReason
{
    public const string SucceededGetScale = "SucceededGetScale";
    public const string SucceededGetScaleMessage = "the HPA controller was able to get the target's current scale";
    public const string FailedGetScale = "FailedGetScale";
    public const string SucceededRescale = "SucceededRescale";
    public const string FailedUpdateScale = "FailedUpdateScale";
    public const string ScalingDisabled = "ScalingDisabled";
    public const string ScalingDisabledMessage = "scaling is disabled since the replica count of the target is zero";
    public const string ValidMetricFound = "ValidMetricFound";
    public const string InvalidSelector = "InvalidSelector";
    public const string MissingSelectorMessage = "the HPA target's scale is missing a selector";
    public const string AmbiguousSelector = "AmbiguousSelector";
    public const string ScaledToZero = "ScaledToZero";
    public const string ScaledToZeroMessage = "the HPA controller scaled the workload to zero";
    public const string NotScaledToZero = "NotScaledToZero";
    public const string NotScaledToZeroMessage = "the HPA controller did not scale the workload to zero";
}

public static class ConditionStatusText
{
    public const string True = "True";
    public const string False = "False";
}

/// <summary>
/// The working copy of status.conditions (upstream setCondition): an existing condition of the type is
/// updated in place, a new one is appended, so the list keeps first-insertion order; lastTransitionTime
/// moves only when the status flips. Unchanged conditions keep their original object.
/// </summary>
internal sealed class ConditionSet
{
    private readonly List<Entry> _entries;

    private ConditionSet(List<Entry> entries) => _entries = entries;

    internal struct Entry
    {
        public HpaCondition? Original;
        public string Type;
        public string Status;
        public DateTimeOffset? LastTransitionTime;
        public string Reason;
        public string Message;
    }

    public static ConditionSet From(IReadOnlyList<HpaCondition> conditions)
    {
        // Room for the four types the controller writes, so a first pass does not regrow the list.
        var entries = new List<Entry>(Math.Max(4, conditions.Count));
        for (var i = 0; i < conditions.Count; i++)
        {
            var c = conditions[i];
            entries.Add(new Entry { Original = c, Type = c.Type, Status = c.Status, LastTransitionTime = c.LastTransitionTime, Reason = c.Reason, Message = c.Message });
        }
        return new ConditionSet(entries);
    }

    public void Set(string type, string status, string reason, string message, DateTimeOffset now)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_entries);
        for (var i = 0; i < span.Length; i++)
        {
            if (string.Equals(span[i].Type, type, StringComparison.Ordinal))
            {
                ref var existing = ref span[i];
                if (!string.Equals(existing.Status, status, StringComparison.Ordinal))
                {
                    existing.LastTransitionTime = now;
                }
                existing.Status = status;
                existing.Reason = reason;
                existing.Message = message;
                return;
            }
        }
        _entries.Add(new Entry { Type = type, Status = status, LastTransitionTime = now, Reason = reason, Message = message });
    }

    public string? StatusOf(string type)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Type, type, StringComparison.Ordinal))
            {
                return entry.Status;
            }
        }
        return null;
    }

    /// <summary>
    /// The conditions as written, with up to two further updates applied on the way out. Complete uses the
    /// updates instead of changing the decision's set, so a decision stays immutable and costs no copy.
    /// </summary>
    public HpaCondition[] ToConditions(DateTimeOffset now, ConditionUpdate first = default, ConditionUpdate second = default)
    {
        var appendFirst = first.Type is not null && IndexOf(first.Type) < 0;
        var appendSecond = second.Type is not null && IndexOf(second.Type) < 0;
        var result = new HpaCondition[_entries.Count + (appendFirst ? 1 : 0) + (appendSecond ? 1 : 0)];
        for (var i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            Apply(ref e, first, now);
            Apply(ref e, second, now);
            var original = e.Original;
            result[i] = original is not null
                && string.Equals(original.Status, e.Status, StringComparison.Ordinal)
                && string.Equals(original.Reason, e.Reason, StringComparison.Ordinal)
                && string.Equals(original.Message, e.Message, StringComparison.Ordinal)
                && original.LastTransitionTime == e.LastTransitionTime
                ? original
                : new HpaCondition { Type = e.Type, Status = e.Status, LastTransitionTime = e.LastTransitionTime, Reason = e.Reason, Message = e.Message };
        }
        var next = _entries.Count;
        if (appendFirst)
        {
            result[next++] = first.ToCondition(now);
        }
        if (appendSecond)
        {
            result[next] = second.ToCondition(now);
        }
        return result;
    }

    private int IndexOf(string type)
    {
        for (var i = 0; i < _entries.Count; i++)
        {
            if (string.Equals(_entries[i].Type, type, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    private static void Apply(ref Entry entry, ConditionUpdate update, DateTimeOffset now)
    {
        if (update.Type is null || !string.Equals(entry.Type, update.Type, StringComparison.Ordinal))
        {
            return;
        }
        if (!string.Equals(entry.Status, update.Status, StringComparison.Ordinal))
        {
            entry.LastTransitionTime = now;
        }
        entry.Status = update.Status!;
        entry.Reason = update.Reason!;
        entry.Message = update.Message!;
    }
}

/// <summary>A setCondition call held back until the conditions are written out.</summary>
internal readonly record struct ConditionUpdate(string? Type, string? Status, string? Reason, string? Message)
{
    public HpaCondition ToCondition(DateTimeOffset now) =>
        new() { Type = Type!, Status = Status!, LastTransitionTime = now, Reason = Reason!, Message = Message! };
}
