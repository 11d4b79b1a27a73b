using System.Collections.Concurrent;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>
/// Memoises labels.Parse of scale selectors, compiled for matching. Parsing is a pure function of the text
/// and a target's selector rarely changes, while parsing costs more than the rest of a pass; the memo
/// holds no decision state.
/// </summary>
internal static class SelectorCache
{
    // Bounded so that selector churn cannot grow it without limit; clearing only costs re-parses.
    private const int Capacity = 4096;
    private static readonly ConcurrentDictionary<string, (CompiledSelector? Selector, string? Error)> Parsed = new(StringComparer.Ordinal);

    public static bool TryParse(string text, out CompiledSelector selector, out string? error)
    {
        if (!Parsed.TryGetValue(text, out var entry))
        {
            entry = Selector.TryParse(text, out var parsed, out var parseError) ? (new CompiledSelector(parsed), null) : (null, parseError);
            if (Parsed.Count >= Capacity)
            {
                Parsed.Clear();
            }
            Parsed[text] = entry;
        }
        selector = entry.Selector!;
        error = entry.Error;
        return error is null;
    }
}

/// <summary>
/// A parsed selector prepared for matching many pods: the equality and set operators (what scale
/// selectors use) are checked with plain ordinal comparisons; any other operator defers to
/// LabelRequirement.Matches, so the semantics stay the parser's.
/// </summary>
internal sealed class CompiledSelector
{
    private enum Kind : byte
    {
        In,
        NotIn,
        Exists,
        DoesNotExist,
        Other,
    }

    private readonly record struct Requirement(string Key, Kind Kind, string[] Values, LabelRequirement Source);

    private readonly Requirement[] _requirements;

    public CompiledSelector(Selector selector)
    {
        Selector = selector;
        var requirements = selector.Requirements;
        _requirements = new Requirement[requirements.Count];
        for (var i = 0; i < requirements.Count; i++)
        {
            var r = requirements[i];
            var kind = r.Operator switch
            {
                SelectorOperator.In or SelectorOperator.Equals or SelectorOperator.DoubleEquals => Kind.In,
                SelectorOperator.NotIn or SelectorOperator.NotEquals => Kind.NotIn,
                SelectorOperator.Exists => Kind.Exists,
                SelectorOperator.DoesNotExist => Kind.DoesNotExist,
                _ => Kind.Other,
            };
            _requirements[i] = new Requirement(r.Key, kind, [.. r.Values], r);
        }
    }

    public Selector Selector { get; }

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (_requirements.Length == 0)
        {
            // Everything or Nothing: the selector knows which.
            return Selector.Matches(labels);
        }
        foreach (var r in _requirements)
        {
            var has = labels.TryGetValue(r.Key, out var value);
            var ok = r.Kind switch
            {
                Kind.In => has && Contains(r.Values, value!),
                Kind.NotIn => !has || !Contains(r.Values, value!),
                Kind.Exists => has,
                Kind.DoesNotExist => !has,
                _ => r.Source.Matches(labels),
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool Contains(string[] values, string value)
    {
        foreach (var v in values)
        {
            if (string.Equals(v, value, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }
}
