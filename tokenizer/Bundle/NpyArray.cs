using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechPairs.Tokenizer.Bundle;

/// <summary>
/// A NumPy <c>.npy</c> array (format versions 1-3, C order, little-endian float32/float64/int32/int64).
/// Used for <c>linguistic_tokenizer.npy</c> and for the golden fixtures.
/// </summary>
public sealed partial class NpyArray
{
    private NpyArray(string dtype, long[] shape, byte[] data)
    {
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>NumPy type string without byte order, e.g. <c>f4</c>, <c>i8</c>.</summary>
    public string DType { get; }

    public long[] Shape { get; }

    /// <summary>Raw little-endian element bytes.</summary>
    public byte[] Data { get; }

    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Reads a file; <see cref="InvalidDataException"/> says what is wrong with it (the caller adds the path).</summary>
    public static NpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    public static NpyArray Read(Stream stream)
    {
        Span<byte> magic = stackalloc byte[8];
        if (stream.ReadAtLeast(magic, 8, throwOnEndOfStream: false) < 8 || magic[0] != 0x93 ||
            !magic[1..6].SequenceEqual("NUMPY"u8))
            throw new InvalidDataException("not a .npy file (bad magic)");
        int major = magic[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            stream.ReadExactly(len);
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(len);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            stream.ReadExactly(len);
            headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(len));
        }
        else throw new InvalidDataException($"unsupported .npy format version {major}");
        if (headerLength > 1 << 20) throw new InvalidDataException("implausible .npy header length");

        var headerBytes = new byte[headerLength];
        if (stream.ReadAtLeast(headerBytes, headerLength, throwOnEndOfStream: false) < headerLength)
            throw new InvalidDataException("truncated .npy header");
        string header = Encoding.Latin1.GetString(headerBytes);

        var descr = DescrPattern().Match(header);
        var order = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shapeMatch.Success)
            throw new InvalidDataException($"unreadable .npy header: {header.Trim()}");
        if (order.Groups[1].Value == "True") throw new InvalidDataException("Fortran-ordered arrays are not supported");
        string typeString = descr.Groups[1].Value;
        if (typeString[0] == '>') throw new InvalidDataException($"big-endian dtype {typeString} is not supported");
        string dtype = typeString.TrimStart('<', '|', '=');
        int itemSize = dtype switch
        {
            "f4" or "i4" or "u4" => 4,
            "f8" or "i8" or "u8" => 8,
            "i2" or "u2" or "f2" => 2,
            "i1" or "u1" or "b1" => 1,
            _ => throw new InvalidDataException($"unsupported dtype {typeString}"),
        };
        long[] shape = shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        long bytes = count * itemSize;
        if (stream.CanSeek && stream.Length - stream.Position < bytes)
            throw new InvalidDataException($"truncated: shape ({string.Join(", ", shape)}) needs {bytes} data bytes, file has {stream.Length - stream.Position}");
        if (bytes > Array.MaxLength) throw new InvalidDataException($"array too large ({bytes} bytes)");
        var data = new byte[bytes];
        if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length)
            throw new InvalidDataException($"truncated: shape ({string.Join(", ", shape)}) needs {bytes} data bytes");
        return new NpyArray(dtype, shape, data);
    }

    /// <summary>The elements as float32 (float64 data is rounded); throws for integer arrays.</summary>
    public float[] ToFloat32()
    {
        return DType switch
        {
            "f4" => MemoryMarshalCast<float>(),
            "f8" => MemoryMarshalCast<double>().Select(d => (float)d).ToArray(),
            _ => throw new InvalidDataException($"dtype {DType} is not floating point"),
        };
    }

    /// <summary>The elements as int64; throws for floating-point arrays.</summary>
    public long[] ToInt64()
    {
        return DType switch
        {
            "i8" => MemoryMarshalCast<long>(),
            "i4" => MemoryMarshalCast<int>().Select(v => (long)v).ToArray(),
            _ => throw new InvalidDataException($"dtype {DType} is not an integer type this reader converts"),
        };
    }

    private T[] MemoryMarshalCast<T>() where T : unmanaged
        => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(Data).ToArray();

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
