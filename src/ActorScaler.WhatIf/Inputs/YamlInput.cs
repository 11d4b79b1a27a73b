using System.Globalization;
using ActorScaler.Core.Quantities;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ActorScaler.WhatIf.Inputs;

/// <summary>
/// A YAML node plus the file and field path it came from, so every lookup can fail with
/// "file: line N, a.b[2].c: problem" instead of a parser stack trace.
/// </summary>
internal sealed class YamlInput
{
    private YamlInput(string file, string path, YamlNode node, long? line = null)
    {
        File = file;
        Path = path;
        Node = node;
        Line = line ?? node.Start.Line;
    }

    public string File { get; }
    public string Path { get; }
    public YamlNode Node { get; }
    /// <summary>1-based line of the field's key (a nested mapping's own node starts a line later).</summary>
    public long Line { get; }

    /// <summary>Reads the first document of a YAML file; a syntax error names its line.</summary>
    public static YamlInput Load(string file, string text) => LoadAll(file, text)[0];

    /// <summary>Every document of a YAML file ("---" separated), at least one.</summary>
    public static IReadOnlyList<YamlInput> LoadAll(string file, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new SimulationInputException(file, $"line {ex.Start.Line}", $"not valid YAML: {ex.Message}", ex);
        }
        var docs = stream.Documents.Where(d => !IsNull(d.RootNode)).Select(d => new YamlInput(file, "", d.RootNode)).ToList();
        return docs.Count > 0 ? docs : throw new SimulationInputException(file, null, "the file is empty");
    }

    public SimulationInputException Error(string problem) =>
        new(File, Path.Length == 0 ? $"line {Line}" : $"line {Line}, {Path}", problem);

    public YamlMappingNode Mapping =>
        Node as YamlMappingNode ?? throw Error("expected a mapping (key: value pairs)");

    public bool IsMapping => Node is YamlMappingNode;

    public YamlInput? Child(string key)
    {
        foreach (var (k, v) in Mapping.Children)
        {
            if (k is YamlScalarNode s && s.Value == key)
                return IsNull(v) ? null : new YamlInput(File, Join(Path, key), v, k.Start.Line);
        }
        return null;
    }

    public YamlInput Required(string key) =>
        Child(key) ?? throw new SimulationInputException(File, $"line {Line}, {Join(Path, key)}", "required field is missing");

    public IEnumerable<string> Keys =>
        Mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "");

    public IReadOnlyList<YamlInput> Items()
    {
        if (Node is not YamlSequenceNode seq)
            throw Error("expected a list");
        return seq.Children.Select((n, i) => new YamlInput(File, $"{Path}[{i}]", n)).ToList();
    }

    public string Scalar()
    {
        if (Node is not YamlScalarNode s || s.Value is null)
            throw Error("expected a single value");
        return s.Value;
    }

    public int Int32()
    {
        var text = Scalar();
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw Error($"\"{text}\" is not a whole number");
    }

    public double Double()
    {
        var text = Scalar();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v
            : throw Error($"\"{text}\" is not a number");
    }

    public Quantity Quantity()
    {
        var text = Scalar();
        return Core.Quantities.Quantity.TryParse(text, out var q, out var error)
            ? q
            : throw Error($"\"{text}\" is not a valid quantity: {error}");
    }

    public TimeSpan Duration()
    {
        var text = Scalar();
        return DurationText.TryParse(text, out var d, out var error) ? d : throw Error(error!);
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
}
