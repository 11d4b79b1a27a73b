using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorScaler.Metrics.Scraping;

/// <summary>
/// Parses the kubelet's <c>/metrics/resource</c> payload (Prometheus text format 0.0.4) straight
/// from bytes: no regex, no string per line. Only the series the pipeline needs are decoded;
/// every other line is skipped after its name. A malformed line invalidates that series only
/// (metrics-server fails the whole node, #983/#1141); a kubelet-reported scrape error means
/// "no data", never zero usage.
/// One parser per node: it interns namespace/pod/container names across scrapes, so a
/// steady-state parse allocates nothing for names. Not thread-safe (one scraper owns it).
/// </summary>
public sealed class ResourceMetricsParser
{
    private const double NanosPerSecond = 1e9;
    private const long NanosPerMilli = 1_000_000;
    // Label values longer than this are not pod/namespace/container names (DNS-1123 caps them
    // at 253); such a line is rejected instead of growing a buffer.
    private const int MaxLabelValueLength = 256;

    private enum Series
    {
        Unknown,
        NodeCpu,
        NodeMemory,
        ContainerCpu,
        ContainerMemory,
        ContainerStartTime,
        ScrapeError,
    }

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    // Keys are interned strings, so identity is equality: hashing references instead of three strings
    // per line is the difference between meeting the parse budget and not.
    private readonly Dictionary<(string Namespace, string Pod, string Container), int> _index = new(InternedKeyComparer.Instance);
    // Label value buffers reused across lines: a stackalloc per line would zero 1.5 KB for every line.
    private readonly char[] _nsChars = new char[MaxLabelValueLength];
    private readonly char[] _podChars = new char[MaxLabelValueLength];
    private readonly char[] _containerChars = new char[MaxLabelValueLength];

