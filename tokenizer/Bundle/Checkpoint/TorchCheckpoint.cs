using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SpeechPairs.Tokenizer.Bundle.Checkpoint;

/// <summary>
/// A <c>torch.save</c> file read as <c>torch.load</c> reads a state dict, without PyTorch and without running any
/// pickled code. Opening reads only the pickle (tensor descriptions); a tensor's bytes are read when
/// <see cref="ReadFloat32"/> asks for it, so keys nobody asks for (a decoder, an optimizer) are never read.
/// </summary>
/// <remarks>
/// The two formats <c>torch.load</c> reads:
/// <list type="bullet">
/// <item>zip (PyTorch ≥ 1.6): one top folder (any name) holding <c>data.pkl</c> (the pickled object),
/// <c>data/&lt;key&gt;</c> (each storage's raw little-endian bytes) and optionally <c>byteorder</c>.
/// Persistent id: <c>('storage', type, key, location, numel)</c>.</item>
/// <item>legacy (<c>_use_new_zipfile_serialization=False</c>): five pickles back to back — the magic number
/// 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys-info dict (<c>little_endian</c>), the object
/// (persistent id <c>('storage', type, key, location, numel, view_metadata)</c>), then the list of storage keys;
/// then each storage in that list's order as an int64 element count followed by its bytes.</item>
/// </list>
/// A tensor is <c>_rebuild_tensor_v2(storage, offset, size, stride, ...)</c>: a strided view that may share its
/// storage with other tensors at any offset. The top-level object may wrap the state dict as
/// <c>{"state_dict": ...}</c>, as Step-Audio's loader accepts. Every size is checked against the file.
/// </remarks>
internal sealed class TorchCheckpoint : IDisposable
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("119547037146038801333356");
    private const long LegacyProtocol = 1001;

    private readonly string _path;
    private readonly FileStream _file;
    private readonly ZipArchive? _zip;
    private string _zipRoot = "";
    private (string Key, Stream Stream, long Position)? _openEntry;
    private readonly Dictionary<string, StorageRef> _storages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _legacyOffsets = new(StringComparer.Ordinal);

    private TorchCheckpoint(string path, FileStream file, ZipArchive? zip)
    {
        _path = path;
        _file = file;
        _zip = zip;
    }

    /// <summary>The state dict's tensors by key (the <c>"state_dict"</c> entry when the file wraps one).</summary>
    public IReadOnlyDictionary<string, StoredTensor> Tensors { get; private set; } = new Dictionary<string, StoredTensor>();

    public static TorchCheckpoint Open(string path)
    {
        var file = File.OpenRead(path);
        try
        {
            Span<byte> head = stackalloc byte[2];
            if (file.ReadAtLeast(head, 2, throwOnEndOfStream: false) < 2)
                throw new BundleException(path, "empty or truncated file, not a PyTorch checkpoint");
            file.Position = 0;
            TorchCheckpoint checkpoint;
            if (head[0] == (byte)'P' && head[1] == (byte)'K') checkpoint = OpenZip(path, file);
            else if (head[0] == 0x80 && head[1] is >= 2 and <= 5)
            {
                try { checkpoint = OpenLegacy(path, file); }
                catch (BundleException e) { throw new BundleException(path, "legacy (pre-zip) torch.save file: " + e.Problem, e); }
            }
            else throw new BundleException(path, "not a PyTorch checkpoint (neither a zip nor a legacy torch.save file)");
            return checkpoint;
        }
        catch (Exception e) when (e is not BundleException)
        {
            file.Dispose();
            throw new BundleException(path, $"not a readable PyTorch state dict ({e.GetType().Name}: {e.Message})", e);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static TorchCheckpoint OpenZip(string path, FileStream file)
    {
        var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        var checkpoint = new TorchCheckpoint(path, file, zip);
        try
        {
            var pkl = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                ?? throw new BundleException(path, "a zip, but not a PyTorch checkpoint (no <folder>/data.pkl)");
            string root = pkl.FullName[..^"data.pkl".Length];
            checkpoint._zipRoot = root;
            var byteorder = zip.GetEntry(root + "byteorder");
            if (byteorder is not null)
            {
                using var reader = new StreamReader(byteorder.Open());
                string order = reader.ReadToEnd().Trim();
                if (order != "little") throw new BundleException(path, $"storages are {order}-endian; only little-endian checkpoints are read");
            }
            using var stream = pkl.Open();
            var unpickler = new RestrictedUnpickler(path, stream, pkl.Length, checkpoint.ZipStorage, checkpoint.Call);
            checkpoint.SetStateDict(unpickler.Load());
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    private static TorchCheckpoint OpenLegacy(string path, FileStream file)
    {
        var checkpoint = new TorchCheckpoint(path, file, null);
        object? Next(Func<object?[], object> persistentLoad)
        {
            var unpickler = new RestrictedUnpickler(path, file, file.Length - file.Position, persistentLoad, checkpoint.Call);
            return unpickler.Load();
        }
        object NoStorage(object?[] _) => throw new BundleException(path, "legacy header refers to a storage");

        if (Next(NoStorage) is not BigInteger magic || magic != LegacyMagic)
            throw new BundleException(path, "starts like a pickle but not like a legacy torch.save file (wrong magic number)");
        if (Next(NoStorage) is not long protocol || protocol != LegacyProtocol)
            throw new BundleException(path, "legacy torch.save file of an unknown protocol version");
        if (Next(NoStorage) is not Dictionary<object, object?> sysInfo || !(sysInfo.GetValueOrDefault("little_endian") is true))
            throw new BundleException(path, "legacy torch.save file written on a big-endian machine; only little-endian checkpoints are read");
        checkpoint.SetStateDict(Next(checkpoint.LegacyStorage));
        if (Next(NoStorage) is not List<object?> keys)
            throw new BundleException(path, "legacy torch.save file without its list of storage keys");

        var count = new byte[8];
        foreach (var item in keys)
        {
            if (item is not string key || !checkpoint._storages.TryGetValue(key, out var storage))
                throw new BundleException(path, $"legacy storage list names '{item}', which no tensor uses");
            if (file.ReadAtLeast(count, 8, throwOnEndOfStream: false) < 8)
                throw new BundleException(path, $"truncated: storage '{key}' is missing");
            long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel != storage.Numel)
                throw new BundleException(path, $"storage '{key}' holds {numel} elements, the pickle says {storage.Numel}");
            long bytes = checked(numel * storage.ElementSize);
            if (bytes > file.Length - file.Position)
                throw new BundleException(path, $"truncated: storage '{key}' needs {bytes} bytes, {file.Length - file.Position} remain");
            checkpoint._legacyOffsets[key] = file.Position;
            file.Seek(bytes, SeekOrigin.Current);
        }
        return checkpoint;
    }

    private object ZipStorage(object?[] pid) => Storage(pid, expectedLength: 5);

    private object LegacyStorage(object?[] pid)
    {
        if (pid.Length == 6 && pid[5] is not null)
            throw new BundleException(_path, "a storage view (pre-1.0 view_metadata), which PyTorch itself no longer writes");
        return Storage(pid, expectedLength: 6);
    }

    private StorageRef Storage(object?[] pid, int expectedLength)
    {
        if (pid.Length != expectedLength || pid[0] is not "storage" || pid[1] is not PickleGlobal type || pid[2] is not string key || pid[4] is not long numel || numel < 0)
            throw new BundleException(_path, "a persistent id that is not a ('storage', type, key, location, numel) tuple");
        var (dtype, size) = type.Name switch
        {
            "FloatStorage" => (ScalarType.Float32, 4), "HalfStorage" => (ScalarType.Float16, 2),
            "BFloat16Storage" => (ScalarType.BFloat16, 2), "DoubleStorage" => (ScalarType.Float64, 8),
            "LongStorage" => (ScalarType.Int64, 8), "IntStorage" => (ScalarType.Int32, 4),
            "ShortStorage" => (ScalarType.Int16, 2), "CharStorage" => (ScalarType.Int8, 1),
            "ByteStorage" => (ScalarType.Byte, 1), "BoolStorage" => (ScalarType.Bool, 1),
            _ => throw new BundleException(_path, $"'{type.FullName}' is not a storage type"),
        };
        if (_storages.TryGetValue(key, out var seen))
        {
            if (seen.DType != dtype || seen.Numel != numel) throw new BundleException(_path, $"storage '{key}' is described two different ways");
            return seen;
        }
        if (_zip is not null)
        {
            var entry = _zip.GetEntry(_zipRoot + "data/" + key)
                ?? throw new BundleException(_path, $"storage '{key}' is missing from the zip");
            if (entry.Length != checked(numel * size))
                throw new BundleException(_path, $"storage '{key}' has {entry.Length} bytes, the pickle says {numel} × {size}");
        }
        var storage = new StorageRef(key, dtype, size, numel);
        _storages[key] = storage;
        return storage;
    }

    private object Call(PickleGlobal f, object?[] args)
    {
        switch (f.FullName)
        {
            case "collections.OrderedDict":
            {
                // torch.save fills it with SETITEMS; other picklers (TorchSharp.PyBridge) pass a list of pairs.
                var dict = new Dictionary<object, object?>();
                if (args.Length == 0) return dict;
                if (args.Length != 1 || args[0] is not IEnumerable<object?> pairs)
                    throw new BundleException(_path, "OrderedDict built from something other than a list of pairs");
                foreach (var pair in pairs)
                {
                    if (pair is not IList<object?> { Count: 2 } kv || kv[0] is null)
                        throw new BundleException(_path, "OrderedDict built from something other than a list of pairs");
                    dict[kv[0]!] = kv[1];
                }
                return dict;
            }
            case "torch._utils._rebuild_tensor" or "torch._utils._rebuild_tensor_v2":
                return Tensor(args);
            case "torch._utils._rebuild_parameter":
                return args.Length >= 1 && args[0] is StoredTensor t ? t : throw new BundleException(_path, "_rebuild_parameter without a tensor");
            default:
                throw new BundleException(_path, $"the pickle calls '{f.FullName}', which is not a function");
        }
    }

    private StoredTensor Tensor(object?[] args)
    {
        if (args.Length < 4 || args[0] is not StorageRef storage || args[1] is not long offset
            || args[2] is not object?[] size || args[3] is not object?[] stride || size.Length != stride.Length)
            throw new BundleException(_path, "_rebuild_tensor_v2 with arguments other than (storage, offset, size, stride, ...)");
        long[] shape = size.Select(s => s is long v && v >= 0 ? v : -1).ToArray();
        long[] strides = stride.Select(s => s is long v && v >= 0 ? v : -1).ToArray();
        if (shape.Contains(-1) || strides.Contains(-1) || shape.Length > 8)
            throw new BundleException(_path, "a tensor with a negative, non-integer or too many dimensions");
        var tensor = new StoredTensor(storage, offset, shape, strides);
        long extent;
        try { extent = tensor.Extent; }
        catch (OverflowException) { throw new BundleException(_path, "a tensor whose size overflows"); }
        if (offset < 0 || offset > storage.Numel || extent > storage.Numel - offset)
            throw new BundleException(_path, $"a tensor reaches past its storage '{storage.Key}' (offset {offset}, extent {extent}, storage {storage.Numel})");
        return tensor;
    }

    private void SetStateDict(object? top)
    {
        if (top is not Dictionary<object, object?> dict)
            throw new BundleException(_path, $"the checkpoint holds a {top?.GetType().Name ?? "None"}, not a state dict");
        if (dict.GetValueOrDefault("state_dict") is Dictionary<object, object?> inner) dict = inner;
        Tensors = dict.Where(e => e.Key is string && e.Value is StoredTensor)
            .ToDictionary(e => (string)e.Key, e => (StoredTensor)e.Value!, StringComparer.Ordinal);
    }

    /// <summary>
    /// The tensor's values as a contiguous float32 CPU tensor: what <c>load_state_dict</c> copies into a float32
    /// parameter (half, bfloat16 and double values converted exactly as <c>Tensor.copy_</c> does).
    /// </summary>
    public Tensor ReadFloat32(StoredTensor tensor)
    {
        var storage = tensor.Storage;
        long extent = tensor.Extent;
        if (storage.DType is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64))
            throw new BundleException(_path, $"a {storage.DType} tensor where a floating-point one is needed");
        if (extent > Array.MaxLength) throw new BundleException(_path, $"tensor of {extent} elements is too large to read");
        long start = checked(tensor.StorageOffset * storage.ElementSize);
        Stream source;
        if (_zip is not null)
        {
            source = ZipEntryAt(storage.Key, start);
        }
        else
        {
            _file.Position = _legacyOffsets.TryGetValue(storage.Key, out long at)
                ? at + start
                : throw new BundleException(_path, $"storage '{storage.Key}' is not in the legacy storage list");
            source = _file;
        }
        // Straight into libtorch's buffer: no managed copy of a 600 MB encoder waits for the GC.
        var flat = TorchSharp.torch.empty(extent, ScalarType.Float32);
        try
        {
            Fill(source, storage, Values(flat, (int)extent));
        }
        catch
        {
            flat.Dispose();
            _openEntry?.Stream.Dispose();
            _openEntry = null;
            throw;
        }
        if (_zip is not null) _openEntry = (storage.Key, _openEntry!.Value.Stream, start + extent * storage.ElementSize);
        using (flat)
        using (var view = flat.as_strided(tensor.Shape, tensor.Stride, 0))
            return view.contiguous();
    }

    // A CPU tensor's bytes property is a span over libtorch's own memory.
    private static Span<float> Values(Tensor flat, int count) => MemoryMarshal.Cast<byte, float>(flat.bytes)[..count];

    // Widens half, bfloat16 and double in chunks as Tensor.copy_ does (exact for half and bfloat16, round to
    // nearest for double); float32 is read in place.
    private static void Fill(Stream source, StorageRef storage, Span<float> values)
    {
        if (storage.DType == ScalarType.Float32)
        {
            source.ReadExactly(MemoryMarshal.AsBytes(values));
            return;
        }
        int size = storage.ElementSize;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            for (int done = 0; done < values.Length;)
            {
                int n = Math.Min(values.Length - done, buffer.Length / size);
                var bytes = buffer.AsSpan(0, n * size);
                source.ReadExactly(bytes);
                var dst = values.Slice(done, n);
                switch (storage.DType)
                {
                    case ScalarType.Float16:
                        for (int i = 0; i < n; i++) dst[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]));
                        break;
                    case ScalarType.BFloat16:
                        for (int i = 0; i < n; i++) dst[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                        break;
                    default:
                        for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                        break;
                }
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Zip entry streams cannot seek; keep the last one open so views read in storage order (one shared storage)
    // skip forward instead of rereading from the start.
    private Stream ZipEntryAt(string key, long start)
    {
        if (_openEntry is not { } open || open.Key != key || open.Position > start)
        {
            _openEntry?.Stream.Dispose();
            open = (key, _zip!.GetEntry(_zipRoot + "data/" + key)!.Open(), 0);
        }
        Skip(open.Stream, start - open.Position);
        _openEntry = open with { Position = start };
        return open.Stream;
    }

    private static void Skip(Stream stream, long count)
    {
        var buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int n = stream.Read(buffer, 0, (int)Math.Min(count, buffer.Length));
            if (n == 0) throw new EndOfStreamException();
            count -= n;
        }
    }

    public void Dispose()
    {
        _openEntry?.Stream.Dispose();
        _zip?.Dispose();
        _file.Dispose();
    }
}
