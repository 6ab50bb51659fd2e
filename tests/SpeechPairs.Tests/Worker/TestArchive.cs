using System.Text;

namespace SpeechPairs.Tests.Worker;

/// <summary>Builds extracted-archive trees of generated WAVs and transcripts.</summary>
internal static class TestArchive
{
    /// <summary>
    /// Writes <paramref name="count"/> good pairs with Chinese folder and file names, spaces, lengths 0.3-1.5 s, and
    /// transcripts that need JSON escapes. Returns their ids.
    /// </summary>
    public static List<string> WriteGoodClips(string root, int count, int seed = 1)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = $"中文 - Chinese/角色 {i % 4}/vo_{i:000} 台词";
            var seconds = 0.3 + i * 37 % 13 / 10.0;
            WritePair(root, id, seconds, $"  第{i}句：\"你好\" \\ 旅行者\n第二行\t！ ", seed * 1000 + i);
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>Writes <c>id.wav</c> and <c>id.lab</c> (UTF-8 text).</summary>
    public static void WritePair(string root, string id, double seconds, string text, int seed, short? firstSample = null) =>
        WritePair(root, id, seconds, Encoding.UTF8.GetBytes(text), seed, firstSample);

    public static void WritePair(string root, string id, double seconds, byte[] transcript, int seed, short? firstSample = null)
    {
        TestWav.Write(PathOf(root, id + ".wav"), seconds, seed, firstSample: firstSample);
        File.WriteAllBytes(PathOf(root, id + ".lab"), transcript);
    }

    public static void WriteFile(string root, string relativePath, byte[] content)
    {
        var path = PathOf(root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    public static string PathOf(string root, string relativePath) =>
        Path.Combine([root, .. relativePath.Split('/')]);
}
