using ActorScaler.Simulator.Kubelets;
using Xunit;

namespace ActorScaler.Cli.Tests.Bench;

public sealed class KubeletRequestLogTests
{
    [Fact]
    public void Counts_every_request_and_keeps_the_latest_times_oldest_first()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));
        var log = new KubeletRequestLog(["node-a", "node-b"], time);
        var start = time.GetUtcNow();
        for (var i = 0; i < KubeletRequestLog.TimesKept + 10; i++)
        {
            log.Record(0);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        log.Record(1);

        var all = log.Snapshot();
        Assert.Equal(KubeletRequestLog.TimesKept + 10, all[0].Requests);
        Assert.Equal(KubeletRequestLog.TimesKept, all[0].Times.Count);
        Assert.Equal(start.AddSeconds(10), all[0].Times[0]);
        Assert.Equal(start.AddSeconds(KubeletRequestLog.TimesKept + 9), all[0].Times[^1]);
        Assert.Equal(("node-b", 1L), (all[1].Node, all[1].Requests));

        var recent = log.Snapshot(start.AddSeconds(KubeletRequestLog.TimesKept + 5));
        Assert.Equal(5, recent[0].Times.Count);
        Assert.Equal(KubeletRequestLog.TimesKept + 10, recent[0].Requests);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
