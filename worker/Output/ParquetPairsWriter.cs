using Parquet;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Output;

/// <summary>
/// Streams pairs into a Parquet file (Parquet.Net, zstd): rows are buffered for one row group at a time, which is
/// written out once it reaches <c>rowGroupRows</c> rows or <c>rowGroupBytes</c> of string data, so memory stays bounded
/// whatever the data set size. Dispose writes the last group and the footer; the stream is left open for the caller
/// (who renames the temp file). Nothing time- or machine-dependent is written, so equal input gives equal bytes.
/// </summary>
public sealed class ParquetPairsWriter : IDisposable
{
    public const int DefaultRowGroupRows = 50_000;
    public const long DefaultRowGroupBytes = 128L * 1024 * 1024;

    private readonly ParquetWriter _writer;
    private readonly int _rowGroupRows;
    private readonly long _rowGroupBytes;
    private readonly List<string>[] _strings = [[], [], [], [], []];
    private readonly List<int> _sr = [];
    private long _bufferedBytes;
    private bool _disposed;

    public ParquetPairsWriter(Stream output, int rowGroupRows = DefaultRowGroupRows, long rowGroupBytes = DefaultRowGroupBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupBytes, 1);
        _rowGroupRows = rowGroupRows;
        _rowGroupBytes = rowGroupBytes;
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Zstd };
        // Synchronous over async: the worker is a console app with no synchronization context to deadlock on.
        _writer = ParquetWriter.CreateAsync(PairsSchema.Schema, output, options, append: false).GetAwaiter().GetResult();
    }

    /// <summary>Rows written so far, including the ones still buffered.</summary>
    public long Rows { get; private set; }

    /// <summary>Row groups written so far.</summary>
    public int RowGroups { get; private set; }

    public void Add(PairRecord record)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        string[] values = [record.Id, record.Text, record.Tokens, record.RelWav, record.RelLab];
        foreach (var value in values)
            RejectLoneSurrogates(value);
        for (var i = 0; i < values.Length; i++)
        {
            _strings[i].Add(values[i]);
            _bufferedBytes += values[i].Length * sizeof(char);
        }

        _sr.Add(record.Sr);
        Rows++;
        if (_sr.Count >= _rowGroupRows || _bufferedBytes >= _rowGroupBytes)
            Flush();
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // An empty file still gets one (empty) row group so every reader sees the schema the usual way.
        if (_sr.Count > 0 || RowGroups == 0)
            Flush();
        _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private void Flush()
    {
        using (var group = _writer.CreateRowGroup())
        {
            for (var i = 0; i < PairsSchema.StringFields.Length; i++)
                group.WriteAsync(PairsSchema.StringFields[i], _strings[i], null).GetAwaiter().GetResult();
            group.WriteAsync<int>(PairsSchema.Sr, _sr.ToArray().AsMemory()).GetAwaiter().GetResult();
        }

        foreach (var column in _strings)
            column.Clear();
        _sr.Clear();
        _bufferedBytes = 0;
        RowGroups++;
    }

    // UTF-8 cannot hold a lone surrogate: the column would get U+FFFD and no longer match the JSONL's \ud800 escape.
    private static void RejectLoneSurrogates(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(value[i]))
                throw new ArgumentException("a pair field holds a lone surrogate, which Parquet's UTF-8 strings cannot store", nameof(value));
        }
    }
}
