using System.Runtime.Serialization;
using System.Text.Json;
using ActorScaler.Actors.Cluster;
using ActorScaler.Actors.Hpa;
using ActorScaler.Actors.Protocol;
using ActorScaler.Actors.Serialization;
using ActorScaler.Actors.Tests.Cluster;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Serialization;

namespace ActorScaler.Actors.Tests.Serialization;

/// <summary>
/// Every message that crosses members, found by reflection (everything implementing the protocol marker
/// interfaces), in an actor system configured as a member is: Akka picks our protobuf serializer for it
/// (never Newtonsoft or Hyperion), and it round-trips equal. Plus the Akka envelopes our messages travel
/// in, and the manifest contract that lets two versions talk during a rolling update.
/// </summary>
public sealed class WireProtocolTests : IAsyncLifetime
{
    private static readonly Type[] Markers = [typeof(IActorScalerMessage), typeof(IWithHpaKey), typeof(IWithScaleTarget), typeof(IWithNodeName)];

    /// <summary>Manifests already deployed: each must keep naming the same message, or a member of the
    /// previous version would decode it as something else. Add new manifests; never change these.</summary>
    private static readonly IReadOnlyDictionary<string, string> Released = new Dictionary<string, string>
    {
        ["mse"] = "ActorScaler.Actors.Metrics.EnsureScraper",
        ["mss"] = "ActorScaler.Actors.Metrics.StopScraper",
        ["mnr"] = "ActorScaler.Actors.Metrics.NodeScrapeReport",
        ["Hen"] = "ActorScaler.Actors.Hpa.EnsureHpa",
        ["Hst"] = "ActorScaler.Actors.Hpa.StopHpa",
        ["Hgo"] = "ActorScaler.Actors.Hpa.GetHpaOwner",
        ["Hor"] = "ActorScaler.Actors.Hpa.HpaOwner",
    };

    private static readonly JsonSerializerOptions Json = new() { IncludeFields = true };

    private HostedMember _member = null!;

    private ActorSystem System => _member.System;

    public async Task InitializeAsync() => _member = await HostedMember.StartAsync(new ClusterMembership { Port = 0 });

    public async Task DisposeAsync() => await _member.DisposeAsync();

