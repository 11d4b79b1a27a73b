using ActorScaler.Bench;

namespace ActorScaler.Cluster.Tests;

/// <summary>The audit analysis on hand-made writes, so a scenario's verdict rests on tested logic.</summary>
public sealed class WriterAuditTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 23, 0, 0, TimeSpan.Zero);

    private static AuditedWrite Write(string name, double seconds, string member) =>
        new(T0.AddSeconds(seconds), "scale", "default", name, $"actorscaler/0.1.0 (member {member})", 1, 2, 200);

    /// <summary>Member "127.0.0.1:2" restarted at T0+20 s: writes after that are its second incarnation.</summary>
    private static string Writer(string userAgent, DateTimeOffset time) =>
        userAgent.Contains("127.0.0.1:2", StringComparison.Ordinal) && time >= T0.AddSeconds(20) ? "b#2" : userAgent.Contains("127.0.0.1:2", StringComparison.Ordinal) ? "b#1" : "a#1";

    [Fact]
    public void Hand_offs_between_incarnations_are_not_overlaps()
    {
        var writes = new[]
        {
            Write("web", 1, "127.0.0.1:2"), Write("web", 5, "127.0.0.1:2"), // b#1 until it dies
            Write("web", 9, "127.0.0.1:1"), Write("web", 15, "127.0.0.1:1"), // a takes over
            Write("web", 25, "127.0.0.1:2"), // the restarted b (a new incarnation) gets it back
            Write("api", 2, "127.0.0.1:1"),
        };
        Assert.Empty(WriterAudit.OverlappingWriters(writes, Writer, Running));
    }

    /// <summary>Every incarnation runs to the end, except b#1, which died at T0+6 s.</summary>
    private static DateTimeOffset Running(string writer) => writer == "b#1" ? T0.AddSeconds(6) : DateTimeOffset.MaxValue;

    [Fact]
    public void A_writer_getting_a_target_back_after_the_other_died_or_through_a_later_rebalance_is_no_overlap()
    {
        var writes = new[]
        {
            // a, then b#1 (which dies at 6 s), then a again: a failover back.
            Write("web", 1, "127.0.0.1:1"), Write("web", 3, "127.0.0.1:2"), Write("web", 5, "127.0.0.1:2"), Write("web", 14, "127.0.0.1:1"),
            // a, then b#2 (alive), then a 12 s after b#2's last write: a rebalance moved it back.
            Write("api", 21, "127.0.0.1:1"), Write("api", 23, "127.0.0.1:2"), Write("api", 35, "127.0.0.1:1"),
        };
        Assert.Empty(WriterAudit.OverlappingWriters(writes, Writer, Running));
    }

    [Fact]
    public void An_old_owner_writing_again_while_the_new_owner_is_alive_and_writing_is_reported()
    {
        var writes = new[]
        {
            // a owns "web"; b#2 takes it over at 22 s; a writes once more at 26 s (a paused member resuming).
            Write("web", 10, "127.0.0.1:1"), Write("web", 22, "127.0.0.1:2"), Write("web", 24, "127.0.0.1:2"), Write("web", 26, "127.0.0.1:1"),
            Write("web", 28, "127.0.0.1:2"),
        };
        var problems = WriterAudit.OverlappingWriters(writes, Writer, Running);
        Assert.Equal(2, problems.Count);
        Assert.Equal("default/web: a#1 wrote 1x in [23:00:26.000, 23:00:26.000] after b#2 had taken over (wrote 2x, last at 23:00:24.000) and was still running", problems[0]);
        Assert.StartsWith("default/web: b#2 wrote 1x in [23:00:28.000", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Two_writers_interleaving_on_one_target_are_reported_with_their_windows()
    {
        var writes = new[]
        {
            Write("web", 1, "127.0.0.1:2"), Write("web", 3, "127.0.0.1:1"), Write("web", 5, "127.0.0.1:2"),
            Write("api", 2, "127.0.0.1:1"),
            // A refused write is an attempt, not a write: it makes no window.
            Write("api", 3, "127.0.0.1:2") with { Code = 409 },
        };
        var problem = Assert.Single(WriterAudit.OverlappingWriters(writes, Writer, _ => DateTimeOffset.MaxValue));
        Assert.Equal("default/web: b#1 wrote 1x in [23:00:05.000, 23:00:05.000] after a#1 had taken over (wrote 1x, last at 23:00:03.000) and was still running", problem);
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        double[] values = [4, 1, 3, 2, 10];
        Assert.Equal(3, WriterAudit.Percentile(values, 50));
        Assert.Equal(10, WriterAudit.Percentile(values, 99));
        Assert.Equal(1, WriterAudit.Percentile(values, 1));
        Assert.True(double.IsNaN(WriterAudit.Percentile([], 50)));
    }
}
