using ActorScaler.Actors.Serialization;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Google.Protobuf;

namespace ActorScaler.Actors.Tests.Serialization;

public sealed class ProtocolSerializerTests : TestKit
{
    private sealed record Probe(string Name, long Value);

    private static readonly MessageCodec<Probe> ProbeCodec = new(
        "tp",
        (m, o) => { o.String(1, m.Name); o.Int64(2, m.Value); },
        i =>
        {
            string name = "";
            long value = 0;
            i.ReadFields(field =>
            {
                switch (field)
                {
                    case 1: name = i.ReadString(); return true;
                    case 2: value = i.ReadInt64(); return true;
                    default: return false;
                }
            });
            return new Probe(name, value);
        });

    [Fact]
    public void Round_trips_through_its_codec_and_skips_unknown_fields()
    {
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys, [ProbeCodec]);
        var bytes = serializer.ToBinary(new Probe("web", 42));
        Assert.Equal(new Probe("web", 42), serializer.FromBinary(bytes, serializer.Manifest(new Probe("x", 1))));

        // A newer member added field 9: an older reader skips it.
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            output.String(1, "web");
            output.String(9, "from the future");
            output.Int64(2, 7);
        }
        Assert.Equal(new Probe("web", 7), serializer.FromBinary(buffer.ToArray(), "tp"));
    }

    [Fact]
    public void Unknown_manifests_and_types_fail_with_a_serialization_exception()
    {
        var serializer = new ProtocolSerializer((ExtendedActorSystem)Sys, [ProbeCodec]);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([], "zz"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.ToBinary("not ours"));
    }

    [Fact]
    public void Duplicate_manifests_are_rejected_at_start()
    {
        Assert.Throws<InvalidOperationException>(() => new ProtocolSerializer((ExtendedActorSystem)Sys, [ProbeCodec, ProbeCodec]));
    }
}
