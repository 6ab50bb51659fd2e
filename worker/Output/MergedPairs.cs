using System.IO.Compression;
using System.Text;
using Parquet;

namespace SpeechPairs.Worker.Output;

/// <summary>
/// Reads a merged output back as its JSONL lines, whatever the format: <c>.jsonl</c>, <c>.jsonl.gz</c> (all gzip
/// members) or <c>.parquet</c> (each row rebuilt into the exact line). Streams: at most one row group is in memory.
/// </summary>
public static class MergedPairs
{
    public static bool IsParquet(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    /// <summary>The lines in file order, without terminators.</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        if (IsParquet(path))
        {
            foreach (var record in ReadParquet(path))
                yield return record.ToLine();
            yield break;
        }

        using var file = File.OpenRead(path);
        // GZipStream reads every concatenated member, as the shards write them.
        using Stream content = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file;
        using var reader = new StreamReader(content, new UTF8Encoding(false, throwOnInvalidBytes: true));
        while (reader.ReadLine() is { } line)
            yield return line;
    }

    /// <summary>The records in file order.</summary>
    public static IEnumerable<PairRecord> ReadRecords(string path) =>
        IsParquet(path) ? ReadParquet(path) : ReadLines(path).Select(PairRecord.Parse);

    private static IEnumerable<PairRecord> ReadParquet(string path)
    {
        using var file = File.OpenRead(path);
        var reader = ParquetReader.CreateAsync(file).GetAwaiter().GetResult();
        try
        {
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                string?[][] strings;
                int[] sr;
                using (var group = reader.OpenRowGroupReader(g))
                {
                    var rows = checked((int)group.RowCount);
                    strings = new string?[PairsSchema.StringFields.Length][];
                    for (var i = 0; i < strings.Length; i++)
                    {
                        strings[i] = new string?[rows];
                        group.ReadAsync(PairsSchema.StringFields[i], strings[i].AsMemory(), null).GetAwaiter().GetResult();
                    }

                    sr = new int[rows];
                    group.ReadAsync<int>(PairsSchema.Sr, sr.AsMemory(), null).GetAwaiter().GetResult();
                }

                for (var r = 0; r < sr.Length; r++)
                    yield return new PairRecord(strings[0][r]!, strings[1][r]!, strings[2][r]!, strings[3][r]!, strings[4][r]!, sr[r]);
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
