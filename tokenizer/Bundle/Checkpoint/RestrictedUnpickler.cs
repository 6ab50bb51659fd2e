using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace SpeechPairs.Tokenizer.Bundle.Checkpoint;

/// <summary>
/// A pickle virtual machine for exactly what <c>torch.save</c> writes for a state dict (protocols 2-5): ints, floats,
/// strings, bytes, tuples, lists, dicts, <c>None</c>/booleans, the memo, persistent ids, and calls (REDUCE) of a
/// fixed set of globals. Nothing is ever executed: a global outside <see cref="AllowedGlobals"/> (e.g.
/// <c>os.system</c>, <c>builtins.eval</c>) is refused the moment it is named, and every length is checked against
/// the bytes that remain before anything is allocated.
/// </summary>
/// <remarks>
/// Razorvine.Pickle (under TorchSharp.PyBridge) is not used here: its constructor registry is one process-wide
/// static table (PyBridge registers into it too), unknown globals silently become dictionaries instead of failing,
/// and its readers do not expose where a pickle ends, which the legacy format needs to find its storages.
/// </remarks>
internal sealed class RestrictedUnpickler
{
    /// <summary>Tensor rebuild functions, the state dict's container, and the storage types of persistent ids.</summary>
    public static readonly IReadOnlySet<string> AllowedGlobals = new HashSet<string>(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
        "torch.FloatStorage", "torch.HalfStorage", "torch.BFloat16Storage", "torch.DoubleStorage",
        "torch.LongStorage", "torch.IntStorage", "torch.ShortStorage", "torch.CharStorage", "torch.ByteStorage",
        "torch.BoolStorage",
    };

    private static readonly object Mark = new();

    private readonly Stream _stream;
    private readonly long _limit;
    private readonly string _path;
    private readonly Func<object?[], object> _persistentLoad;
    private readonly Func<PickleGlobal, object?[], object> _call;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private long _read;

    /// <param name="path">The file, for error messages.</param>
    /// <param name="stream">Positioned at the pickle; it is read up to and including STOP, never further.</param>
    /// <param name="limit">Bytes the pickle may occupy at most (what is left of the file or zip entry).</param>
    /// <param name="persistentLoad">Turns a persistent id tuple into an object (a storage reference).</param>
    /// <param name="call">Applies an allowed global to its arguments (REDUCE).</param>
    public RestrictedUnpickler(string path, Stream stream, long limit,
        Func<object?[], object> persistentLoad, Func<PickleGlobal, object?[], object> call)
    {
        _path = path;
        _stream = stream;
        _limit = limit;
        _persistentLoad = persistentLoad;
        _call = call;
    }

    /// <summary>Bytes consumed so far (after <see cref="Load"/>: the pickle's length).</summary>
    public long BytesRead => _read;

