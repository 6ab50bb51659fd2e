using Parquet;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Output;

/// <summary>
/// Reads the merged output back in file order, in the format its name has in the contract
/// (<see cref="OutputFormats.Of"/>): <c>.jsonl</c>, <c>.jsonl.gz</c> (all gzip members) or <c>.parquet</c> (each row
/// rebuilt into its exact line). Every reader of the merged output (verify, report, tests) goes through here. Streams: at
/// most one row group is in memory.
/// </summary>
public static class MergedPairs
{
    /// <summary>The lines in file order; a Parquet file is whole or unreadable, so its lines are all terminated.</summary>
    /// <exception cref="JsonlReadException">A JSONL file cannot be read to its end.</exception>
    public static IEnumerable<JsonlLine> ReadLines(string path)
    {
        var format = FormatOf(path);
        if (format != OutputFormat.Parquet)
            return JsonlReader.Read(path, gzip: format == OutputFormat.JsonlGzip);
        return ReadParquet(path).Select((record, row) => new JsonlLine(row + 1, record.ToLine(), Terminated: true));
    }

    /// <summary>The records in file order.</summary>
    /// <exception cref="FormatException">A line is not a pair record.</exception>
    public static IEnumerable<PairRecord> ReadRecords(string path) =>
        FormatOf(path) == OutputFormat.Parquet ? ReadParquet(path) : ReadLines(path).Select(line => PairRecord.Read(line.Json));

    private static OutputFormat FormatOf(string path) =>
        OutputFormats.Of(path) ?? throw new UsageException($"the merged output must end in .jsonl.gz, .jsonl or .parquet: {path}");

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
