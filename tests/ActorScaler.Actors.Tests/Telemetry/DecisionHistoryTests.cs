using ActorScaler.Actors.Serialization;
using ActorScaler.Actors.Telemetry;
using ActorScaler.Core.Decision;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorScaler.Actors.Tests.Telemetry;

public sealed class DecisionHistoryTests : TestKit
{
    private static DecisionRecord Record(int final, DateTimeOffset time) => new()
    {
        Time = time,
        LastTime = time,
        Outcome = "NoRescale",
        CurrentReplicas = final,
        MinReplicas = 1,
        MaxReplicas = 10,
        FinalReplicas = final,
        Reason = "the desired count equals the current count",
        Metrics = [new MetricExplanation("Resource", "cpu resource utilization (percentage of request)", "52% (520m)", "50%", 1.04, true, final, null)],
    };

    [Fact]
    public void Keeps_the_last_capacity_records_oldest_first()
    {
        var history = new DecisionHistory(capacity: 3);
        var t0 = TelemetryTestData.Now;
        for (var i = 1; i <= 5; i++)
            history.Add(Record(i, t0.AddSeconds(i)));

        Assert.Equal(3, history.Count);
        Assert.Equal([3, 4, 5], history.Snapshot().Select(r => r.FinalReplicas));
    }

    [Fact]
    public void Identical_consecutive_passes_fold_into_one_record_with_a_count()
    {
        var history = new DecisionHistory();
        var t0 = TelemetryTestData.Now;
        history.Add(Record(3, t0));
        history.Add(Record(3, t0.AddSeconds(15)) with { TraceId = "abc" });
        history.Add(Record(3, t0.AddSeconds(30)));
        history.Add(Record(4, t0.AddSeconds(45)));

        var records = history.Snapshot();
        Assert.Equal(2, records.Count);
        Assert.Equal((t0, t0.AddSeconds(30), 3, "abc"), (records[0].Time, records[0].LastTime, records[0].Repeats, records[0].TraceId));
        Assert.Equal((4, 1), (records[1].FinalReplicas, records[1].Repeats));
    }

    [Fact]
    public void A_different_metric_value_is_a_new_record()
    {
        var history = new DecisionHistory();
        history.Add(Record(3, TelemetryTestData.Now));
        history.Add(Record(3, TelemetryTestData.Now.AddSeconds(15)) with
        {
            Metrics = [new MetricExplanation("Resource", "cpu resource utilization (percentage of request)", "53% (530m)", "50%", 1.06, true, 3, null)],
        });
        Assert.Equal(2, history.Count);
    }

    [Fact]
    public void A_record_from_a_real_pass_keeps_every_step_and_a_failed_write_keeps_the_current_count()
    {
        var decision = AutoscalerReconciler.Decide(TelemetryTestData.Input());
        var written = DecisionRecord.From(decision.Explanation, AutoscalerReconciler.Complete(decision, ScaleWriteResult.Succeeded), "member-a", "trace-1");
        Assert.Equal(("Rescale", 3, 6, 6, 6, 6, 6, "None", 6), (written.Outcome, written.CurrentReplicas, written.Recommendation, written.Stabilized, written.AfterPolicies,
            written.AfterClamp, written.FinalReplicas, written.Limit, written.ScaledTo));

        var failed = DecisionRecord.From(decision.Explanation, AutoscalerReconciler.Complete(decision, ScaleWriteResult.Failed("conflict")));
        Assert.Equal((3, (int?)null), (failed.FinalReplicas, failed.ScaledTo));
        Assert.Contains("conflict", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void History_messages_round_trip_through_the_protocol_serializer()
    {
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        var decision = AutoscalerReconciler.Decide(TelemetryTestData.Input(withExternal: true));
        var real = DecisionRecord.From(decision.Explanation, AutoscalerReconciler.Complete(decision, ScaleWriteResult.Succeeded), "akka.tcp://actorscaler@127.0.0.1:4053", "4bf92f3577b34da6a3ce929d0e0e4736");
        // Zeros that mean something (a 0 recommendation, scaled to 0) must not read back as "absent".
        var zeros = Record(0, TelemetryTestData.Now) with { Recommendation = 0, Stabilized = 0, AfterClamp = 0, ScaledTo = 0, Repeats = 4, LastTime = TelemetryTestData.Now.AddMinutes(1) };
        var withRecords = new DecisionHistoryReply("shop/web", "akka.tcp://actorscaler@127.0.0.1:4053", [real, zeros]);
        object[] messages =
        [
            new GetDecisionHistory("shop/web"),
            new ActorScaler.Actors.Hpa.EnsureHpa("shop/web", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            new GetDecisionHistory("shop/web", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            withRecords,
            new DecisionHistoryReply("shop/none", "", []),
        ];
        foreach (var message in messages)
            Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message)));

        var back = (DecisionHistoryReply)serializer.FromBinary(serializer.ToBinary(withRecords), serializer.Manifest(withRecords));
        Assert.Equal(real.Metrics, back.Records[0].Metrics);
        Assert.Null(back.Records[0].Metrics[1].ProposedReplicas);
        Assert.Equal((0, 0, 0), (back.Records[1].Recommendation, back.Records[1].AfterClamp, back.Records[1].ScaledTo));
        Assert.Null(back.Records[1].PolicyLimit);
    }
}