    public object? Load()
    {
        while (true)
        {
            byte op = ReadByte();
            switch (op)
            {
                case 0x80: if (ReadByte() > 5) Fail("pickle protocol above 5"); break; // PROTO
                case 0x95: Read(8); break;                                             // FRAME: length only
                case (byte)'.':                                                         // STOP
                    if (_stack.Count != 1 || _marks.Count != 0) Fail("malformed pickle (stack not balanced at STOP)");
                    return _stack[0];
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'K': Push((long)ReadByte()); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Read(2))); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Read(4))); break;
                case 0x8a: Push(Long(Read(ReadByte()))); break;                         // LONG1
                case 0x8b: Push(Long(Read(Length(BinaryPrimitives.ReadInt32LittleEndian(Read(4)))))); break;
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Read(8))); break;
                case (byte)'X': Push(Encoding.UTF8.GetString(Read(Length(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))))); break;
                case 0x8c: Push(Encoding.UTF8.GetString(Read(ReadByte()))); break;      // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Read(Length(BinaryPrimitives.ReadInt64LittleEndian(Read(8)))))); break;
                case (byte)'T': Push(Encoding.Latin1.GetString(Read(Length(BinaryPrimitives.ReadInt32LittleEndian(Read(4)))))); break;
                case (byte)'U': Push(Encoding.Latin1.GetString(Read(ReadByte()))); break;
                case (byte)'B': Push(Read(Length(BinaryPrimitives.ReadUInt32LittleEndian(Read(4))))); break;
                case (byte)'C': Push(Read(ReadByte())); break;
                case 0x8e: Push(Read(Length(BinaryPrimitives.ReadInt64LittleEndian(Read(8))))); break;
                case (byte)'(': _marks.Add(_stack.Count); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopMark(); break;
                case (byte)'2': Push(Peek()); break;
                case (byte)')': Push(Array.Empty<object?>()); break;
                case (byte)'t': Push(PopMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)']': Push(new List<object?>()); break;
                case (byte)'l': Push(PopMark()); break;
                case (byte)'a': { var v = Pop(); As<List<object?>>(Peek()).Add(v); break; }
                case (byte)'e': { var items = PopMark(); As<List<object?>>(Peek()).AddRange(items); break; }
                case (byte)'}': Push(new Dictionary<object, object?>()); break;
                case (byte)'d': { var items = PopMark(); var d = new Dictionary<object, object?>(); SetItems(d, items); Push(d); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(As<Dictionary<object, object?>>(Peek()), [k, v]); break; }
                case (byte)'u': { var items = PopMark(); SetItems(As<Dictionary<object, object?>>(Peek()), items); break; }
                case (byte)'q': _memo[ReadByte()] = Peek(); break;                      // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Read(4))] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break;                          // MEMOIZE
                case (byte)'h': Push(Memo(ReadByte())); break;                          // BINGET
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Read(4)))); break;
                case (byte)'c': Push(Global(ReadLine(), ReadLine())); break;            // GLOBAL
                case 0x93: { var name = As<string>(Pop()); var module = As<string>(Pop()); Push(Global(module, name)); break; }
                case (byte)'Q': Push(_persistentLoad(As<object?[]>(Pop()))); break;    // BINPERSID
                case (byte)'R': { var args = As<object?[]>(Pop()); var f = As<PickleGlobal>(Pop()); Push(_call(f, args)); break; }
                case (byte)'b':                                                         // BUILD
                {
                    // Only the state dict's own attributes (OrderedDict._metadata): kept out of the entries.
                    var state = Pop();
                    if (Peek() is not Dictionary<object, object?> || state is not Dictionary<object, object?>)
                        Fail("pickle sets the state of something other than a dict");
                    break;
                }
                default:
                    Fail($"pickle opcode 0x{op:x2} at byte {_read - 1}, which a state dict never uses");
                    break;
            }
        }
    }

    private PickleGlobal Global(string module, string name)
    {
        var g = new PickleGlobal(module, name);
        if (!AllowedGlobals.Contains(g.FullName))
            Fail($"the pickle asks for the global '{g.FullName}'; a state dict needs only tensor rebuild functions, storage types and OrderedDict, so it is refused");
        return g;
    }

    private void SetItems(Dictionary<object, object?> dict, List<object?> items)
    {
        if (items.Count % 2 != 0) Fail("malformed pickle (odd number of dict items)");
        for (int i = 0; i < items.Count; i += 2)
            dict[items[i] ?? Fail<object>("malformed pickle (None as a dict key)")] = items[i + 1];
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : Fail<object>($"malformed pickle (memo {key} read before it is written)");

    private static object Long(byte[] littleEndian)
    {
        var value = new BigInteger(littleEndian, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private void Push(object? o) => _stack.Add(o);

    private object? Peek() => _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0) ? _stack[^1] : Fail<object>("malformed pickle (stack underflow)");

    private object? Pop()
    {
        var o = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0) Fail("malformed pickle (no MARK)");
        int at = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(at, _stack.Count - at);
        _stack.RemoveRange(at, _stack.Count - at);
        return items;
    }

    private T As<T>(object? o) => o is T t ? t : Fail<T>($"malformed pickle (expected {typeof(T).Name}, found {o?.GetType().Name ?? "None"})");

    private int Length(long n)
    {
        if (n < 0 || n > _limit - _read) Fail($"pickle claims {n} bytes where only {_limit - _read} remain");
        return (int)n;
    }

    private byte ReadByte()
    {
        if (_read >= _limit) Fail("pickle ends without STOP");
        int b = _stream.ReadByte();
        if (b < 0) Fail("pickle ends without STOP");
        _read++;
        return (byte)b;
    }

    private byte[] Read(int n)
    {
        Length(n);
        var bytes = new byte[n];
        try { _stream.ReadExactly(bytes); }
        catch (EndOfStreamException) { Fail("pickle ends without STOP"); }
        _read += n;
        return bytes;
    }

    private string ReadLine()
    {
        var sb = new StringBuilder();
        for (byte b; (b = ReadByte()) != (byte)'\n';)
        {
            if (sb.Length > 256) Fail("malformed pickle (GLOBAL name too long)");
            sb.Append((char)b);
        }
        return sb.ToString();
    }

    private void Fail(string why) => throw new BundleException(_path, why);

    private T Fail<T>(string why) => throw new BundleException(_path, why);
}
