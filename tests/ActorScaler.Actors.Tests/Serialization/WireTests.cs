using ActorScaler.Actors.Serialization;
using Google.Protobuf;
using Xunit;

namespace ActorScaler.Actors.Tests.Serialization;

public sealed class WireTests
{
    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
            write(output);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(5_000)]
    [InlineData(100_000)]
    public void Nested_messages_of_any_size_round_trip_inside_each_other(int length)
    {
        var text = new string('x', length);
        var bytes = Encode(o =>
        {
            o.Int32(1, 7);
            o.Message(2, text, static (t, o) => { o.String(1, t); o.Message(2, t.Length, static (n, o) => o.Int32(1, n)); });
            o.Int32(3, 9);
        });
        int first = 0, last = 0, inner = 0;
        string? read = null;
        var input = new CodedInputStream(bytes);
        input.ReadFields(field =>
        {
            switch (field)
            {
                case 1: first = input.ReadInt32(); return true;
                case 2:
                    input.Message(nested =>
                    {
                        nested.ReadFields(f =>
                        {
                            if (f == 1) { read = nested.ReadString(); return true; }
                            if (f == 2) { nested.Message(n => { n.ReadFields(_ => { inner = n.ReadInt32(); return true; }); return 0; }); return true; }
                            return false;
                        });
                        return 0;
                    });
                    return true;
                case 3: last = input.ReadInt32(); return true;
                default: return false;
            }
        });
        Assert.Equal((7, 9, length), (first, last, inner));
        Assert.Equal(length == 0 ? null : text, read);
    }
}
