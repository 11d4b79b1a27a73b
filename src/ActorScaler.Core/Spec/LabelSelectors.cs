using System.Globalization;
using System.Text;
using ActorScaler.Core.Validation;

namespace ActorScaler.Core.Spec;

/// <summary>apimachinery selection.Operator values (the string-selector operators).</summary>
public static class SelectorOperator
{
    public const string DoesNotExist = "!";
    // Named as selection.Equals; hides the inherited static object.Equals on purpose.
    public new const string Equals = "=";
    public const string DoubleEquals = "==";
    public const string In = "in";
    public const string NotEquals = "!=";
    public const string NotIn = "notin";
    public const string Exists = "exists";
    public const string GreaterThan = "gt";
    public const string LessThan = "lt";

    // labels.validRequirementOperators, in upstream's order (NotSupported lists them so).
    public static readonly IReadOnlyList<string> Valid =
        [In, NotIn, Equals, DoubleEquals, NotEquals, Exists, DoesNotExist, GreaterThan, LessThan];

    // labels.binaryOperators: what the parser expects after a key.
    public static readonly IReadOnlyList<string> Binary = [In, NotIn, Equals, DoubleEquals, NotEquals, GreaterThan, LessThan];
}

/// <summary>metav1.LabelSelectorOperator values (the structured matchExpressions operators).</summary>
public static class LabelSelectorOperator
{
    public const string In = "In";
    public const string NotIn = "NotIn";
    public const string Exists = "Exists";
    public const string DoesNotExist = "DoesNotExist";
}

/// <summary>The selector text failed to parse or a requirement is invalid; the message is upstream's.</summary>
public sealed class LabelSelectorException(string message) : FormatException(message);

/// <summary>labels.Requirement: a key, an operator and its values (sorted, as the parser's sets.String gives).</summary>
public sealed record LabelRequirement
{
    public string Key { get; }
    public string Operator { get; }
    public IReadOnlyList<string> Values { get; }

    private LabelRequirement(string key, string op, IReadOnlyList<string> values)
    {
        Key = key;
        Operator = op;
        Values = values;
    }

