using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.TokenCache;
using static SpeechPairs.Tests.TokenCache.TokenCacheTestFiles;

namespace SpeechPairs.Tests.TokenCache;

/// <summary><see cref="TokenCacheFile.Inspect"/> and <see cref="TokenCacheFile.Check"/>: what each kind of file is taken for.</summary>
public sealed class TokenCacheFileTests
{
    [SkippableTheory]
    [InlineData(new byte[] { 0x1f, 0x8b, 8, 0 }, "a gzip file")]
    [InlineData(new byte[] { 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4 }, "a 7z archive")]
    [InlineData(new byte[] { 0x50, 0x4b, 3, 4, 20 }, "a zip archive")]
    [InlineData(new byte[] { 0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x31, 0x7d, 0x0a }, "a text file of 9 bytes")]
    [InlineData(new byte[] { 0, 0, 0 }, "a file of 3 zero bytes")]
    [InlineData(new byte[] { 0x53, 0x51, 0x4c, 0x69, 0x74, 0x65 }, "an SQLite file cut short at 6 bytes")]
    [InlineData(new byte[] { 0xff, 0xfe, 0, 1 }, "a file of 4 bytes that is not an SQLite database")]
    public void A_file_that_is_not_sqlite_is_foreign_and_says_what_it_is(byte[] bytes, string description)
    {
        using var temp = new TempDir();
        var path = temp.Write("cache", bytes);

        Assert.Equal(new TokenCacheFileInfo(path, TokenCacheFileKind.ForeignFile, description), TokenCacheFile.Inspect(path));
        var error = Assert.Throws<TokenCacheFileException>(() => TokenCacheFile.Check(path));
        Assert.Equal($"TokenCache '{path}' is not a SpeechPairs token cache (it is {description}); choose another path", error.Message);
        Assert.Equal(TokenCacheFileKind.ForeignFile, error.File.Kind);
    }

    [SkippableFact]
    public void A_directory_is_foreign()
    {
        using var temp = new TempDir();
        Assert.Equal(TokenCacheFileKind.ForeignFile, TokenCacheFile.Inspect(temp.Path).Kind);
        Assert.Contains("(it is a directory)", Assert.Throws<TokenCacheFileException>(() => TokenCacheFile.Check(temp.Path)).Message);
    }

    [SkippableFact]
    public void No_file_and_an_empty_file_are_absent_and_pass()
    {
        using var temp = new TempDir();
        Assert.Equal(TokenCacheFileKind.Absent, TokenCacheFile.Check(temp.Combine("none", "tokens.sqlite")).Kind);
        Assert.Equal(TokenCacheFileKind.Absent, TokenCacheFile.Check(temp.Write("empty.sqlite", [])).Kind);
    }

    [SkippableFact]
    public void A_cache_the_merge_wrote_is_current_and_passes()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], new StringWriter());

        Assert.Equal(new TokenCacheFileInfo(cache, TokenCacheFileKind.Current, "schema version 1"), TokenCacheFile.Check(cache));
        Assert.Equal(TokenCacheFileKind.Current, TokenCacheFile.Inspect(cache, verifyPages: true).Kind);
    }

    [SkippableFact]
    public void Other_sqlite_files_are_foreign_databases_named_by_their_tables_and_id()
    {
        using var temp = new TempDir();
        var empty = temp.Combine("empty.db");
        using (var connection = Open(empty))
            Execute(connection, "PRAGMA user_version = 1; CREATE TABLE t (x); DROP TABLE t;");
        var other = temp.Combine("other.db");
        using (var connection = Open(other))
            Execute(connection, "PRAGMA application_id = 1179864146; CREATE TABLE tokens (x); CREATE TABLE meta (key, value);" +
                                "INSERT INTO meta VALUES ('schema_version', '1');");
        // Our two tables without our version row: somebody else's idea of a token store.
        var lookalike = temp.Combine("lookalike.db");
        using (var connection = Open(lookalike))
            Execute(connection, "CREATE TABLE tokens (x); CREATE TABLE meta (key, value);");

        Assert.Equal(new TokenCacheFileInfo(empty, TokenCacheFileKind.ForeignDatabase, "an SQLite database with no tables"), TokenCacheFile.Inspect(empty));
        Assert.Equal("an SQLite database with tables meta, tokens and application id 0x46534c52", TokenCacheFile.Inspect(other).Description);
        Assert.Equal(TokenCacheFileKind.ForeignDatabase, TokenCacheFile.Inspect(lookalike).Kind);
        Assert.Throws<TokenCacheFileException>(() => TokenCacheFile.Check(other));
    }

    [SkippableFact]
    public void An_unreadable_sqlite_file_without_our_mark_is_foreign_with_it_damaged()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], new StringWriter());
        var bytes = File.ReadAllBytes(cache);
        bytes.AsSpan(16, 8).Fill(0xff);
        var marked = temp.Write("marked.sqlite", bytes);
        bytes.AsSpan(68, 4).Clear();
        var unmarked = temp.Write("unmarked.sqlite", bytes);

        var damaged = TokenCacheFile.Check(marked);
        Assert.Equal(TokenCacheFileKind.Damaged, damaged.Kind);
        Assert.Equal("file is not a database", damaged.Description);
        var foreign = TokenCacheFile.Inspect(unmarked);
        Assert.Equal(TokenCacheFileKind.ForeignDatabase, foreign.Kind);
        Assert.Equal("an SQLite file that cannot be read (file is not a database) and carries no SpeechPairs token-cache mark", foreign.Description);
    }

    [SkippableFact]
    public void Quick_check_finds_damage_the_header_and_schema_do_not_show()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", [.. Enumerable.Range(1, 300)])], new StringWriter());
        var bytes = File.ReadAllBytes(cache);
        new Random(3).NextBytes(bytes.AsSpan(bytes.Length - 4096));
        File.WriteAllBytes(cache, bytes);

        Assert.Equal(TokenCacheFileKind.Current, TokenCacheFile.Check(cache).Kind);
        var thorough = TokenCacheFile.Inspect(cache, verifyPages: true);
        Assert.Equal(TokenCacheFileKind.Damaged, thorough.Kind);
        Assert.StartsWith("quick_check: ", thorough.Description);
    }

    [SkippableFact]
    public void A_newer_cache_is_refused_with_both_versions_named()
    {
        using var temp = new TempDir();
        var cache = temp.Combine("tokens.sqlite");
        TokenCacheWriter.AddEntries(cache, [EntriesFile(temp, "a.jsonl", 1)], new StringWriter());
        using (var connection = Open(cache))
            Execute(connection, "PRAGMA user_version = 7;");

        var error = Assert.Throws<TokenCacheFileException>(() => TokenCacheFile.Check(cache));

        Assert.Equal(TokenCacheFileKind.NewerSchema, error.File.Kind);
        Assert.Equal($"TokenCache '{cache}' was written by a newer SpeechPairs (schema version 7; this one reads version 1); " +
                     "use that version or choose another path", error.Message);
    }
}
