using ActorScaler.Core.Spec;
using Xunit;

namespace ActorScaler.Core.Tests.Spec;

public sealed class SelectorIndexTests
{
    private static Dictionary<string, string> Labels(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    [Fact]
    public void Finds_equality_set_and_unindexable_selectors_and_nothing_else()
    {
        var index = new SelectorIndex<string>(
        [
            (Selector.Parse("app=web"), "web"),
            (Selector.Parse("app==web,tier=front"), "web-front"),
            (Selector.Parse("app in (api,web)"), "api-or-web"),
            (Selector.Parse("app=api"), "api"),
            (Selector.Parse("!canary"), "not-canary"),
            (Selector.Parse("app notin (api)"), "not-api"),
            (Selector.Parse(""), "everything"),
            (Selector.Nothing, "nothing"),
            (Selector.Parse("x in ()"), "empty-in"),
        ]);
        var found = new List<string>();
        index.ForEachMatch(Labels(("app", "web"), ("tier", "back")), found.Add);
        Assert.Equal(new[] { "api-or-web", "everything", "not-api", "not-canary", "web" }, found.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Matching_any_reports_each_entry_once_across_label_sets()
    {
        var index = new SelectorIndex<int>([(Selector.Parse("app=web"), 1), (Selector.Parse("app=api"), 2), (Selector.Parse("!x"), 3)]);
        var matched = index.MatchingAny([Labels(("app", "web")), Labels(("app", "web"), ("pod", "b")), Labels(("app", "db"), ("x", "1"))]);
        Assert.Equal([1, 3], matched.Order());
    }

    [Fact]
    public void Agrees_with_testing_every_selector_on_random_selectors_and_labels()
    {
        var random = new Random(20261126);
        string[] keys = ["app", "tier", "team", "canary"];
        string[] values = ["a", "b", "c"];
        string RandomRequirement()
        {
            var key = keys[random.Next(keys.Length)];
            return random.Next(7) switch
            {
                0 => $"{key}={values[random.Next(3)]}",
                1 => $"{key}=={values[random.Next(3)]}",
                2 => $"{key} in ({values[random.Next(3)]},{values[random.Next(3)]})",
                3 => $"{key} notin ({values[random.Next(3)]})",
                4 => $"!{key}",
                5 => key,
                _ => $"{key}!={values[random.Next(3)]}",
            };
        }
        var selectors = Enumerable.Range(0, 300)
            .Select(i => (Selector: Selector.Parse(string.Join(",", Enumerable.Range(0, random.Next(0, 3)).Select(_ => RandomRequirement()).DistinctBy(r => r.TrimStart('!').Split('=', '!', ' ')[0]))), Item: i))
            .ToList();
        var index = new SelectorIndex<int>(selectors);
        for (var n = 0; n < 500; n++)
        {
            var labels = keys.Where(_ => random.Next(2) == 0).ToDictionary(k => k, _ => values[random.Next(3)], StringComparer.Ordinal);
            var expected = selectors.Where(s => s.Selector.Matches(labels)).Select(s => s.Item).Order().ToList();
            var found = new List<int>();
            index.ForEachMatch(labels, found.Add);
            Assert.Equal(expected, found.Order().ToList());
        }
    }
}
