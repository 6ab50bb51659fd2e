namespace SpeechPairs.Tokenizer.Bundle;

/// <summary>
/// Checks that a file is a whole ONNX model without loading it: the top level of its ModelProto (protobuf) is walked
/// field by field, seeking past each length-delimited field, so an empty, truncated or foreign file is found in
/// milliseconds however large the model is. ONNX Runtime still validates the graph when the shards load it.
/// </summary>
public static class OnnxFileCheck
{
    // ModelProto field numbers: ir_version = 1 (varint), graph = 7 (message).
    private const int IrVersionField = 1;
    private const int GraphField = 7;

    /// <summary>Throws <see cref="BundleException"/> naming the file and what is wrong with it.</summary>
    public static void Check(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (file.Length == 0)
            throw new BundleException(path, "empty file, not an ONNX model");
        bool irVersion = false, graph = false;
        while (file.Position < file.Length)
        {
            var tag = ReadVarint(file, path);
            var field = (long)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (field == 0)
                throw new BundleException(path, "not an ONNX model (field number 0 in its protobuf)");
            switch (wireType)
            {
                case 0:
                    ReadVarint(file, path);
                    irVersion |= field == IrVersionField;
                    break;
                case 1:
                    Skip(file, 8, path);
                    break;
                case 2:
                    var length = ReadVarint(file, path);
                    if (length > (ulong)(file.Length - file.Position))
                        throw new BundleException(path, $"truncated: field {field} needs {length} bytes but the file ends {file.Length - file.Position} bytes later");
                    Skip(file, (long)length, path);
                    graph |= field == GraphField;
                    break;
                case 5:
                    Skip(file, 4, path);
                    break;
                default:
                    throw new BundleException(path, $"not an ONNX model (protobuf wire type {wireType} at byte {file.Position})");
            }
        }
        if (!irVersion || !graph)
            throw new BundleException(path, "not an ONNX model (no " + (irVersion ? "graph" : "ir_version") + " field)");
    }

    private static ulong ReadVarint(Stream stream, string path)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = stream.ReadByte();
            if (b < 0)
                throw new BundleException(path, "truncated: the file ends inside a protobuf field");
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
        throw new BundleException(path, "not an ONNX model (malformed protobuf varint)");
    }

    private static void Skip(Stream stream, long count, string path)
    {
        if (stream.Length - stream.Position < count)
            throw new BundleException(path, "truncated: the file ends inside a protobuf field");
        stream.Seek(count, SeekOrigin.Current);
    }
}
