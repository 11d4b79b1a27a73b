using System.Text.Json.Nodes;
using ActorScaler.Simulator.Storage;
using Google.Protobuf;

namespace ActorScaler.Simulator.Api.Protobuf;

/// <summary>
/// Decodes Kubernetes protobuf request bodies (application/vnd.kubernetes.protobuf) into the JSON
/// form the rest of the server works on. kubectl 1.32+ sends these for `create …` and `autoscale`
/// with no JSON fallback. Wire format: the 4-byte magic "k8s\0", then a runtime.Unknown
/// {typeMeta{apiVersion, kind}, raw, contentEncoding, contentType} whose raw is the object.
/// </summary>
public static class KubeProtobuf
{
    public static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    public static JsonObject DecodeObject(ReadOnlySpan<byte> body, string expectedApiVersion, string expectedKind)
    {
        if (!body.StartsWith(Magic)) throw StatusException.BadRequest("protobuf body does not start with the \"k8s\\x00\" prefix");
        string apiVersion = "", kind = "";
        ReadOnlyMemory<byte> raw = default;
        var input = new CodedInputStream(body[Magic.Length..].ToArray());
        try
        {
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1:
                        var typeMeta = new CodedInputStream(input.ReadBytes().ToByteArray());
                        uint t;
                        while ((t = typeMeta.ReadTag()) != 0)
                        {
                            if (WireFormat.GetTagFieldNumber(t) == 1) apiVersion = typeMeta.ReadString();
                            else if (WireFormat.GetTagFieldNumber(t) == 2) kind = typeMeta.ReadString();
                            else typeMeta.SkipLastField();
                        }
                        break;
                    case 2:
                        raw = input.ReadBytes().Memory;
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw StatusException.BadRequest($"protobuf body is not a valid runtime.Unknown: {e.Message}");
        }
        if (apiVersion.Length == 0) apiVersion = expectedApiVersion;
        if (kind.Length == 0) kind = expectedKind;
        var schema = ProtoSchema.For(apiVersion, kind)
            ?? throw new StatusException(415, StatusReasons.UnsupportedMediaType,
                $"the body of the request was in an unknown format - protobuf is not supported for {apiVersion}, Kind={kind}; accepted media types include: application/json");
        JsonObject obj;
        try
        {
            obj = DecodeMessage(raw.ToArray(), schema);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw StatusException.BadRequest($"protobuf body for {kind} could not be decoded: {e.Message}");
        }
        var result = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion };
        foreach (var (k, v) in obj.ToList())
        {
            obj.Remove(k);
            result[k] = v;
        }
        return result;
    }

    internal static JsonObject DecodeMessage(byte[] bytes, ProtoMessage schema)
    {
        var obj = new JsonObject();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = schema.Field(WireFormat.GetTagFieldNumber(tag));
            if (field is null)
            {
                input.SkipLastField();
                continue;
            }
            var wire = WireFormat.GetTagWireType(tag);
            if (field.Repeated && wire == WireFormat.WireType.LengthDelimited && field.Kind is ProtoKind.Int32 or ProtoKind.Int64)
            {
                // A packed repeated scalar.
                var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                while (!packed.IsAtEnd) Append(obj, field.Name, field.Kind == ProtoKind.Int32 ? packed.ReadInt32() : packed.ReadInt64());
                continue;
            }
            JsonNode? value = ReadValue(input, field);
            if (field.Repeated)
            {
                Append(obj, field.Name, value);
            }
            else if (value is not null)
            {
                if (field.Kind is ProtoKind.StringMap or ProtoKind.BytesMap or ProtoKind.QuantityMap)
                {
                    // Map entries arrive one per occurrence of the field.
                    var map = obj[field.Name] as JsonObject ?? [];
                    obj[field.Name] = map;
                    foreach (var (k, v) in ((JsonObject)value).ToList())
                    {
                        ((JsonObject)value).Remove(k);
                        map[k] = v;
                    }
                }
                else
                {
                    obj[field.Name] = value;
                }
            }
            else
            {
                obj.Remove(field.Name);
            }
        }
        return obj;
    }

    private static void Append(JsonObject obj, string name, JsonNode? value)
    {
        if (obj[name] is not JsonArray array)
        {
            array = [];
            obj[name] = array;
        }
        array.Add(value);
    }

    private static JsonNode? ReadValue(CodedInputStream input, ProtoField field)
    {
        switch (field.Kind)
        {
            case ProtoKind.String:
            {
                var s = input.ReadString();
                // go-to-protobuf writes non-pointer strings even when empty; JSON omits them.
                return s.Length == 0 && !field.Repeated ? null : s;
            }
            case ProtoKind.Int32:
            {
                var v = input.ReadInt32();
                return v == 0 && field.OmitZero ? null : v;
            }
            case ProtoKind.Int64:
            {
                var v = input.ReadInt64();
                return v == 0 && field.OmitZero ? null : v;
            }
            case ProtoKind.Bool:
            {
                var b = input.ReadBool();
                return b ? true : null;
            }
            case ProtoKind.Bytes:
                return Convert.ToBase64String(input.ReadBytes().Span);
            case ProtoKind.Message:
                return DecodeMessage(input.ReadBytes().ToByteArray(), field.Message!);
            case ProtoKind.Quantity:
                return ReadQuantity(input.ReadBytes().ToByteArray());
            case ProtoKind.IntOrString:
                return ReadIntOrString(input.ReadBytes().ToByteArray());
            case ProtoKind.Time:
                return ReadTime(input.ReadBytes().ToByteArray());
            case ProtoKind.StringMap:
            case ProtoKind.BytesMap:
            case ProtoKind.QuantityMap:
                return ReadMapEntry(input.ReadBytes().ToByteArray(), field.Kind);
            default:
                input.SkipLastField();
                return null;
        }
    }

    private static JsonObject ReadMapEntry(byte[] bytes, ProtoKind kind)
    {
        var input = new CodedInputStream(bytes);
        string key = "";
        JsonNode? value = kind == ProtoKind.QuantityMap ? "0" : "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1:
                    key = input.ReadString();
                    break;
                case 2:
                    value = kind switch
                    {
                        ProtoKind.BytesMap => Convert.ToBase64String(input.ReadBytes().Span),
                        ProtoKind.QuantityMap => ReadQuantity(input.ReadBytes().ToByteArray()),
                        _ => input.ReadString(),
                    };
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }
        return new JsonObject { [key] = value };
    }

    private static string ReadQuantity(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        var text = "0";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) text = input.ReadString();
            else input.SkipLastField();
        }
        return text;
    }

    private static JsonNode ReadIntOrString(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        long type = 0;
        var intVal = 0;
        var strVal = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: type = input.ReadInt64(); break;
                case 2: intVal = input.ReadInt32(); break;
                case 3: strVal = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }
        return type == 1 ? strVal : intVal;
    }

    private static string? ReadTime(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        long seconds = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) seconds = input.ReadInt64();
            else input.SkipLastField();
        }
        // A zero metav1.Time marshals as an empty message; JSON has null for it.
        return seconds == 0 ? null : ClusterStore.FormatTime(DateTimeOffset.FromUnixTimeSeconds(seconds));
    }
}