    private static List<Type> FindMessageTypes() =>
        typeof(IActorScalerMessage).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && Markers.Any(m => m.IsAssignableFrom(t)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

    public static TheoryData<Type> MessageTypes() => new(FindMessageTypes());

    private object RoundTrip(object message, out Serializer serializer)
    {
        serializer = System.Serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return System.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    private static string Snapshot(object value) => JsonSerializer.Serialize(value, value.GetType(), Json);

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void A_cluster_message_goes_through_our_serializer_and_round_trips_equal(Type type)
    {
        Assert.True(typeof(IActorScalerMessage).IsAssignableFrom(type),
            $"{type.FullName} is routed between members (IWithHpaKey/IWithNodeName) but does not implement IActorScalerMessage, so no serializer is bound to it");
        var message = new SampleMessages().Create(type);

        var back = RoundTrip(message, out var serializer);

        Assert.IsType<ProtocolSerializer>(serializer);
        Assert.Equal(ProtocolSerializer.SerializerId, serializer.Identifier);
        Assert.IsType(type, back);
        Assert.Equal(Snapshot(message), Snapshot(back));
    }

    [Fact]
    public void There_are_messages_to_check()
    {
        // Reflection finding nothing would make the theory above pass vacuously.
        var types = FindMessageTypes();
        Assert.Contains(typeof(EnsureHpa), types);
        Assert.Contains(typeof(ActorScaler.Actors.Metrics.NodeScrapeReport), types);
    }

    [Fact]
    public void The_sample_builder_fills_every_field_so_a_dropped_field_is_caught()
    {
        var owner = (HpaOwner)new SampleMessages().Create(typeof(HpaOwner));
        Assert.NotEqual(owner.CurrentReplicas, owner.DesiredReplicas);
        Assert.All(new object[] { owner.HpaKey, owner.Member, owner.LastReason }, v => Assert.False(string.IsNullOrEmpty((string)v)));
        Assert.NotEqual(0, owner.Passes);
    }

    [Fact]
    public void Sharding_envelopes_carry_our_messages_with_akkas_protobuf_serializer()
    {
        var envelope = new ShardingEnvelope("default/web", new EnsureHpa("default/web"));
        var back = Assert.IsType<ShardingEnvelope>(RoundTrip(envelope, out var serializer));
        AssertNotJson(serializer);
        Assert.Equal("default/web", back.EntityId);
        Assert.Equal(new EnsureHpa("default/web"), back.Message);

        var start = new ShardRegion.StartEntity("node-1");
        Assert.Equal(start, RoundTrip(start, out serializer));
        AssertNotJson(serializer);
    }

    [Fact]
    public void Published_reports_travel_in_pubsub_envelopes_with_our_payload_serializer()
    {
        var report = new SampleMessages().Create(typeof(ActorScaler.Actors.Metrics.NodeScrapeReport));
        var publish = new Publish(ActorScaler.Actors.Metrics.MetricsTopics.NodeMetrics, report);
        var back = Assert.IsType<Publish>(RoundTrip(publish, out var serializer));
        AssertNotJson(serializer);
        Assert.Equal(publish.Topic, back.Topic);
        Assert.Equal(Snapshot(report), Snapshot(back.Message));
    }

    [Fact]
    public void A_type_outside_the_protocol_is_refused_instead_of_falling_back_to_json()
    {
        // Strict serialization: a message someone forgot to mark fails loudly here and on the wire.
        var error = Assert.ThrowsAny<Exception>(() => System.Serialization.FindSerializerFor(new NotAProtocolMessage("x")).ToBinary(new NotAProtocolMessage("x")));
        Assert.Contains(nameof(NotAProtocolMessage), error.Message);
    }

    [Fact]
    public void Released_manifests_keep_naming_the_same_messages_and_no_manifest_is_shared()
    {
        var codecs = ProtocolCodecs.All.ToList();
        var byManifest = codecs.ToDictionary(c => c.Manifest, c => c.MessageType.FullName, StringComparer.Ordinal);
        foreach (var (manifest, type) in Released)
        {
            Assert.True(byManifest.TryGetValue(manifest, out var now), $"manifest \"{manifest}\" ({type}) was removed: members of the previous version still send it");
            Assert.Equal(type, now);
        }
        Assert.Equal(codecs.Count, codecs.Select(c => c.MessageType).Distinct().Count());
        // Short manifests: one travels with every message.
        Assert.All(codecs, c => Assert.InRange(c.Manifest.Length, 1, 3));
    }

    [Fact]
    public void An_unknown_manifest_fails_clearly_naming_it()
    {
        var serializer = (ProtocolSerializer)System.Serialization.FindSerializerForType(typeof(EnsureHpa));
        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary([0x0a, 0x01, 0x78], "Zz9"));
        Assert.Equal("unknown ActorScaler manifest \"Zz9\" (a member of another version?)", error.Message);
        // Through Akka's own entry point as well (what the remoting layer calls).
        Assert.Throws<SerializationException>(() => System.Serialization.Deserialize([0x0a, 0x01, 0x78], ProtocolSerializer.SerializerId, "Zz9"));
    }

    [Fact]
    public void A_truncated_payload_fails_as_a_serialization_error_naming_the_manifest()
    {
        var serializer = (ProtocolSerializer)System.Serialization.FindSerializerForType(typeof(EnsureHpa));
        var bytes = serializer.ToBinary(new EnsureHpa("default/web"));
        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(bytes[..^3], "Hen"));
        Assert.Contains("malformed \"Hen\" message", error.Message);
    }

    private static void AssertNotJson(Serializer serializer)
    {
        Assert.IsNotType<NewtonSoftJsonSerializer>(serializer);
        Assert.DoesNotContain("Hyperion", serializer.GetType().FullName, StringComparison.Ordinal);
        Assert.DoesNotContain("Json", serializer.GetType().Name, StringComparison.Ordinal);
    }

    private sealed record NotAProtocolMessage(string Name);
}