    /// <summary>
    /// labels.NewRequirement: validates the key, the operator's arity and the values, and fails with the
    /// aggregated field errors (paths relative to <paramref name="path"/>, empty as upstream's nil path).
    /// </summary>
    public static LabelRequirement Create(string key, string op, IReadOnlyList<string> values, string path = "")
    {
        var errors = new List<FieldError>();
        var keyError = ValidateKey(key, Child(path, "key"));
        if (keyError is not null)
        {
            errors.Add(keyError);
        }
        var valuePath = Child(path, "values");
        switch (op)
        {
            case SelectorOperator.In:
            case SelectorOperator.NotIn:
                if (values.Count == 0)
                {
                    errors.Add(FieldError.InvalidRendered(valuePath, GoStringSlice(values), "for 'in', 'notin' operators, values set can't be empty"));
                }
                break;
            case SelectorOperator.Equals:
            case SelectorOperator.DoubleEquals:
            case SelectorOperator.NotEquals:
                if (values.Count != 1)
                {
                    errors.Add(FieldError.InvalidRendered(valuePath, GoStringSlice(values), "exact-match compatibility requires one single value"));
                }
                break;
            case SelectorOperator.Exists:
            case SelectorOperator.DoesNotExist:
                if (values.Count != 0)
                {
                    errors.Add(FieldError.InvalidRendered(valuePath, GoStringSlice(values), "values set must be empty for exists and does not exist"));
                }
                break;
            case SelectorOperator.GreaterThan:
            case SelectorOperator.LessThan:
                if (values.Count != 1)
                {
                    errors.Add(FieldError.InvalidRendered(valuePath, GoStringSlice(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
                }
                for (var i = 0; i < values.Count; i++)
                {
                    if (!long.TryParse(values[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                    {
                        errors.Add(FieldError.Invalid($"{valuePath}[{i}]", values[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
                    }
                }
                break;
            default:
                errors.Add(FieldError.NotSupported(Child(path, "operator"), op, SelectorOperator.Valid));
                break;
        }
        for (var i = 0; i < values.Count; i++)
        {
            var messages = NameValidation.IsValidLabelValue(values[i]);
            if (messages.Count > 0)
            {
                errors.Add(FieldError.Invalid($"{valuePath}[{i}][{key}]", values[i], string.Join("; ", messages)));
            }
        }
        if (errors.Count > 0)
        {
            throw new LabelSelectorException(GoValue.Aggregate(errors.Select(e => e.ToString())));
        }
        return new LabelRequirement(key, op, values.ToArray());
    }

    internal static FieldError? ValidateKey(string key, string path)
    {
        var messages = NameValidation.IsQualifiedName(key);
        return messages.Count == 0 ? null : FieldError.Invalid(path, key, string.Join("; ", messages));
    }

    private static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    // ErrorBody prints a []string with json.Marshal: null for the nil slice LabelSelectorAsSelector
    // passes for no values, ["a","b"] otherwise.
    private static string GoStringSlice(IReadOnlyList<string> values) =>
        values.Count == 0 ? "null" : System.Text.Json.JsonSerializer.Serialize(values);

    /// <summary>Requirement.Matches.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var value);
        switch (Operator)
        {
            case SelectorOperator.In:
            case SelectorOperator.Equals:
            case SelectorOperator.DoubleEquals:
                return has && Values.Contains(value!);
            case SelectorOperator.NotIn:
            case SelectorOperator.NotEquals:
                return !has || !Values.Contains(value!);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan:
            case SelectorOperator.LessThan:
                if (!has || Values.Count != 1
                    || !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var actual)
                    || !long.TryParse(Values[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bound))
                {
                    return false;
                }
                return Operator == SelectorOperator.GreaterThan ? actual > bound : actual < bound;
            default:
                return false;
        }
    }

    /// <summary>Requirement.String().</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        if (Operator == SelectorOperator.DoesNotExist)
        {
            builder.Append('!');
        }
        builder.Append(Key);
        switch (Operator)
        {
            case SelectorOperator.Equals: builder.Append('='); break;
            case SelectorOperator.DoubleEquals: builder.Append("=="); break;
            case SelectorOperator.NotEquals: builder.Append("!="); break;
            case SelectorOperator.In: builder.Append(" in "); break;
            case SelectorOperator.NotIn: builder.Append(" notin "); break;
            case SelectorOperator.GreaterThan: builder.Append('>'); break;
            case SelectorOperator.LessThan: builder.Append('<'); break;
            default: return builder.ToString();
        }
        var set = Operator is SelectorOperator.In or SelectorOperator.NotIn;
        if (set)
        {
            builder.Append('(');
        }
        builder.Append(Values.Count == 1 ? Values[0] : string.Join(",", Values.Order(StringComparer.Ordinal)));
        if (set)
        {
            builder.Append(')');
        }
        return builder.ToString();
    }

    public bool Equals(LabelRequirement? other) =>
        other is not null && Key == other.Key && Operator == other.Operator && Values.SequenceEqual(other.Values);

    public override int GetHashCode() => HashCode.Combine(Key, Operator, Values.Count);
}

/// <summary>
/// labels.Selector: requirements ANDed, sorted by key. <see cref="Nothing"/> matches nothing (a nil
/// LabelSelector), an empty selector matches everything.
/// </summary>
public sealed class Selector
{
    private readonly bool _nothing;

    private Selector(IReadOnlyList<LabelRequirement> requirements, bool nothing)
    {
        Requirements = requirements;
        _nothing = nothing;
    }

    public IReadOnlyList<LabelRequirement> Requirements { get; }

    public static Selector Everything { get; } = new([], false);

    public static Selector Nothing { get; } = new([], true);

    /// <summary>True when it restricts nothing (labels.Selector.Empty()).</summary>
    public bool IsEmpty => !_nothing && Requirements.Count == 0;

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        if (_nothing)
        {
            return false;
        }
        // A plain loop: this runs for every pod of every selector on hot paths (no closure, no enumerator).
        for (var i = 0; i < Requirements.Count; i++)
        {
            if (!Requirements[i].Matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The first requirement every matching label set must meet with one of a known set of values
    /// (<c>k=v</c>, <c>k==v</c>, <c>k in (v1,v2)</c>), or null when there is none: what an index keyed by
    /// (label, value) can look a selector's matches up by (<see cref="SelectorIndex{T}"/>, the pod index).
    /// </summary>
    public LabelRequirement? EqualityRequirement()
    {
        for (var i = 0; i < Requirements.Count; i++)
        {
            var requirement = Requirements[i];
            if (requirement.Operator is SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.In && requirement.Values.Count > 0)
            {
                return requirement;
            }
        }
        return null;
    }

    /// <summary>labels.Selector.String(): requirements joined by ",", in key order.</summary>
    public override string ToString() => string.Join(",", Requirements.Select(r => r.ToString()));

    /// <summary>labels.Parse, failing with upstream's message (e.g. for "cheddar cheese").</summary>
    public static Selector Parse(string selector) => new(LabelSelectorParser.Parse(selector), false);

    public static bool TryParse(string selector, out Selector result, out string? error)
    {
        try
        {
            result = Parse(selector);
            error = null;
            return true;
        }
        catch (LabelSelectorException ex)
        {
            result = Nothing;
            error = ex.Message;
            return false;
        }
    }

    /// <summary>labels.SelectorFromSet: key=value for each label; empty matches everything.</summary>
    public static Selector FromSet(IReadOnlyDictionary<string, string> set) =>
        new(set.Select(p => LabelRequirement.Create(p.Key, SelectorOperator.Equals, [p.Value]))
            .OrderBy(r => r.Key, StringComparer.Ordinal).ToList(), false);

    /// <summary>
    /// metav1.LabelSelectorAsSelector: null matches nothing, empty matches everything; invalid
    /// requirements fail with upstream's message.
    /// </summary>
    public static Selector FromLabelSelector(LabelSelector? selector)
    {
        if (selector is null)
        {
            return Nothing;
        }
        var matchLabels = selector.MatchLabels ?? ObjectMeta.EmptyMap;
        var expressions = selector.MatchExpressions ?? [];
        if (matchLabels.Count + expressions.Count == 0)
        {
            return Everything;
        }
        var requirements = new List<LabelRequirement>();
        foreach (var (key, value) in matchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            requirements.Add(LabelRequirement.Create(key, SelectorOperator.Equals, [value]));
        }
        foreach (var expression in expressions)
        {
            var op = expression.Operator switch
            {
                LabelSelectorOperator.In => SelectorOperator.In,
                LabelSelectorOperator.NotIn => SelectorOperator.NotIn,
                LabelSelectorOperator.Exists => SelectorOperator.Exists,
                LabelSelectorOperator.DoesNotExist => SelectorOperator.DoesNotExist,
                _ => throw new LabelSelectorException($"{GoValue.Quote(expression.Operator)} is not a valid label selector operator"),
            };
            requirements.Add(LabelRequirement.Create(expression.Key, op, expression.Values ?? []));
        }
        return new Selector(requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList(), false);
    }

    /// <summary>
    /// metav1validation.ValidateLabelSelector: the API server's field errors for a structured selector.
    /// </summary>
    public static List<FieldError> Validate(LabelSelector? selector, string path)
    {
        var errors = new List<FieldError>();
        if (selector is null)
        {
            return errors;
        }
        errors.AddRange(ValidateLabels(selector.MatchLabels ?? ObjectMeta.EmptyMap, path + ".matchLabels"));
        var expressions = selector.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var expression = expressions[i];
            var expressionPath = $"{path}.matchExpressions[{i}]";
            var values = expression.Values ?? [];
            switch (expression.Operator)
            {
                case LabelSelectorOperator.In:
                case LabelSelectorOperator.NotIn:
                    if (values.Count == 0)
                    {
                        errors.Add(FieldError.Required(expressionPath + ".values", "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                    break;
                case LabelSelectorOperator.Exists:
                case LabelSelectorOperator.DoesNotExist:
                    if (values.Count > 0)
                    {
                        errors.Add(FieldError.Forbidden(expressionPath + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                    break;
                default:
                    errors.Add(FieldError.Invalid(expressionPath + ".operator", expression.Operator, "not a valid selector operator"));
                    break;
            }
            foreach (var message in NameValidation.IsQualifiedName(expression.Key))
            {
                errors.Add(FieldError.Invalid(expressionPath + ".key", expression.Key, message));
            }
            for (var v = 0; v < values.Count; v++)
            {
                foreach (var message in NameValidation.IsValidLabelValue(values[v]))
                {
                    errors.Add(FieldError.Invalid($"{expressionPath}.values[{v}]", values[v], message));
                }
            }
        }
        return errors;
    }

    /// <summary>metav1validation.ValidateLabels (keys in order, so the output is stable).</summary>
    public static List<FieldError> ValidateLabels(IReadOnlyDictionary<string, string> labels, string path)
    {
        var errors = new List<FieldError>();
        foreach (var (key, value) in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var message in NameValidation.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid(path, key, message));
            }
            foreach (var message in NameValidation.IsValidLabelValue(value))
            {
                errors.Add(FieldError.Invalid(path, value, message));
            }
        }
        return errors;
    }
}

/// <summary>apimachinery's label selector lexer and parser (labels.Parse), message for message.</summary>
internal static class LabelSelectorParser
{
    private enum Token
    {
        Error,
        EndOfString,
        ClosedPar,
        Comma,
        DoesNotExist,
        DoubleEquals,
        EqualsToken,
        GreaterThan,
        Identifier,
        In,
        LessThan,
        NotEquals,
        NotIn,
        OpenPar,
    }

    private static readonly Dictionary<string, Token> Literals = new(StringComparer.Ordinal)
    {
        [")"] = Token.ClosedPar,
        [","] = Token.Comma,
        ["!"] = Token.DoesNotExist,
        ["=="] = Token.DoubleEquals,
        ["="] = Token.EqualsToken,
        [">"] = Token.GreaterThan,
        ["in"] = Token.In,
        ["<"] = Token.LessThan,
        ["!="] = Token.NotEquals,
        ["notin"] = Token.NotIn,
        ["("] = Token.OpenPar,
    };

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';

    private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

    private static List<(Token Token, string Literal)> Lex(string s)
    {
        var items = new List<(Token, string)>();
        var pos = 0;
        while (true)
        {
            while (pos < s.Length && IsWhitespace(s[pos]))
            {
                pos++;
            }
            if (pos >= s.Length)
            {
                items.Add((Token.EndOfString, ""));
                return items;
            }
            if (IsSpecial(s[pos]))
            {
                var buffer = new StringBuilder();
                (Token Token, string Literal)? last = null;
                while (pos < s.Length && IsSpecial(s[pos]))
                {
                    buffer.Append(s[pos]);
                    if (Literals.TryGetValue(buffer.ToString(), out var token))
                    {
                        last = (token, buffer.ToString());
                        pos++;
                    }
                    else if (last is not null)
                    {
                        break;
                    }
                    else
                    {
                        pos++;
                    }
                }
                items.Add(last ?? (Token.Error, $"error expected: keyword found '{buffer}'"));
            }
            else
            {
                var start = pos;
                while (pos < s.Length && !IsSpecial(s[pos]) && !IsWhitespace(s[pos]))
                {
                    pos++;
                }
                var literal = s[start..pos];
                items.Add((Literals.TryGetValue(literal, out var token) ? token : Token.Identifier, literal));
            }
        }
    }

    private sealed class Parser(List<(Token Token, string Literal)> items)
    {
        private int _position;

        // In the Values context "in" and "notin" are plain identifiers ("x in (in)").
        private static Token InValues(Token token) => token is Token.In or Token.NotIn ? Token.Identifier : token;

        public (Token Token, string Literal) Lookahead(bool values)
        {
            var (token, literal) = items[_position];
            return (values ? InValues(token) : token, literal);
        }

        public (Token Token, string Literal) Consume(bool values)
        {
            var (token, literal) = items[_position++];
            return (values ? InValues(token) : token, literal);
        }
    }

    public static List<LabelRequirement> Parse(string selector)
    {
        var parser = new Parser(Lex(selector));
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var (token, literal) = parser.Lookahead(values: true);
            switch (token)
            {
                case Token.Identifier:
                case Token.DoesNotExist:
                    try
                    {
                        requirements.Add(ParseRequirement(parser));
                    }
                    catch (LabelSelectorException ex)
                    {
                        throw new LabelSelectorException($"unable to parse requirement: {ex.Message}");
                    }
                    var (next, nextLiteral) = parser.Consume(values: true);
                    switch (next)
                    {
                        case Token.EndOfString:
                            return Sorted(requirements);
                        case Token.Comma:
                            var (after, afterLiteral) = parser.Lookahead(values: true);
                            if (after is not Token.Identifier and not Token.DoesNotExist)
                            {
                                throw new LabelSelectorException($"found '{afterLiteral}', expected: identifier after ','");
                            }
                            break;
                        default:
                            throw new LabelSelectorException($"found '{nextLiteral}', expected: ',' or 'end of string'");
                    }
                    break;
                case Token.EndOfString:
                    return Sorted(requirements);
                default:
                    throw new LabelSelectorException($"found '{literal}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    // Upstream sorts by key ("to grant deterministic parsing"); a stable sort keeps same-key order.
    private static List<LabelRequirement> Sorted(List<LabelRequirement> requirements) =>
        requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();

    private static LabelRequirement ParseRequirement(Parser parser)
    {
        string? op = null;
        var (token, literal) = parser.Consume(values: true);
        if (token == Token.DoesNotExist)
        {
            op = SelectorOperator.DoesNotExist;
            (token, literal) = parser.Consume(values: true);
        }
        if (token != Token.Identifier)
        {
            throw new LabelSelectorException($"found '{literal}', expected: identifier");
        }
        // Upstream validates the key against the parser's nil field path, which prints as "<nil>".
        var keyError = LabelRequirement.ValidateKey(literal, "<nil>");
        if (keyError is not null)
        {
            throw new LabelSelectorException(keyError.ToString());
        }
        var key = literal;
        var (ahead, _) = parser.Lookahead(values: true);
        if (ahead is Token.EndOfString or Token.Comma)
        {
            op ??= SelectorOperator.Exists;
        }
        if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
        {
            return LabelRequirement.Create(key, op, []);
        }

        var (opToken, opLiteral) = parser.Consume(values: false);
        op = opToken switch
        {
            Token.In => SelectorOperator.In,
            Token.EqualsToken => SelectorOperator.Equals,
            Token.DoubleEquals => SelectorOperator.DoubleEquals,
            Token.GreaterThan => SelectorOperator.GreaterThan,
            Token.LessThan => SelectorOperator.LessThan,
            Token.NotIn => SelectorOperator.NotIn,
            Token.NotEquals => SelectorOperator.NotEquals,
            _ => throw new LabelSelectorException($"found '{opLiteral}', expected: {string.Join(", ", SelectorOperator.Binary)}"),
        };
        var values = op is SelectorOperator.In or SelectorOperator.NotIn ? ParseValues(parser) : ParseExactValue(parser);
        return LabelRequirement.Create(key, op, values.Order(StringComparer.Ordinal).ToList());
    }

    private static SortedSet<string> ParseValues(Parser parser)
    {
        var (token, literal) = parser.Consume(values: true);
        if (token != Token.OpenPar)
        {
            throw new LabelSelectorException($"found '{literal}' expected: '('");
        }
        (token, literal) = parser.Lookahead(values: true);
        switch (token)
        {
            case Token.Identifier:
            case Token.Comma:
                var set = ParseIdentifiersList(parser);
                if (parser.Consume(values: true).Token != Token.ClosedPar)
                {
                    throw new LabelSelectorException($"found '{literal}', expected: ')'");
                }
                return set;
            case Token.ClosedPar:
                parser.Consume(values: true);
                return new SortedSet<string>(StringComparer.Ordinal) { "" };
            default:
                throw new LabelSelectorException($"found '{literal}', expected: ',', ')' or identifier");
        }
    }

    private static SortedSet<string> ParseIdentifiersList(Parser parser)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var (token, literal) = parser.Consume(values: true);
            switch (token)
            {
                case Token.Identifier:
                    set.Add(literal);
                    var (next, nextLiteral) = parser.Lookahead(values: true);
                    if (next == Token.Comma)
                    {
                        continue;
                    }
                    if (next == Token.ClosedPar)
                    {
                        return set;
                    }
                    throw new LabelSelectorException($"found '{nextLiteral}', expected: ',' or ')'");
                case Token.Comma:
                    if (set.Count == 0)
                    {
                        set.Add("");
                    }
                    var (after, _) = parser.Lookahead(values: true);
                    if (after == Token.ClosedPar)
                    {
                        set.Add("");
                        return set;
                    }
                    if (after == Token.Comma)
                    {
                        parser.Consume(values: true);
                        set.Add("");
                    }
                    break;
                default:
                    throw new LabelSelectorException($"found '{literal}', expected: ',', or identifier");
            }
        }
    }

    private static SortedSet<string> ParseExactValue(Parser parser)
    {
        var (ahead, _) = parser.Lookahead(values: true);
        if (ahead is Token.EndOfString or Token.Comma)
        {
            return new SortedSet<string>(StringComparer.Ordinal) { "" };
        }
        var (token, literal) = parser.Consume(values: true);
        if (token == Token.Identifier)
        {
            return new SortedSet<string>(StringComparer.Ordinal) { literal };
        }
        throw new LabelSelectorException($"found '{literal}', expected: identifier");
    }
}
