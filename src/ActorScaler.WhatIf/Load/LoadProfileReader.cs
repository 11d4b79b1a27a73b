using System.Globalization;
using ActorScaler.Core.Quantities;
using ActorScaler.WhatIf.Inputs;

namespace ActorScaler.WhatIf.Load;

/// <summary>
/// Reads a load profile: YAML with a list of segments (constant, ramp, step, sine, spike) or a
/// reference to a CSV trace, or a CSV trace directly (<c>seconds,cpu,rps</c>).
/// </summary>
public static class LoadProfileReader
{
    public static readonly IReadOnlyList<string> SegmentTypes = ["constant", "ramp", "step", "sine", "spike"];

    private static readonly string[] TopLevelKeys = ["segments", "trace", "cpuPerRequest", "memory", "startup", "noise"];
    private static readonly string[] LevelKeys = ["cpu", "rps"];

    public static LoadProfile ReadFile(string path)
    {
        if (!File.Exists(path))
            throw new SimulationInputException(path, null, "file not found");
        var text = File.ReadAllText(path);
        return path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
            ? new LoadProfile { Trace = ParseCsv(path, text), SourceFile = path }
            : ParseYaml(path, text, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    public static LoadProfile ParseYaml(string file, string text, string baseDirectory)
    {
        var root = YamlInput.Load(file, text);
        RejectUnknownKeys(root, TopLevelKeys);
        var segmentsNode = root.Child("segments");
        var traceNode = root.Child("trace");
        if ((segmentsNode is null) == (traceNode is null))
            throw root.Error("give exactly one of \"segments\" (a list) or \"trace\" (a CSV file)");

        IReadOnlyList<LoadSegment> segments = [];
        IReadOnlyList<TracePoint> trace = [];
        if (segmentsNode is not null)
        {
            var items = segmentsNode.Items();
            if (items.Count == 0)
                throw segmentsNode.Error("needs at least one segment");
            segments = items.Select(ParseSegment).ToList();
        }
        else
        {
            var csvPath = Path.Combine(baseDirectory, traceNode!.Scalar());
            if (!File.Exists(csvPath))
                throw traceNode.Error($"trace file \"{csvPath}\" not found");
            trace = ParseCsv(csvPath, File.ReadAllText(csvPath));
        }

        var memory = MemoryModel.None;
        if (root.Child("memory") is { } m)
        {
            RejectUnknownKeys(m, ["base", "perCore"]);
            memory = new MemoryModel(
                m.Child("base") is { } b ? NonNegative(b, b.Quantity().Value()) : 0,
                m.Child("perCore") is { } pc ? NonNegative(pc, pc.Quantity().Value()) : 0);
        }
        var startup = StartupBurst.None;
        if (root.Child("startup") is { } st)
        {
            RejectUnknownKeys(st, ["cpu", "duration"]);
            var cpuNode = st.Required("cpu");
            var durationNode = st.Required("duration");
            var burst = durationNode.Duration();
            startup = new StartupBurst(NonNegative(cpuNode, CpuMilli(cpuNode)), burst);
        }
        var noise = root.Child("noise") is { } n ? NonNegative(n, n.Double()) : 0;
        if (noise >= 1)
            throw root.Required("noise").Error("must be below 1 (it is a relative spread, e.g. 0.1 for ±10 %)");

        return new LoadProfile
        {
            Segments = segments,
            Trace = trace,
            CpuPerRequestMilli = root.Child("cpuPerRequest") is { } c ? NonNegative(c, CpuMilli(c)) : 0,
            Memory = memory,
            Startup = startup,
            Noise = noise,
            SourceFile = file,
        };
    }

    private static LoadSegment ParseSegment(YamlInput node)
    {
        var typeNode = node.Required("type");
        var type = typeNode.Scalar();
        var duration = node.Required("duration");
        var length = duration.Duration();
        if (length <= TimeSpan.Zero)
            throw duration.Error("must be longer than 0s");

        LoadSegment segment;
        switch (type)
        {
            case "constant":
                RejectUnknownKeys(node, ["type", "duration", "cpu", "rps"]);
                segment = new ConstantSegment(Level(node, inline: true));
                break;
            case "ramp":
                RejectUnknownKeys(node, ["type", "duration", "from", "to"]);
                segment = new RampSegment(Level(node.Required("from")), Level(node.Required("to")));
                break;
            case "step":
                RejectUnknownKeys(node, ["type", "duration", "from", "to", "steps"]);
                var stepsNode = node.Required("steps");
                var steps = stepsNode.Int32();
                if (steps < 1)
                    throw stepsNode.Error("must be 1 or more");
                segment = new StepSegment(Level(node.Required("from")), Level(node.Required("to")), steps);
                break;
            case "sine":
                RejectUnknownKeys(node, ["type", "duration", "mean", "amplitude", "period"]);
                var periodNode = node.Required("period");
                var period = periodNode.Duration();
                if (period <= TimeSpan.Zero)
                    throw periodNode.Error("must be longer than 0s");
                segment = new SineSegment(Level(node.Required("mean")), Level(node.Required("amplitude")), period);
                break;
            case "spike":
                RejectUnknownKeys(node, ["type", "duration", "base", "peak", "at", "length"]);
                var atNode = node.Required("at");
                var at = atNode.Duration();
                var lengthNode = node.Required("length");
                var spikeLength = lengthNode.Duration();
                if (spikeLength <= TimeSpan.Zero)
                    throw lengthNode.Error("must be longer than 0s");
                if (at + spikeLength > length)
                    throw lengthNode.Error($"the spike (at {DurationText.Format(at)} for {DurationText.Format(spikeLength)}) runs past the segment's duration {DurationText.Format(length)}");
                segment = new SpikeSegment(Level(node.Child("base")), Level(node.Required("peak")), at, spikeLength);
                break;
            default:
                throw typeNode.Error($"unknown segment type \"{type}\" (expected one of: {string.Join(", ", SegmentTypes)})");
        }
        return segment with { Duration = length, Line = node.Line };
    }

    /// <summary>A level is a mapping {cpu, rps}; for a constant segment the keys sit on the segment itself.</summary>
    private static LoadLevel Level(YamlInput? node, bool inline = false)
    {
        if (node is null)
            return LoadLevel.Zero;
        if (!inline)
            RejectUnknownKeys(node, LevelKeys);
        var cpu = node.Child("cpu") is { } c ? NonNegative(c, CpuMilli(c)) : 0;
        var rps = node.Child("rps") is { } r ? NonNegative(r, r.Double()) : 0;
        if (node.Child("cpu") is null && node.Child("rps") is null)
            throw node.Error("give cpu (e.g. 500m) and/or rps (requests per second)");
        return new LoadLevel(cpu, rps);
    }

    private static double CpuMilli(YamlInput node) => node.Quantity().ToDouble() * 1000.0;

    private static T NonNegative<T>(YamlInput node, T value) where T : IComparable<T>
    {
        if (value.CompareTo(default!) < 0)
            throw node.Error("must not be negative");
        return value;
    }

    private static void RejectUnknownKeys(YamlInput node, IReadOnlyCollection<string> allowed)
    {
        foreach (var key in node.Keys)
        {
            if (!allowed.Contains(key))
                throw node.Error($"unknown field \"{key}\" (expected: {string.Join(", ", allowed)})");
        }
    }

    /// <summary>
    /// A CSV trace: one row per point, <c>seconds,cpu,rps</c>; cpu is a quantity ("250m" or
    /// "0.25"), rps a number, either may be empty; a first row that is not numeric is a header.
    /// </summary>
    public static IReadOnlyList<TracePoint> ParseCsv(string file, string text)
    {
        var points = new List<TracePoint>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var where = $"line {i + 1}";
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var cells = line.Split(',').Select(c => c.Trim()).ToArray();
            var isFirstRow = points.Count == 0 && !double.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            if (isFirstRow && i == FirstContentLine(lines))
            {
                if (!cells[0].Equals("seconds", StringComparison.OrdinalIgnoreCase))
                    throw new SimulationInputException(file, where, $"header must start with \"seconds\" (expected seconds,cpu,rps), got \"{cells[0]}\"");
                continue;
            }
            if (cells.Length is < 2 or > 3)
                throw new SimulationInputException(file, where, $"expected 2 or 3 columns (seconds,cpu,rps), got {cells.Length}");
            if (!double.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !double.IsFinite(seconds) || seconds < 0)
                throw new SimulationInputException(file, $"{where}, column seconds", $"\"{cells[0]}\" is not a time in seconds (0 or more)");
            if (points.Count > 0 && seconds <= points[^1].Seconds)
                throw new SimulationInputException(file, $"{where}, column seconds", $"{cells[0]} is not after the previous row's {points[^1].Seconds.ToString(CultureInfo.InvariantCulture)}; rows must be in increasing time");
            var cpu = 0.0;
            if (cells[1].Length > 0)
            {
                if (!Quantity.TryParse(cells[1], out var q, out var error))
                    throw new SimulationInputException(file, $"{where}, column cpu", $"\"{cells[1]}\" is not a valid quantity: {error}");
                cpu = q.ToDouble() * 1000.0;
                if (cpu < 0)
                    throw new SimulationInputException(file, $"{where}, column cpu", "must not be negative");
            }
            var rps = 0.0;
            if (cells.Length == 3 && cells[2].Length > 0
                && (!double.TryParse(cells[2], NumberStyles.Float, CultureInfo.InvariantCulture, out rps) || !double.IsFinite(rps) || rps < 0))
                throw new SimulationInputException(file, $"{where}, column rps", $"\"{cells[2]}\" is not a rate (a number, 0 or more)");
            points.Add(new TracePoint(seconds, cpu, rps));
        }
        return points.Count > 0 ? points : throw new SimulationInputException(file, null, "the trace has no rows (expected seconds,cpu,rps)");
    }

    private static int FirstContentLine(string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i].Trim();
            if (l.Length > 0 && !l.StartsWith('#'))
                return i;
        }
        return -1;
    }
}
