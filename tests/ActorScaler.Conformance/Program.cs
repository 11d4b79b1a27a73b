using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorScaler.Conformance;

/// <summary>
/// dotnet run --project tests/ActorScaler.Conformance -- eval vectors.json: one JSON line per vector,
/// {"name": ..., "result": {...}} computed by the production core, or {"name": ..., "error": ...} when
/// that vector's input is malformed. "check" also compares with each vector's expect and summarises.
/// </summary>
public static class Program
{
    private static readonly JsonSerializerOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length != 2 || (args[0] != "eval" && args[0] != "check"))
        {
            stderr.WriteLine("usage: ActorScaler.Conformance eval|check <vectors.json>");
            return 2;
        }
        IReadOnlyList<JsonElement> vectors;
        try
        {
            vectors = VectorFile.Load(args[1]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or VectorFormatException)
        {
            stderr.WriteLine($"error: {args[1]}: {ex.Message}");
            return 2;
        }

        var check = args[0] == "check";
        int failed = 0, malformed = 0;
        for (var i = 0; i < vectors.Count; i++)
        {
            var vector = vectors[i];
            var name = VectorFile.NameOf(vector, i);
            var line = new JsonObject { ["name"] = name };
            JsonObject? result = null;
            try
            {
                result = VectorEvaluator.Evaluate(vector);
                line["result"] = result;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // One bad vector must not stop the run: report it on its own line and go on.
                malformed++;
                line["error"] = ex is VectorFormatException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
            }
            if (check && result is not null && vector.TryGetProperty("expect", out var expect))
            {
                var differences = ExpectationComparer.Differences(JsonNode.Parse(expect.GetRawText()), result);
                if (differences.Count > 0)
                {
                    failed++;
                    line["differences"] = new JsonArray([.. differences.Select(d => (JsonNode)d)]);
                }
            }
            stdout.WriteLine(line.ToJsonString(LineOptions));
        }
        if (check)
        {
            stderr.WriteLine($"{vectors.Count - failed - malformed} passed, {failed} failed, {malformed} malformed");
        }
        return failed + malformed == 0 ? 0 : 1;
    }
}

/// <summary>Reads a vector file: {"vectors": [...]} as the shared file, or a bare array of vectors.</summary>
public static class VectorFile
{
    public static IReadOnlyList<JsonElement> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        var vectors = root.ValueKind switch
        {
            JsonValueKind.Array => root,
            JsonValueKind.Object when root.TryGetProperty("vectors", out var v) && v.ValueKind == JsonValueKind.Array => v,
            _ => throw new VectorFormatException("expected {\"vectors\": [...]} or an array of vectors"),
        };
        return [.. vectors.EnumerateArray().Select(v => v.Clone())];
    }

    public static string NameOf(JsonElement vector, int index) =>
        vector.ValueKind == JsonValueKind.Object && vector.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
            ? n.GetString()!
            : $"#{index}";
}
