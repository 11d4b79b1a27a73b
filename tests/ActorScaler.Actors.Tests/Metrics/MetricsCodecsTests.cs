using ActorScaler.Actors.Metrics;
using ActorScaler.Actors.Serialization;
using ActorScaler.Metrics.Scraping;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorScaler.Actors.Tests.Metrics.MetricsTestData;

namespace ActorScaler.Actors.Tests.Metrics;

public sealed class MetricsCodecsTests : TestKit
{
    private object RoundTrip(object message)
    {
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        return serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }

    [Fact]
    public void A_report_with_a_batch_round_trips_value_for_value()
    {
        var report = Report("sim-node-0001", 1_750_000_015_240_000_000,
            Pod("default", "web-1", 1_750_000_010_150_000_000, cpu: 248_731_200, memory: 270_532_608));
        report = report with { Batch = report.Batch! with { Problems = ["line 7: invalid value \"x\""] } };
        var back = Assert.IsType<NodeScrapeReport>(RoundTrip(report));
        Assert.Equal(report.Status, back.Status);
        Assert.Equal(report.Batch!.Node, back.Batch!.Node);
        Assert.Equal(report.Batch.ScrapedAtNs, back.Batch.ScrapedAtNs);
        Assert.Equal(report.Batch.NodeUsage, back.Batch.NodeUsage);
        Assert.Equal(report.Batch.Problems.ToArray(), back.Batch.Problems.ToArray());
        var pod = Assert.Single(back.Batch.Pods);
        Assert.Equal(report.Batch.Pods[0] with { Containers = default }, pod with { Containers = default });
        Assert.Equal(report.Batch.Pods[0].Containers.ToArray(), pod.Containers.ToArray());
    }

    [Fact]
    public void A_failure_report_and_the_entity_messages_round_trip()
    {
        var failure = Failure("n1", ScrapeReasons.CertificateInvalid, "x509: cannot validate certificate for 127.0.0.1 because it doesn't contain any IP SANs");
        var back = Assert.IsType<NodeScrapeReport>(RoundTrip(failure));
        Assert.Equal(failure.Status, back.Status);
        Assert.Null(back.Batch);
        Assert.Equal(new EnsureScraper("sim-node-0002"), RoundTrip(new EnsureScraper("sim-node-0002")));
        Assert.Equal(new StopScraper("sim-node-0002"), RoundTrip(new StopScraper("sim-node-0002")));
    }
}
