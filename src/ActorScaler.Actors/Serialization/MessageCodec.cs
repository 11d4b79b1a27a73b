using Google.Protobuf;

namespace ActorScaler.Actors.Serialization;

/// <summary>
/// How one message type travels: a short manifest (2-3 characters, never reused for another shape)
/// and protobuf wire-format encoding written by hand with Google.Protobuf's coded streams. Field
/// numbers are the compatibility contract: add fields with new numbers, never renumber, and skip
/// unknown ones when reading, so members of two versions can talk during a rolling update.
/// Each feature declares its codecs beside its messages; <see cref="ProtocolSerializer"/> gathers them.
/// </summary>
public abstract class MessageCodec
{
    public abstract Type MessageType { get; }
    public abstract string Manifest { get; }
    public abstract void Write(object message, CodedOutputStream output);
    public abstract object Read(CodedInputStream input);
}

public sealed class MessageCodec<T>(string manifest, Action<T, CodedOutputStream> write, Func<CodedInputStream, T> read) : MessageCodec
    where T : notnull
{
    public override Type MessageType => typeof(T);
    public override string Manifest => manifest;
    public override void Write(object message, CodedOutputStream output) => write((T)message, output);
    public override object Read(CodedInputStream input) => read(input);
}
