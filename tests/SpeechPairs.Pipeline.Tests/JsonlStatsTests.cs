using System.IO.Compression;
using System.Text;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

public sealed class JsonlStatsTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CountsLinesAndTokensAcrossReadBlocks(bool gzip)
    {
        // Lines of odd lengths push markers across the 1 MiB read blocks at every offset.
        var content = new StringBuilder();
        long tokens = 0;
        for (int i = 0; content.Length < 3_500_000; i++)
        {
            int count = i % 7;
            content.Append("{\"id\":\"").Append(new string('x', i % 13)).Append("\",\"tokens\":\"");
            for (int t = 0; t < count; t++)
                content.Append(t % 2 == 0 ? "<audio_" : "\\u003Caudio_").Append(i).Append(t % 2 == 0 ? ">" : "\\u003E");
            content.Append("\"}\n");
            tokens += count;
        }
        string path = temp["big.jsonl"];
        byte[] bytes = Encoding.UTF8.GetBytes(content.ToString());
        if (gzip)
        {
            using var file = File.Create(path);
            using var compressed = new GZipStream(file, CompressionLevel.Fastest);
            compressed.Write(bytes);
        }
        else
            File.WriteAllBytes(path, bytes);

        JsonlStats stats = JsonlStats.Read(path, gzip, CancellationToken.None);

        Assert.Equal(bytes.Count((byte)'\n'), stats.Lines);
        Assert.Equal(tokens, stats.Tokens);
        Assert.True(stats.EndsWithNewline);
    }

    [Fact]
    public void AnEmptyFileHasNoLines()
    {
        File.WriteAllBytes(temp["empty.jsonl"], []);
        Assert.Equal(new JsonlStats(0, 0, true), JsonlStats.Read(temp["empty.jsonl"], gzip: false, CancellationToken.None));
    }

    [Fact]
    public void ALastLineWithoutNewlineCounts()
    {
        File.WriteAllText(temp["a.jsonl"], "{\"tokens\":\"<audio_1>audio_2\"}\n{}");
        Assert.Equal(new JsonlStats(2, 1, false), JsonlStats.Read(temp["a.jsonl"], gzip: false, CancellationToken.None));
    }
}
