namespace ActorScaler.Core.Spec;

/// <summary>
/// Finds which of many label selectors match a set of labels without testing every selector: each
/// selector with an equality requirement (<c>k=v</c>, <c>k==v</c>, <c>k in (v1,v2)</c>) is filed under
/// its (key, value) pairs, so only the selectors filed under one of the labels' own pairs are tested;
/// selectors without one (<c>!k</c>, <c>k notin (...)</c>, empty) are always tested. Workload selectors
/// (<c>app=web</c>) all have one, which turns "which HPAs select these pods" and "which subscribers care
/// about this pod" from O(selectors) into O(labels). Immutable once built; safe to share across threads.
/// </summary>
public sealed class SelectorIndex<T>
{
    private readonly (Selector Selector, T Item)[] _entries;
    private readonly Dictionary<(string Key, string Value), List<int>> _byPair = [];
    private readonly List<int> _unindexed = [];

    public SelectorIndex(IEnumerable<(Selector Selector, T Item)> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries.ToArray();
        for (var i = 0; i < _entries.Length; i++)
        {
            // Selector.Nothing has no requirements: it is tested, and matches nothing.
            var requirement = _entries[i].Selector.EqualityRequirement();
            if (requirement is null)
            {
                _unindexed.Add(i);
                continue;
            }
            foreach (var value in requirement.Values.Distinct(StringComparer.Ordinal))
            {
                var pair = (requirement.Key, value);
                if (!_byPair.TryGetValue(pair, out var list))
                {
                    _byPair[pair] = list = [];
                }
                list.Add(i);
            }
        }
    }

    public int Count => _entries.Length;

    /// <summary>Calls <paramref name="onMatch"/> once for every entry whose selector matches
    /// <paramref name="labels"/>, in no particular order.</summary>
    public void ForEachMatch(IReadOnlyDictionary<string, string> labels, Action<T> onMatch)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(onMatch);
        foreach (var i in _unindexed)
        {
            if (_entries[i].Selector.Matches(labels))
            {
                onMatch(_entries[i].Item);
            }
        }
        if (_byPair.Count == 0)
        {
            return;
        }
        // One value per key in a label set, and one requirement filed per selector: an entry can be
        // found through at most one of the labels, so no de-duplication is needed.
        foreach (var (key, value) in labels)
        {
            if (!_byPair.TryGetValue((key, value), out var candidates))
            {
                continue;
            }
            foreach (var i in candidates)
            {
                if (_entries[i].Selector.Matches(labels))
                {
                    onMatch(_entries[i].Item);
                }
            }
        }
    }

    /// <summary>The entries whose selector matches at least one of the label sets, each once.</summary>
    public List<T> MatchingAny(IEnumerable<IReadOnlyDictionary<string, string>> labelSets)
    {
        ArgumentNullException.ThrowIfNull(labelSets);
        var result = new List<T>();
        HashSet<T>? seen = null;
        foreach (var labels in labelSets)
        {
            ForEachMatch(labels, item =>
            {
                seen ??= [];
                if (seen.Add(item))
                {
                    result.Add(item);
                }
            });
        }
        return result;
    }
}
