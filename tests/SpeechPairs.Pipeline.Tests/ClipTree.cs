using System.IO.Compression;
using System.Text;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>What a clip in a test archive is for.</summary>
internal enum ClipKind { Paired, Placeholder, Unpaired, Corrupt }

/// <summary>One .wav (from a golden fixture case) and, unless unpaired, its .lab transcript.</summary>
internal sealed record Clip(string Stem, ClipKind Kind, string? FixtureCase, string? Transcript)
{
    public string RelativeWav => Stem + ".wav";
    public string RelativeLab => Stem + ".lab";
}

/// <summary>Folders of clips laid out like a voice-line archive, to be packed with 7-Zip.</summary>
internal static class ClipTree
{
    /// <summary>Several rates, channel counts and sample formats; Unicode paths with spaces; every special case once.</summary>
    public static readonly IReadOnlyList<Clip> Varied =
    [
        new("中文 - Chinese/旅行者 - 问候", ClipKind.Paired, "p01_cmn_48k_stereo_s16", "你好，欢迎来到提瓦特。"),
        new("中文 - Chinese/派蒙 - 晚餐", ClipKind.Paired, "p03_cmn_44k1_s24", "今天晚上吃什么好呢？"),
        new("中文 - Chinese/钟离 - 契约", ClipKind.Paired, "p05_cmn_16k_s16_len_38400", "契约已成。"),
        new("中文 - Chinese/短句 - 嗯", ClipKind.Paired, "p06_short_0p02s_16k", "嗯。"),
        new("中文 - Chinese/静音 - 一秒", ClipKind.Paired, "p07_silence_1s_16k", "……"),
        new("English - 英语/Traveler - Hello there", ClipKind.Paired, "p02_en_48k_mono_s16", "Hello there, welcome to Teyvat."),
        new("粤语 - Cantonese/Paimon - 早晨", ClipKind.Paired, "p04_yue_22k05_f32_peak1p25", "早晨！今日去边度玩？"),
        new("带变量语音 - Placeholder/旅行者 - 称呼", ClipKind.Placeholder, "p05_cmn_16k_s16_len_38400", "你好，{NICKNAME}。"),
        new("Unpaired - 无文本/orphan clip", ClipKind.Unpaired, "p07_silence_1s_16k", null),
        new("Broken - 损坏/corrupt clip", ClipKind.Corrupt, null, "这个文件坏了。"),
    ];

    /// <summary><paramref name="count"/> ordinary clips, enough for a shard to be interrupted half way.</summary>
    public static IReadOnlyList<Clip> Many(int count) =>
        Enumerable.Range(0, count)
            .Select(i => new Clip($"长 - Long/片段 {i:000}", ClipKind.Paired,
                i % 2 == 0 ? "p05_cmn_16k_s16_len_38400" : "p03_cmn_44k1_s24", $"第{i}句。"))
            .ToList();

    /// <summary>Writes the clips (and a readme.txt that must not be extracted) under <paramref name="folder"/>.</summary>
    public static void Write(string folder, IEnumerable<Clip> clips)
    {
        foreach (Clip clip in clips)
        {
            string wav = Path.Combine(folder, clip.RelativeWav);
            Directory.CreateDirectory(Path.GetDirectoryName(wav)!);
            if (clip.Kind == ClipKind.Corrupt)
                File.WriteAllBytes(wav, Encoding.ASCII.GetBytes(new string('x', 2000))); // no RIFF header
            else
                File.Copy(RepoPaths.FixtureWav(clip.FixtureCase!), wav);
            if (clip.Transcript is not null)
                File.WriteAllText(Path.Combine(folder, clip.RelativeLab), clip.Transcript, new UTF8Encoding(false));
        }
        File.WriteAllText(Path.Combine(folder, "readme.txt"), "Not extracted: only *.wav and *.lab are.\n");
    }

    /// <summary>Writes the clips and packs them into a solid 7z archive at <paramref name="archive"/>.</summary>
    public static void Pack(string archive, IEnumerable<Clip> clips, string scratch)
    {
        string staging = Path.Combine(scratch, "staging-" + Path.GetFileNameWithoutExtension(archive));
        Write(staging, clips);
        SevenZip.CreateSolid(staging, archive);
        Directory.Delete(staging, recursive: true);
    }

    /// <summary>The lines of a .jsonl or .jsonl.gz file.</summary>
    public static string[] ReadLines(string path)
    {
        using Stream file = File.OpenRead(path);
        using Stream content = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(content, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
