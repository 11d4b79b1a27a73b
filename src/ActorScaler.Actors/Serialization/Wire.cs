using System.Buffers;
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

    /// <summary>Writes a nested message as a length-delimited field. The nested bytes go to a pooled
    /// buffer first (its length must precede it): a MemoryStream and a CodedOutputStream per nested
    /// message cost over 4 KB each, which for gossip of replicated scraper points (dozens of nested
    /// messages per register, every gossip round) was most of a member's allocation at 2,000 nodes.</summary>
    public static void Message<T>(this CodedOutputStream output, int field, T value, Action<T, CodedOutputStream> write)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(write);
        var size = NestedBufferSize;
        while (true)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                var nested = new CodedOutputStream(buffer);
                write(value, nested);
                var length = (int)nested.Position;
                output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                // Wrapping without a copy is safe: WriteBytes copies the bytes before the buffer goes back.
                output.WriteBytes(UnsafeByteOperations.UnsafeWrap(new ReadOnlyMemory<byte>(buffer, 0, length)));
                return;
            }
            catch (CodedOutputStream.OutOfSpaceException)
            {
                size = buffer.Length * 4;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private const int NestedBufferSize = 4096;

    /// <summary>Reads a nested message written by <see cref="Message{T}"/> (over the field's bytes, no copy).</summary>
    public static T Message<T>(this CodedInputStream input, Func<CodedInputStream, T> read)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(read);
        return read(input.ReadBytes().CreateCodedInput());
    }

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
