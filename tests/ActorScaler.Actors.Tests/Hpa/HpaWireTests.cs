using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Serialization;
using ActorScaler.Metrics.Storage;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using System.Collections.Immutable;

namespace ActorScaler.Actors.Tests.Hpa;

public sealed class HpaWireTests : TestKit
{
    [Fact]
    public void Region_messages_round_trip_through_the_protocol_serializer()
    {
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys);
        object[] messages =
        [
            new EnsureHpa("default/web"),
            new StopHpa("team-a/api"),
            new GetHpaOwner("default/web"),
            new HpaOwner("default/web", "akka.tcp://actorscaler@127.0.0.1:4053", 12, 3, 7, "cpu above target"),
            new HpaOwner("default/new", "akka.tcp://actorscaler@127.0.0.1:4054", 0, -1, -1, ""),
            new HpaOwner("default/zero", "akka.tcp://actorscaler@127.0.0.1:4054", 5, 0, 0, "ScaledToZero"),
        ];
        foreach (var message in messages)
            Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message)));
    }

    [Fact]
    public void Usage_converts_as_the_hpa_reads_metrics_server_quantities()
    {
        var usage = new PodUsage("default", "web-1", 1_700_000_000_123_000_000, 15_000_000_000,
            ImmutableArray.Create(new ContainerUsage("app", 1_500_001, 52_428_800), new ContainerUsage("sidecar", 1, 0)));
        var sample = PodMetricsConversion.ToSample(usage);

        Assert.Equal("web-1", sample.Pod);
        Assert.Equal(TimeSpan.FromSeconds(15), sample.Window);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), sample.Timestamp);
        // MilliValue rounds up: 1.500001m -> 2m, and a single nanocore is still 1m.
        Assert.Equal(2, sample.Containers[0].UsageMilli["cpu"]);
        Assert.Equal(1, sample.Containers[1].UsageMilli["cpu"]);
        Assert.Equal(52_428_800_000, sample.Containers[0].UsageMilli["memory"]);
        Assert.Equal(0, PodMetricsConversion.CpuMilli(0));
        Assert.Equal(1, PodMetricsConversion.CpuMilli(1_000_000));
    }
}
