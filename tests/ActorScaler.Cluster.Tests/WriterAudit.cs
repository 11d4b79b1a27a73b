using System.Globalization;
using ActorScaler.Bench;

namespace ActorScaler.Cluster.Tests;

/// <summary>What the simulator's audit proves about writers and what the tests report.</summary>
public static class WriterAudit
{
    /// <summary>A writer may take a target back from another live writer only through a rebalance, and
    /// the coordinator rebalances at most once per rebalance-interval (10 s in hocon/actorscaler.conf).</summary>
    public static readonly TimeSpan ReturnWindow = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Scale targets on which two member incarnations wrote at the same time. A target's successful writes
    /// (/scale or HPA status), in time order, form runs of one writer each; ownership moving from one
    /// writer to the next is a new run. Two writers at once show as a writer coming back: X, then Y, then
    /// X again. That is legitimate only when Y's incarnation had ended by then (X got the target back in
    /// a failover), or when X came back at least <see cref="ReturnWindow"/> after Y's last write (a
    /// rebalance moved it back). Anything else - the old owner writing again while the new owner is alive
    /// and writing - is reported. A restarted member writes with the same User-Agent, so writes are
    /// attributed to the incarnation running at the time (<paramref name="writer"/>), and
    /// <paramref name="ended"/> gives when an incarnation stopped (<see cref="DateTimeOffset.MaxValue"/>
    /// while it runs). Returns one line per violation, empty when there is none.
    /// </summary>
    public static IReadOnlyList<string> OverlappingWriters(IEnumerable<AuditedWrite> writes, Func<string, DateTimeOffset, string> writer, Func<string, DateTimeOffset> ended)
    {
        var problems = new List<string>();
        foreach (var target in writes.Where(w => w.Code == 200).GroupBy(w => w.Key))
        {
            var runs = new List<(string Writer, DateTimeOffset First, DateTimeOffset Last, int Count)>();
            foreach (var w in target.OrderBy(w => w.Time))
            {
                var who = writer(w.UserAgent, w.Time);
                if (runs.Count > 0 && runs[^1].Writer == who)
                    runs[^1] = (who, runs[^1].First, w.Time, runs[^1].Count + 1);
                else
                    runs.Add((who, w.Time, w.Time, 1));
            }
            for (var i = 2; i < runs.Count; i++)
            {
                var back = runs[i];
                var earlier = runs.FindLastIndex(i - 1, r => r.Writer == back.Writer);
                if (earlier < 0)
                    continue;
                // Every other writer between X's two runs: was it still alive and recently writing?
                foreach (var other in runs.Skip(earlier + 1).Take(i - earlier - 1).Where(r => r.Writer != back.Writer).GroupBy(r => r.Writer))
                {
                    var last = other.Last();
                    if (ended(other.Key) > back.First && back.First - last.Last < ReturnWindow)
                    {
                        problems.Add($"{target.Key}: {back.Writer} wrote {back.Count}x in [{back.First:HH:mm:ss.fff}, {back.Last:HH:mm:ss.fff}] "
                            + $"after {other.Key} had taken over (wrote {other.Sum(r => r.Count)}x, last at {last.Last:HH:mm:ss.fff}) and was still running");
                    }
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
