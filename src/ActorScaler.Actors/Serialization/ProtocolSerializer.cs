using System.Collections.Frozen;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;

namespace ActorScaler.Actors.Serialization;

/// <summary>
/// The one serializer for ActorScaler's cluster messages (bound to IActorScalerMessage): compact
/// protobuf wire format, short string manifests, no Newtonsoft or Hyperion on the wire. An unknown
/// manifest throws SerializationException so a member of another version drops the message instead
/// of tearing down the association.
/// </summary>
public sealed class ProtocolSerializer : SerializerWithStringManifest
{
    /// <summary>Akka reserves 0-100 for itself; this number must never change once deployed.</summary>
    public const int SerializerId = 4053;

    private readonly FrozenDictionary<Type, MessageCodec> _byType;
    private readonly FrozenDictionary<string, MessageCodec> _byManifest;

    public ProtocolSerializer(ExtendedActorSystem system)
        : this(system, ProtocolCodecs.All)
    {
    }

    internal ProtocolSerializer(ExtendedActorSystem system, IEnumerable<MessageCodec> codecs)
        : base(system)
    {
        var list = codecs.ToList();
        var duplicate = list.GroupBy(c => c.Manifest).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"manifest \"{duplicate.Key}\" is used by {string.Join(", ", duplicate.Select(c => c.MessageType.Name))}");
        _byType = list.ToFrozenDictionary(c => c.MessageType);
        _byManifest = list.ToFrozenDictionary(c => c.Manifest, StringComparer.Ordinal);
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        _byType.TryGetValue(o.GetType(), out var codec)
            ? codec.Manifest
            : throw new SerializationException($"no ActorScaler codec for {o.GetType().FullName}");

    public override byte[] ToBinary(object obj)
    {
        if (!_byType.TryGetValue(obj.GetType(), out var codec))
            throw new SerializationException($"no ActorScaler codec for {obj.GetType().FullName}");
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            codec.Write(obj, output);
        }
        return buffer.ToArray();
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!_byManifest.TryGetValue(manifest, out var codec))
            throw new SerializationException($"unknown ActorScaler manifest \"{manifest}\" (a member of another version?)");
        try
        {
            return codec.Read(new CodedInputStream(bytes));
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new SerializationException($"malformed \"{manifest}\" message: {ex.Message}", ex);
        }
    }
}
