using ParquetSharp;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Tests.Output;

/// <summary>
/// The Parquet writer (Parquet.Net) checked by an independent reader: ParquetSharp wraps Apache Arrow's C++ Parquet,
/// the implementation pyarrow and pandas use.
/// </summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class ParquetPairsWriterTests
{
    private static readonly string[] Names = ["id", "text", "tokens", "rel_wav", "rel_lab", "sr"];

    [SkippableFact]
    public void Arrow_reads_back_every_row_as_the_jsonl_line_of_the_same_record()
    {
        using var dir = new TempDir();
        var path = dir.Combine("pairs.parquet");
        var records = PairSamples.Tricky.Concat(PairSamples.Generated(50, 20)).ToList();
        Write(path, records, rowGroupRows: 7);

        var lines = ReadWithArrow(path).Select(r => r.ToLine()).ToList();
        Assert.Equal(records.Select(r => r.ToLine()), lines);
        // The JSONL text survives the trip both ways.
        Assert.Equal(records, lines.Select(PairRecord.Read));
    }

    [SkippableFact]
    public void Schema_is_six_required_columns_utf8_strings_and_int32_sr_zstd_compressed()
    {
        using var dir = new TempDir();
        var path = dir.Combine("pairs.parquet");
        Write(path, PairSamples.Tricky, rowGroupRows: 3);

        using var file = new ParquetFileReader(path);
        var schema = file.FileMetaData.Schema;
        Assert.Equal(Names, Enumerable.Range(0, schema.NumColumns).Select(i => schema.Column(i).Name));
        for (var i = 0; i < schema.NumColumns; i++)
        {
            var column = schema.Column(i);
            Assert.Equal(0, column.MaxDefinitionLevel); // required: no nulls
            Assert.Equal(0, column.MaxRepetitionLevel);
            if (Names[i] == "sr")
            {
                Assert.Equal(PhysicalType.Int32, column.PhysicalType);
                Assert.True(column.LogicalType is NoneLogicalType or IntLogicalType { BitWidth: 32, IsSigned: true }, column.LogicalType.ToString());
            }
            else
            {
                Assert.Equal(PhysicalType.ByteArray, column.PhysicalType);
                Assert.IsType<StringLogicalType>(column.LogicalType);
            }
        }

        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            for (var c = 0; c < Names.Length; c++)
                Assert.Equal(Compression.Zstd, group.MetaData.GetColumnChunkMetaData(c).Compression);
        }
    }

    [SkippableFact]
    public void Row_groups_are_bounded_by_rows_and_by_bytes()
    {
        using var dir = new TempDir();
        var byRows = dir.Combine("rows.parquet");
        Write(byRows, PairSamples.Generated(25, 5).ToList(), rowGroupRows: 10);
        Assert.Equal([10L, 10L, 5L], RowGroupSizes(byRows));

        // Each record holds ~2.4 kB of UTF-16 strings (100 tokens of ~11 chars), so a 6 kB bound closes a group every 3 rows.
        var byBytes = dir.Combine("bytes.parquet");
        Write(byBytes, PairSamples.Generated(10, 100).ToList(), rowGroupRows: 1000, rowGroupBytes: 6_000);
        Assert.Equal([3L, 3L, 3L, 1L], RowGroupSizes(byBytes));
    }

    [SkippableFact]
    public void Same_records_give_identical_bytes_and_no_timestamp_in_the_footer()
    {
        using var dir = new TempDir();
        var records = PairSamples.Tricky.Concat(PairSamples.Generated(200, 30)).ToList();
        Write(dir.Combine("a.parquet"), records, rowGroupRows: 64);
        Thread.Sleep(1100); // a clock-stamped footer would differ across a second boundary
        Write(dir.Combine("b.parquet"), records, rowGroupRows: 64);
        Assert.Equal(File.ReadAllBytes(dir.Combine("a.parquet")), File.ReadAllBytes(dir.Combine("b.parquet")));

        using var file = new ParquetFileReader(dir.Combine("a.parquet"));
        Assert.StartsWith("Parquet.Net", file.FileMetaData.CreatedBy);
        Assert.Empty(file.FileMetaData.KeyValueMetadata);
    }

    [SkippableFact]
    public void An_empty_file_still_has_the_schema()
    {
        using var dir = new TempDir();
        var path = dir.Combine("empty.parquet");
        Write(path, [], rowGroupRows: 10);
        using var file = new ParquetFileReader(path);
        Assert.Equal(0, file.FileMetaData.NumRows);
        Assert.Equal(Names.Length, file.FileMetaData.Schema.NumColumns);
        Assert.Empty(MergedPairs.ReadLines(path));
    }

    [SkippableFact]
    public void Writes_to_any_stream_and_leaves_it_open()
    {
        var records = PairSamples.Tricky.ToList();
        using var memory = new MemoryStream();
        using (var writer = new ParquetPairsWriter(memory, rowGroupRows: 4))
            foreach (var record in records)
                writer.Add(record);
        Assert.True(memory.CanWrite);

        using var dir = new TempDir();
        var path = dir.Write("copy.parquet", memory.ToArray());
        Assert.Equal(records, ReadWithArrow(path));
    }

    [SkippableFact]
    public void A_lone_surrogate_is_refused_instead_of_stored_as_a_replacement_character()
    {
        using var memory = new MemoryStream();
        using var writer = new ParquetPairsWriter(memory);
        Assert.Throws<ArgumentException>(() => writer.Add(new PairRecord("x", "lone \ud800", "", "x.wav", "x.lab", 1)));
    }

    [SkippableFact]
    public void A_large_file_is_written_streaming_in_memory_far_below_the_data_set_size()
    {
        const int rows = 100_000, tokens = 60, rowGroupRows = 5_000;
        using var dir = new TempDir();
        var path = dir.Combine("large.parquet");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0, dataBytes = 0;
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write))
        using (var writer = new ParquetPairsWriter(stream, rowGroupRows))
        {
            var n = 0;
            foreach (var record in PairSamples.Generated(rows, tokens))
            {
                writer.Add(record);
                dataBytes += 2L * (record.Id.Length + record.Text.Length + record.Tokens.Length + record.RelWav.Length + record.RelLab.Length) + 4;
                // Live heap (after a full collection) mid-group, when the buffer holds half a group: what the writer retains.
                if (++n % 10_000 == 2_500)
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
            }
        }

        // The data set as .NET strings is ~160 MB; one group of 5,000 rows is ~8 MB (plus its encoded pages).
        Assert.True(dataBytes > 120_000_000, $"data set {dataBytes:N0} bytes");
        // A quarter, not less: other test classes run in parallel in this process and their live objects count too.
        Assert.True(peak < dataBytes / 4, $"live managed heap grew by {peak:N0} bytes while writing {dataBytes:N0} bytes of strings");

        using var file = new ParquetFileReader(path);
        Assert.Equal(rows, file.FileMetaData.NumRows);
        Assert.All(RowGroupSizes(path), size => Assert.True(size <= rowGroupRows));
        Console.WriteLine($"100k rows: {dataBytes:N0} bytes of strings, live heap peak {peak:N0} bytes, file {new FileInfo(path).Length:N0} bytes");
        // Spot-check the last group with the independent reader; the other tests compare every row.
        var last = ReadGroupWithArrow(file, file.FileMetaData.NumRowGroups - 1);
        Assert.Equal(PairSamples.Generated(last.Count, tokens, first: rows - last.Count), last);
    }

    private static void Write(string path, IReadOnlyList<PairRecord> records, int rowGroupRows, long rowGroupBytes = ParquetPairsWriter.DefaultRowGroupBytes)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var writer = new ParquetPairsWriter(stream, rowGroupRows, rowGroupBytes);
        foreach (var record in records)
            writer.Add(record);
    }

    private static List<long> RowGroupSizes(string path)
    {
        using var file = new ParquetFileReader(path);
        var sizes = new List<long>();
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using var group = file.RowGroup(g);
            sizes.Add(group.MetaData.NumRows);
        }

        return sizes;
    }

    internal static List<PairRecord> ReadWithArrow(string path)
    {
        using var file = new ParquetFileReader(path);
        var records = new List<PairRecord>();
        for (var g = 0; g < file.FileMetaData.NumRowGroups; g++)
            records.AddRange(ReadGroupWithArrow(file, g));
        return records;
    }

    private static List<PairRecord> ReadGroupWithArrow(ParquetFileReader file, int g)
    {
        using var group = file.RowGroup(g);
        var rows = checked((int)group.MetaData.NumRows);
        var strings = new string[5][];
        for (var c = 0; c < 5; c++)
        {
            using var column = group.Column(c).LogicalReader<string>();
            strings[c] = column.ReadAll(rows);
        }

        using var srColumn = group.Column(5).LogicalReader<int>();
        var sr = srColumn.ReadAll(rows);
        return Enumerable.Range(0, rows).Select(r => new PairRecord(strings[0][r], strings[1][r], strings[2][r], strings[3][r], strings[4][r], sr[r])).ToList();
    }
}
