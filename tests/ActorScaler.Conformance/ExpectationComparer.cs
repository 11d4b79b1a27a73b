using System.Globalization;
using System.Text.Json.Nodes;

namespace ActorScaler.Conformance;

/// <summary>
/// Compares a result with a vector's "expect": only the fields present are compared, objects
/// recursively, lists element by element with equal length. errorContains is a substring check.
/// </summary>
public static class ExpectationComparer
{
    public static IReadOnlyList<string> Differences(JsonNode? expected, JsonNode? actual)
    {
        var differences = new List<string>();
        Compare(expected, actual, "", differences);
        return differences;
    }

    private static void Compare(JsonNode? expected, JsonNode? actual, string path, List<string> differences)
    {
        switch (expected)
        {
            case null:
                if (actual is not null)
                {
                    differences.Add($"{path}: expected null, got {actual.ToJsonString()}");
                }
                return;
            case JsonObject expectedObject:
                if (actual is not JsonObject actualObject)
                {
                    differences.Add($"{path}: expected an object, got {Text(actual)}");
                    return;
                }
                foreach (var (key, value) in expectedObject)
                {
                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    if (key == "errorContains" && value is JsonValue needle)
                    {
                        var message = actualObject[key]?.GetValue<string>();
                        if (message is null || !message.Contains(needle.GetValue<string>(), StringComparison.Ordinal))
                        {
                            differences.Add($"{childPath}: expected an error containing {needle.ToJsonString()}, got {Text(actualObject[key])}");
                        }
                        continue;
                    }
                    if (!actualObject.ContainsKey(key))
                    {
                        differences.Add($"{childPath}: missing from the result");
                        continue;
                    }
                    Compare(value, actualObject[key], childPath, differences);
                }
                return;
            case JsonArray expectedArray:
                if (actual is not JsonArray actualArray)
                {
                    differences.Add($"{path}: expected an array, got {Text(actual)}");
                    return;
                }
                if (expectedArray.Count != actualArray.Count)
                {
                    differences.Add($"{path}: expected {expectedArray.Count} items {expectedArray.ToJsonString()}, got {actualArray.Count} {actualArray.ToJsonString()}");
                    return;
                }
                for (var i = 0; i < expectedArray.Count; i++)
                {
                    Compare(expectedArray[i], actualArray[i], $"{path}[{i}]", differences);
                }
                return;
            default:
                if (!ScalarEquals((JsonValue)expected, actual))
                {
                    differences.Add($"{path}: expected {expected.ToJsonString()}, got {Text(actual)}");
                }
                return;
        }
    }

    private static bool ScalarEquals(JsonValue expected, JsonNode? actual)
    {
        if (actual is not JsonValue actualValue)
        {
            return false;
        }
        var e = expected.GetValueKind();
        var a = actualValue.GetValueKind();
        if (e == System.Text.Json.JsonValueKind.Number && a == System.Text.Json.JsonValueKind.Number)
        {
            // Compare numbers exactly by their decimal text value (int64 vectors must not go through double).
            return decimal.Parse(expected.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
                == decimal.Parse(actualValue.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return e == a && expected.ToJsonString() == actualValue.ToJsonString();
    }

    private static string Text(JsonNode? node) => node is null ? "null" : node.ToJsonString();
}
