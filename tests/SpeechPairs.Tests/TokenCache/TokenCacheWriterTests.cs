using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Tests.TokenCache;

/// <summary>The merge side: entries files into the SQLite cache, and what a reader then finds.</summary>
public sealed class TokenCacheWriterTests
{
    private static readonly string Settings = new('a', 64);

    [SkippableFact]
    public void Entries_are_added_once_torn_lines_are_skipped_and_a_reader_finds_them()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        var one = Entry(1, [5, 1023, 7, 8], [0, 4095, 3, 9, 10, 11]);
        var two = Entry(2, [1, 2], [3, 4, 5]);
        var first = temp.Write("a.cache.jsonl", System.Text.Encoding.UTF8.GetBytes(one.ToLine() + "\n" + two.ToLine() + "\n"));
        var torn = temp.Write("b.cache.jsonl", System.Text.Encoding.UTF8.GetBytes(one.ToLine() + "\n" + two.ToLine()[..40]));
        var forged = temp.Write("c.cache.jsonl", System.Text.Encoding.UTF8.GetBytes((one with { AudioKey = Key(3), Tokens = "<audio_1>" }).ToLine() + "\n"));

        var result = TokenCacheWriter.AddEntries(cache, [first, torn, forged, temp.Combine("absent.cache.jsonl")], new StringWriter());

        Assert.Equal(new TokenCacheMergeResult(Added: 2, AlreadyPresent: 1, Invalid: 2), result);
        using var reader = TokenCacheReader.TryOpen(cache, Settings, out var problem);
        Assert.Null(problem);
        var found = reader!.Find(Convert.FromHexString(one.AudioKey))!;
        Assert.Equal(one.Vq02, found.Vq02);
        Assert.Equal(one.Vq06, found.Vq06);
        Assert.Equal(one.Tokens, found.Tokens);
        Assert.Null(reader.Find(Convert.FromHexString(Key(3))));
        using var otherSettings = TokenCacheReader.TryOpen(cache, new string('b', 64), out _);
        Assert.Null(otherSettings!.Find(Convert.FromHexString(one.AudioKey)));
    }

    [SkippableFact]
    public void A_second_merge_keeps_the_first_ones_entries_and_leaves_no_staging_file()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        var one = Entry(1, [1, 2], [3, 4, 5]);
        var two = Entry(2, [6, 7], [8, 9, 10]);
        TokenCacheWriter.AddEntries(cache, [temp.Write("a.jsonl", System.Text.Encoding.UTF8.GetBytes(one.ToLine() + "\n"))], new StringWriter());
        using var openBefore = TokenCacheReader.TryOpen(cache, Settings, out _);
        TokenCacheWriter.AddEntries(cache, [temp.Write("b.jsonl", System.Text.Encoding.UTF8.GetBytes(two.ToLine() + "\n"))], new StringWriter());

        using var reader = TokenCacheReader.TryOpen(cache, Settings, out _);
        Assert.NotNull(reader!.Find(Convert.FromHexString(one.AudioKey)));
        Assert.NotNull(reader.Find(Convert.FromHexString(two.AudioKey)));
        // A reader opened before the merge still reads its complete old file.
        Assert.NotNull(openBefore!.Find(Convert.FromHexString(one.AudioKey)));
        Assert.Null(openBefore.Find(Convert.FromHexString(two.AudioKey)));
        // The merges' lock file stays (empty); no staging copy does.
        Assert.Equal(["tokens.sqlite", "tokens.sqlite.lock"], Directory.GetFiles(temp.Path, "tokens.sqlite*").Select(Path.GetFileName).Order());
        Assert.Equal(0, new FileInfo(TokenCacheWriter.LockPathFor(cache)).Length);
    }

    private static TokenCacheEntry Entry(int n, int[] vq02, int[] vq06) =>
        new($"clips/{n}", Key(n), Settings, vq02, vq06, TokenMerger.Merge(vq02, vq06));

    private static string Key(int n) => n.ToString("x64");
}
