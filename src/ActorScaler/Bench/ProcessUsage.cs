using System.Globalization;

namespace ActorScaler.Bench;

/// <summary>
/// CPU time and memory of one process as Linux accounts it: user + system time from
/// <c>/proc/&lt;pid&gt;/stat</c>, resident and peak resident set (VmRSS, VmHWM) from
/// <c>/proc/&lt;pid&gt;/status</c>. Read from outside the process, so a benchmark measures each member
/// apart from the simulator that drives it.
/// </summary>
public sealed record ProcessUsage(TimeSpan CpuTime, long ResidentBytes, long PeakResidentBytes)
{
    /// <summary>
    /// The unit of the time fields in /proc/&lt;pid&gt;/stat. The kernel exports USER_HZ, fixed at 100 on
    /// every architecture .NET runs on (it is not CONFIG_HZ), which is what `getconf CLK_TCK` prints.
    /// </summary>
    public const int UserHz = 100;

    // proc(5): fields counted from 1; utime is 14 and stime 15. Field 2 (comm) is in parentheses and
    // may itself contain spaces and ')', so fields are counted after the last ')'.
    private const int UtimeField = 14;
    private const int StimeField = 15;
    private const int FirstFieldAfterComm = 3;

    /// <summary>Reads the usage of a live process; null when it has exited or /proc is not there.</summary>
    public static ProcessUsage? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var status = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status");
            // A process that has exited but not been reaped (a zombie) keeps its stat but has no memory lines.
            if (!status.Contains("\nVmRSS:", StringComparison.Ordinal))
                return null;
            return new ProcessUsage(ParseCpuTime(stat), StatusKibibytes(status, "VmRSS") * 1024, StatusKibibytes(status, "VmHWM") * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>utime + stime of a /proc/&lt;pid&gt;/stat line.</summary>
    public static TimeSpan ParseCpuTime(string statLine)
    {
        ArgumentNullException.ThrowIfNull(statLine);
        var close = statLine.LastIndexOf(')');
        if (close < 0)
            throw new FormatException($"/proc/<pid>/stat: no \")\" closing the command name in \"{Truncate(statLine)}\"");
        var fields = statLine[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var utimeAt = UtimeField - FirstFieldAfterComm;
        var stimeAt = StimeField - FirstFieldAfterComm;
        if (fields.Length <= stimeAt)
            throw new FormatException($"/proc/<pid>/stat: {fields.Length + 2} fields, expected at least {StimeField}");
        var ticks = Ticks(fields[utimeAt], "utime") + Ticks(fields[stimeAt], "stime");
        return TimeSpan.FromSeconds((double)ticks / UserHz);
    }

    /// <summary>A "Name:   1234 kB" line of /proc/&lt;pid&gt;/status, in KiB.</summary>
    public static long StatusKibibytes(string status, string field)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(field);
        foreach (var raw in status.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith(field + ":", StringComparison.Ordinal))
                continue;
            var value = line[(field.Length + 1)..].Trim();
            if (value.EndsWith(" kB", StringComparison.Ordinal))
                value = value[..^3].TrimEnd();
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                throw new FormatException($"/proc/<pid>/status: {field}: \"{line[(field.Length + 1)..].Trim()}\" is not a size in kB");
            return kib;
        }
        throw new FormatException($"/proc/<pid>/status: no {field} line");
    }

    private static long Ticks(string text, string name) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? ticks
            : throw new FormatException($"/proc/<pid>/stat: {name}: \"{text}\" is not a number of clock ticks");

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
