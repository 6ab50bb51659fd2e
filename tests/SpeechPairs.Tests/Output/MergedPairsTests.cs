using System.IO.Compression;
using System.Text;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Output;

namespace SpeechPairs.Tests.Output;

public sealed class MergedPairsTests
{
    private static readonly IReadOnlyList<PairRecord> Records = [.. PairSamples.Tricky, .. PairSamples.Generated(30, 10)];

    [SkippableFact]
    public void Jsonl_gzip_and_parquet_give_the_same_lines()
    {
        using var dir = new TempDir();
        var lines = Records.Select(r => r.ToLine()).ToList();
        var text = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));

        var jsonl = dir.Write("m.jsonl", text);
        // Two members, split mid-file, as shards append batch by batch.
        var gz = dir.Combine("m.jsonl.gz");
        using (var file = File.Create(gz))
        {
            var half = Array.IndexOf(text, (byte)'\n', text.Length / 2) + 1;
            foreach (var part in new[] { text[..half], text[half..] })
                using (var member = new GZipStream(file, CompressionLevel.Fastest, leaveOpen: true))
                    member.Write(part);
        }

        var parquet = dir.Combine("m.parquet");
        using (var stream = File.Create(parquet))
        using (var writer = new ParquetPairsWriter(stream, rowGroupRows: 4))
            foreach (var record in Records)
                writer.Add(record);

        Assert.Equal(lines, MergedPairs.ReadLines(jsonl).Select(l => l.Json));
        Assert.Equal(lines, MergedPairs.ReadLines(gz).Select(l => l.Json));
        Assert.Equal(lines, MergedPairs.ReadLines(parquet).Select(l => l.Json));
        Assert.Equal(Records, MergedPairs.ReadRecords(parquet));
        Assert.Equal(Records, MergedPairs.ReadRecords(gz));
    }
}
