using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Report;

/// <summary>
/// The demo archive's tree (as demo/make-demo.sh lays it out from the golden fixtures) with the output the pipeline
/// gives it: each clip's record carries the reference's own tokens (tokens.txt), the short clip and the broken WAV
/// are error lines, the placeholder pair is left out and the orphan WAV is unpaired.
/// </summary>
internal sealed class DemoJob : IDisposable
{
    private static readonly (string Case, string Id, string? Text)[] Clips =
    [
        ("p01_cmn_48k_stereo_s16", "中文 - Chinese/旅行者 - 问候", "你好，欢迎来到提瓦特。"),
        ("p03_cmn_44k1_s24", "中文 - Chinese/派蒙 - 晚餐", "今天晚上吃什么好呢？"),
        ("p05_cmn_16k_s16_len_38400", "中文 - Chinese/钟离 - 契约", "契约已成。"),
        ("p06_short_0p02s_16k", "中文 - Chinese/短句 - 嗯", "嗯。"),
        ("p07_silence_1s_16k", "中文 - Chinese/静音 - 一秒", "……"),
        ("p02_en_48k_mono_s16", "English - 英语/Traveler - Hello there", "Hello there, welcome to Teyvat."),
        ("p04_yue_22k05_f32_peak1p25", "粤语 - Cantonese/Paimon - 早晨", "早晨！今日去边度玩？"),
        ("p05_cmn_16k_s16_len_38400", $"{PairFinder.PlaceholderFolder}/旅行者 - 称呼", "你好，{NICKNAME}。"),
        ("p07_silence_1s_16k", "Unpaired - 无文本/orphan clip", null),
    ];

    private readonly TempDir _temp = new();

    public DemoJob()
    {
        var caseOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, id, text) in Clips)
        {
            TestArchive.WriteFile(ExtractDir, id + ".wav", File.ReadAllBytes(GoldenFixtures.File(name, "input.wav")));
            if (text is not null)
                TestArchive.WriteFile(ExtractDir, id + ".lab", System.Text.Encoding.UTF8.GetBytes(text));
            caseOf[id] = name;
        }

        TestArchive.WriteFile(ExtractDir, "Broken - 损坏/corrupt clip.wav", System.Text.Encoding.ASCII.GetBytes(new string('x', 2000)));
        TestArchive.WriteFile(ExtractDir, "Broken - 损坏/corrupt clip.lab", System.Text.Encoding.UTF8.GetBytes("这个文件坏了。"));

        var records = new List<string>();
        var errors = new List<string>();
        foreach (var pair in PairFinder.Find(ExtractDir, excludePlaceholder: true).Pairs)
        {
            WavInfo header;
            try
            {
                header = WavReader.ReadInfo(pair.WavPath);
            }
            catch (AudioFormatException e)
            {
                errors.Add(pair.ErrorRecord("wav: " + e.Reason).ToLine());
                continue;
            }

            var tokens = File.ReadAllText(GoldenFixtures.File(caseOf[pair.Id], "tokens.txt"));
            if (tokens.Length == 0)
            {
                errors.Add(pair.ErrorRecord(FormattableString.Invariant($"no tokens: clip too short ({header.DurationSeconds:0.000} s)")).ToLine());
                continue;
            }

            TranscriptReader.TryRead(pair.LabPath, out var text, out _);
            records.Add(pair.Record(text!, tokens, header.SampleRate).ToLine());
        }

        File.WriteAllText(Output, string.Concat(records.Select(l => l + "\n")));
        File.WriteAllText(Errors, string.Concat(errors.Select(l => l + "\n")));
        Records = records.Count;
    }

    public string ExtractDir => _temp.Combine("extracted");

    public string Output => _temp.Combine("demo.jsonl");

    public string Errors => Output + ".errors.jsonl";

    public int Records { get; }

    public void Dispose() => _temp.Dispose();
}
