using System.Runtime.CompilerServices;
using ActorScaler.Core.Spec;
using ActorScaler.Core.Validation;
using Xunit;

namespace ActorScaler.Core.Tests.Validation;

/// <summary>
/// The document corpus: every file under Invalid/ names its expected errors (a "# expect:" header,
/// or a sibling .expected file for JSON) and must fail with exactly those messages, in order;
/// every file under Valid/ must load, validate and convert to its .canonical.yaml sibling.
/// </summary>
public sealed class HpaCorpusTests
{
    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string InvalidDir => Path.Combine(Here(), "Invalid");
    private static string ValidDir => Path.Combine(Here(), "Valid");

    private static List<string> InvalidNames() =>
        Directory.EnumerateFiles(InvalidDir).Where(f => !f.EndsWith(".expected", StringComparison.Ordinal))
            .Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();

    public static TheoryData<string> InvalidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in InvalidNames())
        {
            data.Add(file);
        }
        return data;
    }

    public static TheoryData<string> ValidFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ValidDir).Where(f => !f.EndsWith(".canonical.yaml", StringComparison.Ordinal)).Order())
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Fact]
    public void Corpus_is_big_enough_and_covers_every_version()
    {
        var files = InvalidNames();
        Assert.True(files.Count >= 40, $"only {files.Count} invalid documents");
        var texts = files.Select(f => File.ReadAllText(Path.Combine(InvalidDir, f))).ToList();
        foreach (var version in HpaApi.Versions)
        {
            Assert.Contains(texts, t => t.Contains($"\"{version}\"", StringComparison.Ordinal) || t.Contains($"apiVersion: {version}\n", StringComparison.Ordinal));
        }
    }

    private static List<string> Expected(string file)
    {
        var path = Path.Combine(InvalidDir, file);
        if (File.Exists(path + ".expected"))
        {
            return File.ReadAllLines(path + ".expected").Where(l => l.Length > 0).ToList();
        }
        return File.ReadAllLines(path).Where(l => l.StartsWith("# expect: ", StringComparison.Ordinal))
            .Select(l => l["# expect: ".Length..]).ToList();
    }

    /// <summary>What the API server would answer: the decode error, or the distinct field errors.</summary>
    internal static List<string> Actual(string text)
    {
        var documents = HpaLoader.LoadText(text);
        var document = Assert.Single(documents);
        if (document.Kind == HpaDocumentKind.Error)
        {
            return [document.Error!];
        }
        Assert.Equal(HpaDocumentKind.Hpa, document.Kind);
        return HpaValidator.Validate(document.Hpa!).Select(e => e.ToString()).Distinct(StringComparer.Ordinal).ToList();
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public void Invalid_document_fails_with_the_API_servers_messages(string file)
    {
        var expected = Expected(file);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Actual(File.ReadAllText(Path.Combine(InvalidDir, file))));
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Valid_document_loads_and_converts_to_its_canonical_v2_form(string file)
    {
        var document = Assert.Single(HpaLoader.LoadText(File.ReadAllText(Path.Combine(ValidDir, file))));
        Assert.Equal(HpaDocumentKind.Hpa, document.Kind);
        Assert.Empty(HpaValidator.Validate(document.Hpa!));
        var canonical = Path.Combine(ValidDir, Path.GetFileNameWithoutExtension(file) + ".canonical.yaml");
        Assert.Equal(File.ReadAllText(canonical), HpaEncoder.ToYaml(document.Hpa!, HpaApi.V2));
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Canonical_form_round_trips_through_every_version(string file)
    {
        var hpa = Assert.Single(HpaLoader.LoadText(File.ReadAllText(Path.Combine(ValidDir, file)))).Hpa!;
        var expected = SpecAndMetadata(hpa);
        foreach (var version in HpaApi.Versions)
        {
            foreach (var text in new[] { HpaEncoder.ToYaml(hpa, version), HpaEncoder.ToJson(hpa, version) })
            {
                var back = Assert.Single(HpaLoader.LoadText(text));
                Assert.True(back.Kind == HpaDocumentKind.Hpa, $"{version}: {back.Error}");
                Assert.Equal(version, back.ApiVersion);
                var actual = SpecAndMetadata(back.Hpa!);
                if (version == HpaApi.V2Beta2)
                {
                    // v2beta2 has no tolerance field: upstream drops it there.
                    expected = SpecAndMetadata(WithoutTolerance(hpa));
                }
                if (version == HpaApi.V1)
                {
                    // v1 keeps the first cpu utilization target natively and the other metrics in
                    // the annotation; reading it back puts the cpu target last, as upstream does.
                    expected = SpecAndMetadata(CpuTargetLast(hpa));
                }
                Assert.Equal(expected, actual);
                expected = SpecAndMetadata(hpa);
            }
        }
    }

    private static HorizontalPodAutoscaler WithoutTolerance(HorizontalPodAutoscaler hpa) => hpa.Spec.Behavior is not { } b
        ? hpa
        : hpa with
        {
            Spec = hpa.Spec with
            {
                Behavior = new HorizontalPodAutoscalerBehavior
                {
                    ScaleUp = b.ScaleUp is null ? null : b.ScaleUp with { Tolerance = null },
                    ScaleDown = b.ScaleDown is null ? null : b.ScaleDown with { Tolerance = null },
                },
            },
        };

    private static HorizontalPodAutoscaler CpuTargetLast(HorizontalPodAutoscaler hpa)
    {
        static bool IsCpuUtilization(MetricSpec m) => m.Resource is { Name: "cpu", Target.AverageUtilization: not null };
        var cpu = hpa.Spec.Metrics.FirstOrDefault(IsCpuUtilization);
        var others = hpa.Spec.Metrics.Where(m => !IsCpuUtilization(m));
        return hpa with { Spec = hpa.Spec with { Metrics = cpu is null ? others.ToList() : [.. others, cpu] } };
    }

    // Status is lossy through v2beta1 (its non-pointer quantities become zeros), as upstream.
    private static string SpecAndMetadata(HorizontalPodAutoscaler hpa)
    {
        var json = HpaEncoder.Encode(hpa with { Status = new HorizontalPodAutoscalerStatus() }, HpaApi.V2);
        return json.ToJsonString();
    }

    [Fact]
    public void Seed_php_apache_v2beta1_converts_to_cpu_30_and_memory_80Mi()
    {
        var hpa = Assert.Single(HpaLoader.LoadText(File.ReadAllText(Path.Combine(ValidDir, "v2beta1-php-apache.yaml")))).Hpa!;
        Assert.Equal("default/php-apache-hpa", hpa.Key);
        Assert.Equal(1, hpa.Spec.MinReplicas);
        Assert.Equal(3, hpa.Spec.MaxReplicas);
        Assert.Equal("php-apache", hpa.Spec.ScaleTargetRef.Name);
        Assert.Equal("apps/v1beta1", hpa.Spec.ScaleTargetRef.ApiVersion);
        Assert.Collection(hpa.Spec.Metrics,
            cpu =>
            {
                Assert.Equal(MetricSourceType.Resource, cpu.Type);
                Assert.Equal("cpu", cpu.Resource!.Name);
                Assert.Equal(MetricTargetType.Utilization, cpu.Resource.Target.Type);
                Assert.Equal(30, cpu.Resource.Target.AverageUtilization);
                Assert.Null(cpu.Resource.Target.AverageValue);
            },
            memory =>
            {
                Assert.Equal("memory", memory.Resource!.Name);
                Assert.Equal(MetricTargetType.AverageValue, memory.Resource.Target.Type);
                Assert.Equal(80L * 1024 * 1024, memory.Resource.Target.AverageValue!.Value.Value());
                Assert.Equal("80Mi", memory.Resource.Target.AverageValue.Value.ToString());
            });
        Assert.Null(hpa.Spec.Behavior);
    }

    [Fact]
    public void Kubectl_autoscale_v1_form_becomes_a_cpu_utilization_metric()
    {
        var hpa = Assert.Single(HpaLoader.LoadText(File.ReadAllText(Path.Combine(ValidDir, "v1-kubectl-autoscale.yaml")))).Hpa!;
        var metric = Assert.Single(hpa.Spec.Metrics);
        Assert.Equal(10, metric.Resource!.Target.AverageUtilization);
        Assert.Equal(MetricTargetType.Utilization, metric.Resource.Target.Type);
        Assert.Equal((1, 10), (hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas));
    }
}
