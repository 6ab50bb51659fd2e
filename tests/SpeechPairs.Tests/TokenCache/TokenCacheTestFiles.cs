using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Tests.TokenCache;

/// <summary>Entries files, hashes and raw SQLite access for the cache-file tests.</summary>
internal static class TokenCacheTestFiles
{
    public static readonly string Settings = new('a', 64);

    public static string EntriesFile(TempDir temp, string name, params int[] clips) =>
        temp.Write(name, Encoding.UTF8.GetBytes(string.Concat(clips.Select(n => Entry(n).ToLine() + "\n"))));

    /// <summary>A valid entry; its codes grow with <paramref name="n"/> so that rows differ in size.</summary>
    public static TokenCacheEntry Entry(int n)
    {
        int[] vq02 = [.. Enumerable.Range(0, 20 + n % 40).Select(i => (n + i) % 1024)];
        int[] vq06 = [.. Enumerable.Range(0, 30 + n % 60).Select(i => (n * 7 + i) % 4096)];
        return new TokenCacheEntry($"clips/{n}", n.ToString("x64"), Settings, vq02, vq06, TokenMerger.Merge(vq02, vq06));
    }

    public static byte[] Hash(string path) => SHA256.HashData(File.ReadAllBytes(path));

    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
