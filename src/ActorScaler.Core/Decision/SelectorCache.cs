using System.Collections.Concurrent;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Decision;

/// <summary>
/// Memoises labels.Parse of scale selectors. Parsing is a pure function of the text and a target's selector
/// rarely changes, while parsing it costs more than the rest of a pass; the memo holds no decision state.
/// </summary>
internal static class SelectorCache
{
    // Bounded so that selector churn cannot grow it without limit; clearing only costs re-parses.
    private const int Capacity = 4096;
    private static readonly ConcurrentDictionary<string, (Selector Selector, string? Error)> Parsed = new(StringComparer.Ordinal);

    public static bool TryParse(string text, out Selector selector, out string? error)
    {
        if (!Parsed.TryGetValue(text, out var entry))
        {
            entry = Selector.TryParse(text, out var parsed, out var parseError) ? (parsed, null) : (parsed, parseError);
            if (Parsed.Count >= Capacity)
            {
                Parsed.Clear();
            }
            Parsed[text] = entry;
        }
        selector = entry.Selector;
        error = entry.Error;
        return error is null;
    }
}
