using System.Globalization;
using System.Text;

namespace ActorScaler.Core.Validation;

/// <summary>apimachinery field.ErrorType: the text it prints and the reason the API server's Status carries.</summary>
public sealed record FieldErrorType(string Text, string Reason)
{
    public static readonly FieldErrorType NotFound = new("Not found", "FieldValueNotFound");
    public static readonly FieldErrorType Required = new("Required value", "FieldValueRequired");
    public static readonly FieldErrorType Duplicate = new("Duplicate value", "FieldValueDuplicate");
    public static readonly FieldErrorType Invalid = new("Invalid value", "FieldValueInvalid");
    public static readonly FieldErrorType NotSupported = new("Unsupported value", "FieldValueNotSupported");
    public static readonly FieldErrorType Forbidden = new("Forbidden", "FieldValueForbidden");
    public static readonly FieldErrorType TooLong = new("Too long", "FieldValueTooLong");
    public static readonly FieldErrorType TooMany = new("Too many", "FieldValueTooMany");
    public static readonly FieldErrorType Internal = new("Internal error", "InternalError");
}

/// <summary>
/// One field error, printed as apimachinery's field.Error.Error(): "path: Type: value: detail".
/// <see cref="BadValue"/> is the value already rendered as Go's ErrorBody renders it (numbers bare,
/// strings quoted); null for the types that print no value (Required, Forbidden, ...).
/// </summary>
public sealed record FieldError(FieldErrorType Type, string Field, string? BadValue, string Detail)
{
    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, null, detail);

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, null, detail);

    public static FieldError Invalid(string field, long value, string detail) =>
        new(FieldErrorType.Invalid, field, value.ToString(CultureInfo.InvariantCulture), detail);

    public static FieldError Invalid(string field, string value, string detail) =>
        new(FieldErrorType.Invalid, field, GoValue.Quote(value), detail);

    /// <summary>
    /// An invalid quantity: ErrorBody renders values that are not plain numbers or strings with
    /// json.Marshal, so a *resource.Quantity prints as its JSON string ("0", "-50m").
    /// </summary>
    public static FieldError Invalid(string field, Quantities.Quantity value, string detail) =>
        new(FieldErrorType.Invalid, field, GoValue.Quote(value.ToString()), detail);

    /// <summary>An invalid value already rendered as ErrorBody would (e.g. the JSON of a list).</summary>
    public static FieldError InvalidRendered(string field, string renderedValue, string detail) =>
        new(FieldErrorType.Invalid, field, renderedValue, detail);

    /// <summary>field.NotSupported: the detail lists the supported values, quoted, in the given order.</summary>
    public static FieldError NotSupported(string field, string value, IEnumerable<string> supported) =>
        new(FieldErrorType.NotSupported, field, GoValue.Quote(value),
            "supported values: " + string.Join(", ", supported.Select(GoValue.Quote)));

    /// <summary>field.Error.ErrorBody().</summary>
    public string Body
    {
        get
        {
            var body = new StringBuilder(Type.Text);
            var printsValue = Type != FieldErrorType.Required && Type != FieldErrorType.Forbidden
                && Type != FieldErrorType.TooLong && Type != FieldErrorType.Internal;
            if (printsValue && BadValue is not null)
            {
                body.Append(": ").Append(BadValue);
            }
            if (Detail.Length > 0)
            {
                body.Append(": ").Append(Detail);
            }
            return body.ToString();
        }
    }

    /// <summary>The message of a Status cause (the body without the field).</summary>
    public override string ToString() => $"{Field}: {Body}";
}

/// <summary>Go's %q and the API server's aggregate error texts.</summary>
public static class GoValue
{
    /// <summary>Go's strconv.Quote (also what PromQL label matchers read).</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\a': builder.Append("\\a"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\v': builder.Append("\\v"); break;
                default:
                    if (Rune.IsControl(rune))
                    {
                        // Go escapes non-printable runes: \xNN below 0x80, \uNNNN above.
                        builder.Append(rune.Value < 0x80 ? "\\x" : "\\u")
                            .Append(rune.Value.ToString(rune.Value < 0x80 ? "x2" : "x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(rune.ToString());
                    }
                    break;
            }
        }
        return builder.Append('"').ToString();
    }

    /// <summary>utilerrors.NewAggregate(...).Error(): repeated messages once; one message alone, several in brackets.</summary>
    public static string Aggregate(IEnumerable<string> messages)
    {
        var distinct = messages.Distinct(StringComparer.Ordinal).ToList();
        return distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]";
    }
}