    public ResourceMetricsParser()
    {
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Parses <paramref name="payload"/> into <paramref name="into"/> (cleared first).
    /// <paramref name="requestTimeNs"/> stands in for series without a timestamp, as metrics-server does.</summary>
    public void Parse(ReadOnlySpan<byte> payload, long requestTimeNs, ResourceMetricsScrape into)
    {
        into.Clear();
        _index.Clear();
        var lineNumber = 0;
        while (!payload.IsEmpty)
        {
            lineNumber++;
            var newline = payload.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line;
            if (newline < 0)
            {
                line = payload;
                payload = default;
            }
            else
            {
                line = payload[..newline];
                payload = payload[(newline + 1)..];
            }
            ParseLine(line, lineNumber, requestTimeNs, into);
        }
        // Pods come and go: names interned for pods long gone would grow without bound on a busy
        // node. When they clearly outnumber what this payload named, start over (one parse then
        // allocates its names again; nothing else keeps the old strings alive).
        if (_names.Count > MaxRetainedNames(into.Containers.Count))
            _names.Clear();
    }

    /// <summary>Names currently interned (tests: bounded under pod churn).</summary>
    internal int InternedNames => _names.Count;

    private static int MaxRetainedNames(int containers) => 4 * (containers * 3) + 64;

    private void ParseLine(ReadOnlySpan<byte> line, int lineNumber, long requestTimeNs, ResourceMetricsScrape into)
    {
        line = line.TrimEnd((byte)'\r').Trim(" \t"u8);
        if (line.IsEmpty || line[0] == (byte)'#')
            return;

        var nameEnd = line.IndexOfAny("{ \t"u8);
        if (nameEnd < 0)
        {
            into.AddError(lineNumber, "a sample needs a value");
            return;
        }
        var series = Classify(line[..nameEnd]);
        if (series == Series.Unknown)
            return;

        var rest = line[nameEnd..];
        Span<char> nsChars = _nsChars;
        Span<char> podChars = _podChars;
        Span<char> containerChars = _containerChars;
        int nsLength = -1, podLength = -1, containerLength = -1;
        if (rest[0] == (byte)'{')
        {
            var error = ParseLabels(ref rest, nsChars, podChars, containerChars, ref nsLength, ref podLength, ref containerLength);
            if (error is not null)
            {
                into.AddError(lineNumber, error);
                return;
            }
        }

        rest = rest.TrimStart(" \t"u8);
        var valueEnd = rest.IndexOfAny(" \t"u8);
        var valueToken = valueEnd < 0 ? rest : rest[..valueEnd];
        if (!TryParseGoFloat(valueToken, out var value))
        {
            into.AddError(lineNumber, $"invalid value \"{Encoding.UTF8.GetString(valueToken)}\"");
            return;
        }
        var timestampNs = requestTimeNs;
        if (valueEnd >= 0)
        {
            var tsToken = rest[valueEnd..].Trim(" \t"u8);
            if (!tsToken.IsEmpty)
            {
                if (!long.TryParse(tsToken, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
                {
                    into.AddError(lineNumber, $"invalid timestamp \"{Encoding.UTF8.GetString(tsToken)}\"");
                    return;
                }
                if (ms <= 0)
                {
                    // Kubelets before 1.25 wrote Go's zero time (-62135596800000) for containers
                    // that were starting or stopped: meaningless, so only this series is dropped.
                    into.AddError(lineNumber, $"timestamp {ms} is not a valid sample time");
                    return;
                }
                if (ms > long.MaxValue / NanosPerMilli)
                {
                    into.AddError(lineNumber, $"timestamp {ms} is out of range");
                    return;
                }
                timestampNs = ms * NanosPerMilli;
            }
        }

        switch (series)
        {
            case Series.ScrapeError:
                if (value != 0)
                    into.KubeletReportedError = true;
                return;
            case Series.NodeCpu:
                if (!TryCpuNanos(value, out var nodeCpu))
                {
                    into.AddError(lineNumber, $"node_cpu_usage_seconds_total must be a finite, non-negative counter, got {value.ToString(CultureInfo.InvariantCulture)}");
                    return;
                }
                into.Node.CpuCumulativeNs = nodeCpu;
                into.Node.CpuTimestampNs = timestampNs;
                into.Node.HasCpu = true;
                return;
            case Series.NodeMemory:
                if (!TryBytes(value, out var nodeMemory))
                {
                    into.AddError(lineNumber, $"node_memory_working_set_bytes must be a finite, non-negative gauge, got {value.ToString(CultureInfo.InvariantCulture)}");
                    return;
                }
                into.Node.MemoryWorkingSetBytes = nodeMemory;
                into.Node.MemoryTimestampNs = timestampNs;
                into.Node.HasMemory = true;
                return;
        }

        if (nsLength <= 0 || podLength <= 0 || containerLength <= 0)
        {
            into.AddError(lineNumber, "container series need the labels container, namespace and pod");
            return;
        }
        var key = (Intern(nsChars[..nsLength]), Intern(podChars[..podLength]), Intern(containerChars[..containerLength]));
        var containers = into.MutableContainers;
        if (!_index.TryGetValue(key, out var slot))
        {
            slot = containers.Count;
            containers.Add(new ContainerSample { Namespace = key.Item1, Pod = key.Item2, Container = key.Item3 });
            _index[key] = slot;
        }
        var sample = containers[slot];
        switch (series)
        {
            case Series.ContainerCpu:
                if (!TryCpuNanos(value, out var cpu))
                {
                    into.AddError(lineNumber, $"container_cpu_usage_seconds_total must be a finite, non-negative counter, got {value.ToString(CultureInfo.InvariantCulture)}");
                    return;
                }
                sample.CpuCumulativeNs = cpu;
                sample.CpuTimestampNs = timestampNs;
                sample.HasCpu = true;
                break;
            case Series.ContainerMemory:
                if (!TryBytes(value, out var memory))
                {
                    into.AddError(lineNumber, $"container_memory_working_set_bytes must be a finite, non-negative gauge, got {value.ToString(CultureInfo.InvariantCulture)}");
                    return;
                }
                sample.MemoryWorkingSetBytes = memory;
                sample.MemoryTimestampNs = timestampNs;
                sample.HasMemory = true;
                break;
            case Series.ContainerStartTime:
                // Seconds as float64 times 1e9, truncated: the same float rounding metrics-server
                // applies, so windows such as 12.299552768s come out identical.
                var startNs = value * NanosPerSecond;
                if (!double.IsFinite(value) || value <= 0 || startNs >= long.MaxValue)
                {
                    into.AddError(lineNumber, $"container_start_time_seconds must be a positive time, got {value.ToString(CultureInfo.InvariantCulture)}");
                    return;
                }
                sample.StartTimeNs = (long)startNs;
                sample.HasStartTime = true;
                break;
        }
        containers[slot] = sample;
    }

    private static Series Classify(ReadOnlySpan<byte> name)
    {
        if (name.SequenceEqual("container_cpu_usage_seconds_total"u8)) return Series.ContainerCpu;
        if (name.SequenceEqual("container_memory_working_set_bytes"u8)) return Series.ContainerMemory;
        if (name.SequenceEqual("container_start_time_seconds"u8)) return Series.ContainerStartTime;
        if (name.SequenceEqual("node_cpu_usage_seconds_total"u8)) return Series.NodeCpu;
        if (name.SequenceEqual("node_memory_working_set_bytes"u8)) return Series.NodeMemory;
        if (name.SequenceEqual("resource_scrape_error"u8) || name.SequenceEqual("scrape_error"u8)) return Series.ScrapeError;
        return Series.Unknown;
    }

    /// <summary>Reads <c>{name="value",...}</c>; keeps the three labels we need, unescaped.</summary>
    private static string? ParseLabels(ref ReadOnlySpan<byte> rest, scoped Span<char> ns, scoped Span<char> pod, scoped Span<char> container,
        ref int nsLength, ref int podLength, ref int containerLength)
    {
        var i = 1; // past '{'
        while (true)
        {
            while (i < rest.Length && (rest[i] == (byte)' ' || rest[i] == (byte)'\t')) i++;
            if (i >= rest.Length) return "unterminated label set";
            if (rest[i] == (byte)'}')
            {
                rest = rest[(i + 1)..];
                return rest.IsEmpty ? "a sample needs a value" : null;
            }
            var nameStart = i;
            while (i < rest.Length && IsLabelNameByte(rest[i])) i++;
            if (i == nameStart) return "invalid label name";
            var labelName = rest[nameStart..i];
            while (i < rest.Length && (rest[i] == (byte)' ' || rest[i] == (byte)'\t')) i++;
            if (i >= rest.Length || rest[i] != (byte)'=') return "expected '=' after a label name";
            i++;
            while (i < rest.Length && (rest[i] == (byte)' ' || rest[i] == (byte)'\t')) i++;
            if (i >= rest.Length || rest[i] != (byte)'"') return "expected a quoted label value";
            i++;

            scoped Span<char> target = default;
            var which = 0;
            if (labelName.SequenceEqual("namespace"u8)) { target = ns; which = 1; }
            else if (labelName.SequenceEqual("pod"u8)) { target = pod; which = 2; }
            else if (labelName.SequenceEqual("container"u8)) { target = container; which = 3; }

            var length = 0;
            var closed = false;
            // Fast path, every real kubelet line: a plain ASCII value up to the closing quote, with
            // no escape, is widened in one vectorized step.
            var plain = rest[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (plain >= 0 && rest[i + plain] == (byte)'"' && System.Text.Ascii.IsValid(rest.Slice(i, plain)))
            {
                if (which != 0)
                {
                    if (plain > target.Length) return "label value too long";
                    System.Text.Ascii.ToUtf16(rest.Slice(i, plain), target, out _);
                }
                length = plain;
                i += plain + 1;
                closed = true;
            }
            while (!closed && i < rest.Length)
            {
                var b = rest[i++];
                if (b == (byte)'"') { closed = true; break; }
                char c;
                if (b == (byte)'\\')
                {
                    if (i >= rest.Length) return "unterminated escape in a label value";
                    var e = rest[i++];
                    c = e switch
                    {
                        (byte)'n' => '\n',
                        (byte)'\\' => '\\',
                        (byte)'"' => '"',
                        _ => '\0',
                    };
                    if (c == '\0') return "invalid escape in a label value";
                }
                else if (b >= 0x80)
                {
                    // Non-ASCII cannot occur in Kubernetes object names; keep the byte as a
                    // replacement so other labels on the line stay readable.
                    c = '\uFFFD';
                }
                else
                {
                    c = (char)b;
                }
                if (which != 0)
                {
                    if (length >= target.Length) return "label value too long";
                    target[length] = c;
                }
                length++;
            }
            if (!closed) return "unterminated label value";
            switch (which)
            {
                case 1: nsLength = length; break;
                case 2: podLength = length; break;
                case 3: containerLength = length; break;
            }
            while (i < rest.Length && (rest[i] == (byte)' ' || rest[i] == (byte)'\t')) i++;
            if (i < rest.Length && rest[i] == (byte)',') i++;
            else if (i < rest.Length && rest[i] != (byte)'}') return "expected ',' or '}' in a label set";
        }
    }

    private static bool IsLabelNameByte(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_';

    /// <summary>Go's strconv.ParseFloat forms as the Prometheus text format writes them,
    /// including <c>NaN</c>, <c>+Inf</c> and <c>-Inf</c>.</summary>
    internal static bool TryParseGoFloat(ReadOnlySpan<byte> token, out double value)
    {
        if (token.IsEmpty)
        {
            value = 0;
            return false;
        }
        if (token.SequenceEqual("NaN"u8)) { value = double.NaN; return true; }
        if (token.SequenceEqual("+Inf"u8) || token.SequenceEqual("Inf"u8)) { value = double.PositiveInfinity; return true; }
        if (token.SequenceEqual("-Inf"u8)) { value = double.NegativeInfinity; return true; }
        // .NET would also accept "Infinity", thousands separators or hex; Go's text format has
        // none of those, so restrict to digits, sign, point and exponent first.
        foreach (var b in token)
        {
            if (!(b is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-'))
            {
                value = 0;
                return false;
            }
        }
        return double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryCpuNanos(double seconds, out ulong nanos)
    {
        var scaled = seconds * NanosPerSecond;
        if (!double.IsFinite(seconds) || seconds < 0 || scaled >= ulong.MaxValue)
        {
            nanos = 0;
            return false;
        }
        nanos = (ulong)scaled;
        return true;
    }

    private static bool TryBytes(double value, out ulong bytes)
    {
        if (!double.IsFinite(value) || value < 0 || value >= ulong.MaxValue)
        {
            bytes = 0;
            return false;
        }
        bytes = (ulong)value;
        return true;
    }

    private sealed class InternedKeyComparer : IEqualityComparer<(string Namespace, string Pod, string Container)>
    {
        public static readonly InternedKeyComparer Instance = new();

        public bool Equals((string Namespace, string Pod, string Container) x, (string Namespace, string Pod, string Container) y) =>
            ReferenceEquals(x.Namespace, y.Namespace) && ReferenceEquals(x.Pod, y.Pod) && ReferenceEquals(x.Container, y.Container);

        public int GetHashCode((string Namespace, string Pod, string Container) key) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(key.Namespace), RuntimeHelpers.GetHashCode(key.Pod), RuntimeHelpers.GetHashCode(key.Container));
    }

    private string Intern(ReadOnlySpan<char> chars)
    {
        if (_nameLookup.TryGetValue(chars, out var existing))
            return existing;
        var s = chars.ToString();
        _names[s] = s;
        return s;
    }
}
