using System.IO.Compression;
using System.Text;
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

        Assert.Equal(lines, MergedPairs.ReadLines(jsonl));
        Assert.Equal(lines, MergedPairs.ReadLines(gz));
        Assert.Equal(lines, MergedPairs.ReadLines(parquet));
        Assert.Equal(Records, MergedPairs.ReadRecords(parquet));
        Assert.Equal(Records, MergedPairs.ReadRecords(gz));
    }

    [SkippableFact]
    public void Parse_reads_a_shard_line_and_rebuilds_it_exactly()
    {
        const string line = """{"id":"中文/派蒙/vo_01","text":"\"引号\" \\ 😀\n\u0001","tokens":"<audio_1>","rel_wav":"中文/派蒙/vo_01.wav","rel_lab":"中文/派蒙/vo_01.lab","sr":48000}""";
        var record = PairRecord.Parse(line);
        Assert.Equal(new PairRecord("中文/派蒙/vo_01", "\"引号\" \\ 😀\n\u0001", "<audio_1>", "中文/派蒙/vo_01.wav", "中文/派蒙/vo_01.lab", 48000), record);
        Assert.Equal(line, record.ToLine());
    }

    [SkippableTheory]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e"}""")]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1.5}""")]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1,"x":2}""")]
    [InlineData("""{"id":"a","id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    [InlineData("""{"id":null,"text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    [InlineData("""{"id":"a","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1} x""")]
    [InlineData("""{"id":"\ud800","text":"b","tokens":"c","rel_wav":"d","rel_lab":"e","sr":1}""")]
    [InlineData("""{"id":"a",""")]
    public void Parse_refuses_lines_that_are_not_pair_records(string line) =>
        Assert.Throws<FormatException>(() => PairRecord.Parse(line));
}
