using Google.Protobuf;

namespace ActorScaler.Actors.Serialization;

/// <summary>Small helpers for hand-written protobuf: tags, strings, nested lengths and skipping
/// unknown fields.</summary>
public static class Wire
{
    public static void String(this CodedOutputStream output, int field, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return;
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    public static void Int64(this CodedOutputStream output, int field, long value)
    {
        if (value == 0)
            return;
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
    }

    public static void Int32(this CodedOutputStream output, int field, int value)
    {
        if (value == 0)
            return;
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
    }

    public static void Bool(this CodedOutputStream output, int field, bool value)
    {
        if (!value)
            return;
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteBool(true);
    }

    public static void Double(this CodedOutputStream output, int field, double value)
    {
        if (value == 0)
            return;
        output.WriteTag(field, WireFormat.WireType.Fixed64);
        output.WriteDouble(value);
    }

    public static void Bytes(this CodedOutputStream output, int field, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
            return;
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(value));
    }

    /// <summary>Writes a nested message as a length-delimited field.</summary>
    public static void Message<T>(this CodedOutputStream output, int field, T value, Action<T, CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var nested = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(value, nested);
        }
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Reads a nested message written by <see cref="Message{T}"/>.</summary>
    public static T Message<T>(this CodedInputStream input, Func<CodedInputStream, T> read) =>
        read(new CodedInputStream(input.ReadBytes().ToByteArray()));

    /// <summary>Iterates the fields of a message: calls <paramref name="onField"/> with each field number;
    /// it returns false for fields it does not know, which are then skipped (forward compatibility).</summary>
    public static void ReadFields(this CodedInputStream input, Func<int, bool> onField)
    {
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (!onField(WireFormat.GetTagFieldNumber(tag)))
                input.SkipLastField();
        }
    }
}
