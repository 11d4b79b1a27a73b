using System.Runtime.CompilerServices;
using ActorScaler.Core.Spec;
using ActorScaler.Core.Validation;
using Xunit;

namespace ActorScaler.Core.Tests.Spec;

/// <summary>Bad input gets an error, never an exception: mutated corpus documents through load, validate and encode.</summary>
public sealed class HpaLoaderFuzzTests
{
    private static string Corpus([CallerFilePath] string path = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(path))!, "Validation");

    [Fact]
    public void Mutated_manifests_never_throw()
    {
        var texts = Directory.GetFiles(Corpus(), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
        texts.Add("""{"apiVersion":"autoscaling/v2","apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler"}""");
        const string alphabet = "{}[]:,-'\" \n\t#&*!|>%@`0123456789.eEKMGiu+abxyz~?";
        var random = new Random(20240501);
        var loaded = 0;
        for (var i = 0; i < 1500; i++)
        {
            var chars = texts[random.Next(texts.Count)].ToList();
            for (var k = random.Next(1, 4); k > 0 && chars.Count > 0; k--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0: chars[at] = alphabet[random.Next(alphabet.Length)]; break;
                    case 1: chars.RemoveAt(at); break;
                    default: chars.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                }
            }
            var text = new string([.. chars]);
            var documents = HpaLoader.LoadText(text);
            foreach (var document in documents)
            {
                Assert.True(document.Kind != HpaDocumentKind.Error || !string.IsNullOrEmpty(document.Error), text);
                if (document.Hpa is { } hpa)
                {
                    loaded++;
                    _ = HpaValidator.Validate(hpa);
                    foreach (var version in HpaApi.Versions)
                    {
                        _ = HpaEncoder.ToYaml(hpa, version);
                    }
                }
            }
        }
        // Most single-character mutations still leave a loadable HPA; the loop exercised both paths.
        Assert.InRange(loaded, 50, 1500);
    }
}
