using System.Text.Json;
using System.Text.Json.Nodes;
using ActorScaler.Conformance;
using Xunit;

namespace ActorScaler.Core.Tests.Conformance;

/// <summary>Every shared vector through the same mapping the runner uses, compared with its expect.</summary>
public sealed class ConformanceVectorTests
{
    private static readonly Lazy<IReadOnlyList<JsonElement>> Vectors = new(() => VectorFile.Load(VectorsPath));

    /// <summary>The repository's copy of shared/conformance/hpa-vectors.json, found from the test binaries.</summary>
    public static string VectorsPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "ActorScaler.Core.Tests", "Conformance", "hpa-vectors.json");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new FileNotFoundException("tests/ActorScaler.Core.Tests/Conformance/hpa-vectors.json not found above " + AppContext.BaseDirectory);
        }
    }

    public static TheoryData<string> VectorNames()
    {
        var names = new TheoryData<string>();
        foreach (var (vector, i) in Vectors.Value.Select((v, i) => (v, i)))
        {
            names.Add(VectorFile.NameOf(vector, i));
        }
        return names;
    }

    private static JsonElement Vector(string name) => Vectors.Value.Single(v => VectorFile.NameOf(v, -1) == name);

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Vector_matches_its_expectation(string name)
    {
        var vector = Vector(name);
        var result = VectorEvaluator.Evaluate(vector);
        var expect = JsonNode.Parse(vector.GetProperty("expect").GetRawText());
        var differences = ExpectationComparer.Differences(expect, result);
        Assert.True(differences.Count == 0, $"{name}:\n  " + string.Join("\n  ", differences) + "\nresult: " + result.ToJsonString());
    }

    [Fact]
    public void The_file_holds_165_vectors_of_all_ten_kinds_with_unique_names()
    {
        var kinds = Vectors.Value.Select(v => v.GetProperty("kind").GetString()).Distinct().Order().ToArray();
        Assert.Equal(165, Vectors.Value.Count);
        Assert.Equal(VectorEvaluator.Kinds.Order().ToArray(), kinds);
        Assert.Equal(Vectors.Value.Count, Vectors.Value.Select(v => VectorFile.NameOf(v, -1)).Distinct().Count());
    }

    [Fact]
    public void The_uncertain_vectors_follow_the_documented_choices()
    {
        // 1. A failed pod's sample lacks the named container: the newest client skips that pod rather than
        //    failing the fetch (our choice, which the passing upstream test implies). The pod is ignored anyway.
        var container = VectorEvaluator.Evaluate(Vector("TestReplicaCalcResourceScale/scale up: failed pods ignored with missing container metric"));
        Assert.Equal(4, (int)container["replicas"]!);
        Assert.Null(container["errorContains"]);
        // 2. The sub-test upstream never runs (testThis): the scale-down policy limit applies.
        var limit = VectorEvaluator.Evaluate(Vector("TestScalingWithRules/scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies"));
        Assert.Equal("ScaleDownLimit", (string?)limit["reason"]);
    }

    [Fact]
    public void Store_scale_event_vectors_hold_for_the_scale_down_direction_too()
    {
        // Upstream runs each case as a scale-up and as a scale-down; the runner reports the scale-up one.
        var now = VectorEvaluator.Now;
        var checkedCount = 0;
        foreach (var vector in Vectors.Value.Where(v => v.GetProperty("kind").GetString() == "storeScaleEvent"))
        {
            var input = vector.GetProperty("input");
            var previous = input.GetProperty("previousEvents").EnumerateArray()
                .Select(e => new Core.Behavior.TimestampedScaleEvent(e.GetProperty("replicaChange").GetInt32(), now.AddSeconds(-e.GetProperty("secondsAgo").GetDouble()), e.GetProperty("outdated").GetBoolean()))
                .ToArray();
            var rulesJson = input.GetProperty("rules");
            Core.Behavior.ResolvedBehavior? behavior = null;
            if (rulesJson.ValueKind != JsonValueKind.Null)
            {
                var rules = new Core.Spec.HpaScalingRules
                {
                    Policies = [.. rulesJson.GetProperty("policies").EnumerateArray().Select(p => new Core.Spec.HpaScalingPolicy
                    {
                        Type = p.GetProperty("type").GetString()!, Value = p.GetProperty("value").GetInt32(), PeriodSeconds = p.GetProperty("periodSeconds").GetInt32(),
                    })],
                };
                behavior = new Core.Behavior.ResolvedBehavior(Core.Behavior.BehaviorDefaults.ScaleUp(null), Core.Behavior.BehaviorDefaults.ScaleDown(rules, TimeSpan.FromMinutes(5)));
            }
            var prev = input.GetProperty("prevReplicas").GetInt32();
            var change = input.GetProperty("replicaChange").GetInt32();
            var state = Core.Behavior.ScaleEventHistory.StoreScaleEvent(Core.Behavior.DecisionState.Initial with { ScaleDownEvents = previous }, behavior, prev, prev - change, now);
            var expected = vector.GetProperty("expect").GetProperty("eventsAfter").EnumerateArray()
                .Select(e => (e.GetProperty("replicaChange").GetInt32(), e.GetProperty("outdated").GetBoolean()));
            Assert.Equal(expected, state.ScaleDownEvents.Select(e => (e.ReplicaChange, e.Outdated)));
            Assert.Empty(state.ScaleUpEvents);
            checkedCount++;
        }
        Assert.Equal(5, checkedCount);
    }

    [Fact]
    public void Eval_prints_one_line_per_vector_and_reports_bad_input_without_stopping()
    {
        var good = Vectors.Value.First(v => v.GetProperty("kind").GetString() == "legacyRules").GetRawText();
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $$$"""
                {"vectors": [
                  {"name": "bad kind", "kind": "nonsense", "input": {}},
                  {"name": "bad field", "kind": "legacyRules", "input": {"currentReplicas": "five", "desiredReplicas": 1, "minReplicas": 1, "maxReplicas": 2}},
                  {{{good}}}
                ]}
                """);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var exit = Program.Run(["eval", file], stdout, stderr);
            var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();
            Assert.Equal(1, exit);
            Assert.Equal(3, lines.Length);
            Assert.Contains("unknown kind \"nonsense\"", (string?)lines[0]["error"]);
            Assert.Equal("input.currentReplicas: expected a 32-bit integer, got the string \"five\"", (string?)lines[1]["error"]);
            Assert.NotNull(lines[2]["result"]!["replicas"]);
            Assert.Null(lines[2]["error"]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Eval_never_reads_expect()
    {
        var vector = Vectors.Value.First(v => v.GetProperty("kind").GetString() == "reconcile");
        var withoutExpect = JsonNode.Parse(vector.GetRawText())!.AsObject();
        withoutExpect.Remove("expect");
        withoutExpect["expect"] = "not an object: reading it would fail";
        var stripped = JsonDocument.Parse(withoutExpect.ToJsonString()).RootElement;
        Assert.Equal(VectorEvaluator.Evaluate(vector).ToJsonString(), VectorEvaluator.Evaluate(stripped).ToJsonString());
    }

    [Fact]
    public void Reconcile_results_carry_every_output_of_the_schema()
    {
        var vector = Vectors.Value.First(v => v.GetProperty("kind").GetString() == "reconcile");
        var result = VectorEvaluator.Evaluate(vector);
        foreach (var key in new[] { "desiredReplicas", "scaleUpdated", "scaleUpdateAttemptedReplicas", "conditions", "currentCpuUtilization", "monitor", "events", "rescaleReason", "statusUpdateSent" })
        {
            Assert.True(result.ContainsKey(key), key);
        }
    }

    [Fact]
    public void Faults_in_a_reconcile_vector_drive_the_failed_rescale_path()
    {
        var vector = JsonNode.Parse(Vector("TestEventCreated").GetRawText())!.AsObject();
        vector["input"]!["faults"] = new JsonObject { ["scaleUpdateError"] = "boom" };
        var result = VectorEvaluator.Evaluate(JsonDocument.Parse(vector.ToJsonString()).RootElement);
        Assert.False((bool)result["scaleUpdated"]!);
        Assert.Equal(2, (int)result["scaleUpdateAttemptedReplicas"]!);
        Assert.Equal(1, (int)result["desiredReplicas"]!);
        var failed = result["events"]!.AsArray().Single();
        Assert.Equal("FailedRescale", (string?)failed!["reason"]);
        Assert.Equal("New size: 2; reason: cpu resource utilization (percentage of request) above target; error: boom", (string?)failed["message"]);
        Assert.Equal("internal", (string?)result["monitor"]!["reconciliation"]!["error"]);
    }
}
