using System.Globalization;
using ActorScaler.Bench;

namespace ActorScaler.Cluster.Tests;

/// <summary>What the simulator's audit proves about writers and what the tests report.</summary>
public static class WriterAudit
{
    /// <summary>
    /// Scale targets written by two member incarnations in overlapping windows. A writer's window on a
    /// target is [its first, its last] successful write (/scale or HPA status) to it; with one writer at a
    /// time, the windows of a target's writers follow one another. A restarted member writes with the same
    /// User-Agent, so writes are attributed to the incarnation running at the time (see
    /// <see cref="FailoverCluster.Writer"/>). Returns one line per violation, empty when there is none.
    /// </summary>
    public static IReadOnlyList<string> OverlappingWriters(IEnumerable<AuditedWrite> writes, Func<string, DateTimeOffset, string> writer)
    {
        var problems = new List<string>();
        foreach (var target in writes.Where(w => w.Code == 200).GroupBy(w => w.Key))
        {
            var windows = target
                .GroupBy(w => writer(w.UserAgent, w.Time))
                .Select(g => (Writer: g.Key, First: g.Min(w => w.Time), Last: g.Max(w => w.Time), Count: g.Count()))
                .OrderBy(w => w.First)
                .ToList();
            for (var i = 1; i < windows.Count; i++)
            {
                var previous = windows[i - 1];
                var current = windows[i];
                if (current.First <= previous.Last)
                {
                    problems.Add($"{target.Key}: {previous.Writer} wrote {previous.Count}x in [{previous.First:HH:mm:ss.fff}, {previous.Last:HH:mm:ss.fff}] "
                        + $"and {current.Writer} {current.Count}x in [{current.First:HH:mm:ss.fff}, {current.Last:HH:mm:ss.fff}]");
                }
            }
        }
        return problems;
    }

    /// <summary>The nearest-rank percentile of the values (seconds).</summary>
    public static double Percentile(IReadOnlyList<double> values, double percentile)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static string Summary(IReadOnlyList<double> seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(seconds, 50):0.0} s, p99 {Percentile(seconds, 99):0.0} s, max {seconds.Max():0.0} s over {seconds.Count}");

    /// <summary>Seconds from <paramref name="from"/> to each time.</summary>
    public static List<double> SecondsSince(IEnumerable<DateTimeOffset> times, DateTimeOffset from) =>
        times.Select(t => (t - from).TotalSeconds).ToList();
}
