using System.Globalization;
using System.Text.Json;

namespace ActorScaler.Conformance;

/// <summary>A vector's input does not have the shape the schema defines; the message names the field.</summary>
public sealed class VectorFormatException(string message) : Exception(message);

/// <summary>Typed, path-aware reads of vector JSON: every failure names the field and what was wrong.</summary>
internal static class VectorJson
{
    public static JsonElement Required(JsonElement obj, string name, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            throw new VectorFormatException($"{path}: expected an object, got {Describe(obj)}");
        }
        if (!obj.TryGetProperty(name, out var value))
        {
            throw new VectorFormatException($"{Join(path, name)}: required field is missing");
        }
        return value;
    }

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name, string path)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            throw new VectorFormatException($"{path}: expected an object, got {Describe(obj)}");
        }
        return obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
    }

    public static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Index(string path, int i) => $"{path}[{i}]";

    public static long Long(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var value))
        {
            throw new VectorFormatException($"{path}: expected a 64-bit integer, got {Describe(e)}");
        }
        return value;
    }

    public static int Int(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var value))
        {
            throw new VectorFormatException($"{path}: expected a 32-bit integer, got {Describe(e)}");
        }
        return value;
    }

    public static double Double(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var value))
        {
            throw new VectorFormatException($"{path}: expected a number, got {Describe(e)}");
        }
        return value;
    }

    public static string String(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new VectorFormatException($"{path}: expected a string, got {Describe(e)}");

    public static bool Bool(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new VectorFormatException($"{path}: expected true or false, got {Describe(e)}"),
    };

    public static IEnumerable<(JsonElement Item, string Path)> Array(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw new VectorFormatException($"{path}: expected an array, got {Describe(e)}");
        }
        var i = 0;
        foreach (var item in e.EnumerateArray())
        {
            yield return (item, Index(path, i++));
        }
    }

    public static IEnumerable<(string Name, JsonElement Value, string Path)> Object(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new VectorFormatException($"{path}: expected an object, got {Describe(e)}");
        }
        foreach (var property in e.EnumerateObject())
        {
            yield return (property.Name, property.Value, Join(path, property.Name));
        }
    }

    public static int RequiredInt(JsonElement obj, string name, string path) => Int(Required(obj, name, path), Join(path, name));

    public static long RequiredLong(JsonElement obj, string name, string path) => Long(Required(obj, name, path), Join(path, name));

    public static string RequiredString(JsonElement obj, string name, string path) => String(Required(obj, name, path), Join(path, name));

    public static int? OptionalInt(JsonElement obj, string name, string path) =>
        Optional(obj, name, path) is { } e ? Int(e, Join(path, name)) : null;

    public static long? OptionalLong(JsonElement obj, string name, string path) =>
        Optional(obj, name, path) is { } e ? Long(e, Join(path, name)) : null;

    public static string? OptionalString(JsonElement obj, string name, string path) =>
        Optional(obj, name, path) is { } e ? String(e, Join(path, name)) : null;

    public static bool OptionalBool(JsonElement obj, string name, string path, bool fallback) =>
        Optional(obj, name, path) is { } e ? Bool(e, Join(path, name)) : fallback;

    /// <summary>A *SecondsAgo field: seconds before now, "zero" for Go's zero time, null for absent.</summary>
    public static DateTimeOffset? TimeAgo(JsonElement obj, string name, string path, DateTimeOffset now)
    {
        if (Optional(obj, name, path) is not { } e)
        {
            return null;
        }
        var fieldPath = Join(path, name);
        if (e.ValueKind == JsonValueKind.String)
        {
            return e.GetString() == "zero"
                ? DateTimeOffset.MinValue
                : throw new VectorFormatException($"{fieldPath}: expected seconds ago (a number), \"zero\" or null, got {Describe(e)}");
        }
        var seconds = Double(e, fieldPath);
        if (double.IsNaN(seconds) || double.IsInfinity(seconds) || Math.Abs(seconds) > 1e11)
        {
            throw new VectorFormatException($"{fieldPath}: {seconds.ToString(CultureInfo.InvariantCulture)} seconds is out of range");
        }
        return now - TimeSpan.FromSeconds(seconds);
    }

    public static TimeSpan Seconds(JsonElement obj, string name, string path)
    {
        var e = Required(obj, name, path);
        var seconds = Double(e, Join(path, name));
        if (double.IsNaN(seconds) || Math.Abs(seconds) > 1e11)
        {
            throw new VectorFormatException($"{Join(path, name)}: {seconds.ToString(CultureInfo.InvariantCulture)} seconds is out of range");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{e.GetString()}\"",
        JsonValueKind.Null => "null",
        JsonValueKind.Undefined => "nothing",
        _ => e.GetRawText(),
    };
}
