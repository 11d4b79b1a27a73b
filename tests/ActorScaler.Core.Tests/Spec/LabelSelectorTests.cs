using Xunit;
using ActorScaler.Core.Spec;

namespace ActorScaler.Core.Tests.Spec;

// Cases after apimachinery pkg/labels/selector_test.go (TestSelectorParse, TestSelectorMatches, ...).
public sealed class LabelSelectorTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("x=a", "x=a")]
    [InlineData("y=a,x=b", "x=b,y=a")]
    [InlineData("x in (b,a,c)", "x in (a,b,c)")]
    [InlineData("x notin (a)", "x notin (a)")]
    [InlineData("!x", "!x")]
    [InlineData("x", "x")]
    [InlineData("x==a", "x==a")]
    [InlineData("x!=a", "x!=a")]
    [InlineData("x>1", "x>1")]
    [InlineData("x<1", "x<1")]
    [InlineData("  x  =  a  ", "x=a")]
    [InlineData("x=", "x=")]
    [InlineData("x= ,z= ", "x=,z=")]
    [InlineData("x in (),y", "x in (),y")]
    [InlineData("x notin (),y in ()", "x notin (),y in ()")]
    [InlineData("x in (in)", "x in (in)")]
    [InlineData("a=b,c!=d,e in (x,y),!f,g", "a=b,c!=d,e in (x,y),!f,g")]
    [InlineData("w in (,,a)", "w in (,a)")]
    public void Parses_and_prints_canonically(string text, string canonical) =>
        Assert.Equal(canonical, Selector.Parse(text).ToString());

    [Theory]
    [InlineData("cheddar cheese", "unable to parse requirement: found 'cheese', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("x=a)", "found ')', expected: ',' or 'end of string'")]
    [InlineData("x,,y", "found ',', expected: identifier after ','")]
    [InlineData("x in (a", "unable to parse requirement: found '', expected: ',' or ')'")]
    [InlineData("x in a)", "unable to parse requirement: found 'a' expected: '('")]
    [InlineData(",", "found ',', expected: !, identifier, or 'end of string'")]
    [InlineData("x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer")]
    [InlineData("a b=c", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("x=a b", "found 'b', expected: ',' or 'end of string'")]
    public void Rejects_bad_syntax_with_upstream_messages(string text, string message)
    {
        var ex = Assert.Throws<LabelSelectorException>(() => Selector.Parse(text));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Rejects_invalid_keys_and_values()
    {
        Assert.False(Selector.TryParse("x/y/z=a", out _, out var keyError));
        Assert.StartsWith("unable to parse requirement: <nil>: Invalid value: \"x/y/z\": a qualified name must consist of", keyError);
        Assert.False(Selector.TryParse("x=a b c", out _, out _));
        Assert.False(Selector.TryParse("x=-bad-", out _, out var valueError));
        Assert.StartsWith("unable to parse requirement: values[0][x]: Invalid value: \"-bad-\": a valid label must be an empty string", valueError);
    }

    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["n"] = "5" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app=db", false)]
    [InlineData("app!=db", true)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (db,web)", true)]
    [InlineData("app notin (db,web)", false)]
    [InlineData("missing notin (a)", true)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing", true)]
    [InlineData("n>4", true)]
    [InlineData("n>5", false)]
    [InlineData("n<6", true)]
    [InlineData("app>1", false)]
    [InlineData("app=web,tier=back", false)]
    public void Matches_labels(string text, bool expected) =>
        Assert.Equal(expected, Selector.Parse(text).Matches(Labels));

    [Fact]
    public void Structured_selector_converts_like_LabelSelectorAsSelector()
    {
        var selector = Selector.FromLabelSelector(new LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" },
            MatchExpressions =
            [
                new LabelSelectorRequirement { Key = "env", Operator = "NotIn", Values = ["prod", "dev"] },
                new LabelSelectorRequirement { Key = "gone", Operator = "DoesNotExist" },
            ],
        });
        Assert.Equal("app=web,env notin (dev,prod),!gone,tier=front", selector.ToString());
        Assert.True(selector.Matches(Labels));
        Assert.False(Selector.FromLabelSelector(null).Matches(Labels));
        Assert.True(Selector.FromLabelSelector(new LabelSelector()).Matches(Labels));

        var bad = Assert.Throws<LabelSelectorException>(() => Selector.FromLabelSelector(new LabelSelector
        {
            MatchExpressions = [new LabelSelectorRequirement { Key = "a", Operator = "Like" }],
        }));
        Assert.Equal("\"Like\" is not a valid label selector operator", bad.Message);
        var empty = Assert.Throws<LabelSelectorException>(() => Selector.FromLabelSelector(new LabelSelector
        {
            MatchExpressions = [new LabelSelectorRequirement { Key = "a", Operator = "In" }],
        }));
        Assert.Equal("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty", empty.Message);
    }

    [Fact]
    public void Validates_structured_selectors_like_ValidateLabelSelector()
    {
        var errors = Selector.Validate(new LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["ok"] = "-no-" },
            MatchExpressions =
            [
                new LabelSelectorRequirement { Key = "a", Operator = "In" },
                new LabelSelectorRequirement { Key = "b", Operator = "Exists", Values = ["x"] },
                new LabelSelectorRequirement { Key = "c", Operator = "Like" },
            ],
        }, "spec.metrics[0].external.metric.selector").Select(e => e.ToString()).ToList();
        Assert.Equal(4, errors.Count);
        Assert.StartsWith("spec.metrics[0].external.metric.selector.matchLabels: Invalid value: \"-no-\": a valid label must be", errors[0]);
        Assert.Equal("spec.metrics[0].external.metric.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'", errors[1]);
        Assert.Equal("spec.metrics[0].external.metric.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", errors[2]);
        Assert.Equal("spec.metrics[0].external.metric.selector.matchExpressions[2].operator: Invalid value: \"Like\": not a valid selector operator", errors[3]);
    }
}
