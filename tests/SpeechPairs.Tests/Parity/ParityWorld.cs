using System.Text.Json;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Parity;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Parity;

/// <summary>
/// An extracted tree of the golden cases' WAVs (in three folders) and, built from the same cases, a reference output
/// in the driver's format: the recorded codes, strings, top-2 vq02 distances and errors of the real Python reference
/// (vq02.json, vq06.json, tokens.txt, vq02_dist_top2.npy, vq02_top2_idx.npy, meta.json). Converted, never computed.
/// </summary>
internal sealed class ParityWorld : IDisposable
{
    private static readonly (string Case, string Id)[] Layout =
    [
        ("p01_cmn_48k_stereo_s16", "中文 - Chinese/旅行者/p01"),
        ("p02_en_48k_mono_s16", "English - 英语/Traveler/p02"),
        ("p03_cmn_44k1_s24", "中文 - Chinese/派蒙/p03"),
        ("p04_yue_22k05_f32_peak1p25", "粤语 - Cantonese/Paimon/p04"),
        ("p05_cmn_16k_s16_len_38400", "中文 - Chinese/钟离/p05"),
        ("p06_short_0p02s_16k", "中文 - Chinese/派蒙/p06"),
        ("p07_silence_1s_16k", "English - 英语/Traveler/p07"),
        ("p08_cmn_30p5s_16k", "中文 - Chinese/旅行者/p08"),
        ("p09_cmn_30s_plus_300_16k", "粤语 - Cantonese/Paimon/p09"),
        ("p10_empty_16k", "中文 - Chinese/钟离/p10"),
    ];

    private readonly TempDir _temp = new();

    public ParityWorld()
    {
        foreach (var (name, id) in Layout)
        {
            TestArchive.WriteFile(ExtractDir, id + ".wav", File.ReadAllBytes(GoldenFixtures.File(name, "input.wav")));
            TestArchive.WriteFile(ExtractDir, id + ".lab", System.Text.Encoding.UTF8.GetBytes(name));
        }
    }

    public string ExtractDir => _temp.Combine("extracted");

    public string WorkDir => _temp.Combine("work");

    public string ResultPath => ParityFiles.Result(WorkDir);

    public string Combine(params string[] parts) => _temp.Combine(parts);

    public static string IdOf(string caseName) => Layout.Single(l => l.Case == caseName).Id;

    /// <summary>
    /// The recorded reference output of every case; <paramref name="edit"/> may change clips before it is written, and
    /// <paramref name="extra"/> is one more clip (for a WAV a test added).
    /// </summary>
    public string WriteReference(Func<ReferenceClip, ReferenceClip?>? edit = null, double dither = 0, bool trim = false, ReferenceClip? extra = null)
    {
        var clips = new List<ReferenceClip>(extra is null ? [] : [extra]);
        foreach (var (name, id) in Layout)
        {
            var clip = FromFixture(name, id);
            if ((edit is null ? clip : edit(clip)) is { } kept)
                clips.Add(kept);
        }

        var run = JsonSerializer.SerializeToElement(new { source = "tests/fixtures/vq0206 (the Python reference's recorded outputs)", device = "cpu", dither, trim });
        var path = Combine($"reference-{Guid.NewGuid():N}.json");
        new ReferenceOutput(ReferenceOutput.FormatName, ReferenceOutput.CurrentVersion, run, clips).Write(path);
        return path;
    }

    private static ReferenceClip FromFixture(string name, string id)
    {
        if (GoldenFixtures.Meta(name).GetProperty("expected_error") is { ValueKind: JsonValueKind.Object } error)
            return new ReferenceClip(id, id + ".wav", null, null, null, null, null,
                $"{error.GetProperty("type").GetString()}: {error.GetProperty("message").GetString()}");
        var vq02 = GoldenFixtures.IntList(name, "vq02.json");
        var distances = GoldenFixtures.Npy(name, "vq02_dist_top2.npy").ToFloat32();
        var indices = GoldenFixtures.Npy(name, "vq02_top2_idx.npy").ToInt64();
        return new ReferenceClip(id, id + ".wav", vq02, GoldenFixtures.IntList(name, "vq06.json"),
            File.ReadAllText(GoldenFixtures.File(name, "tokens.txt")),
            Enumerable.Range(0, vq02.Length).Select(i => new double[] { distances[2 * i], distances[2 * i + 1] }).ToList(),
            Enumerable.Range(0, vq02.Length).Select(i => new[] { indices[2 * i], indices[2 * i + 1] }).ToList(),
            null);
    }

    /// <summary>
    /// The clip as a reference that landed on the other side of vq02 frame <paramref name="frame"/> would have written it:
    /// that frame's code is the recorded runner-up (its merged token too), and the recorded best is now its runner-up.
    /// </summary>
    public static ReferenceClip SwapVq02(ReferenceClip clip, int frame)
    {
        var index = clip.Vq02Top2Index!.Select(p => p.ToArray()).ToList();
        (index[frame][0], index[frame][1]) = (index[frame][1], index[frame][0]);
        var vq02 = clip.Vq02!.ToArray();
        var old = vq02[frame];
        vq02[frame] = (int)index[frame][0];
        return clip with { Vq02 = vq02, Vq02Top2Index = index, Tokens = ReplaceToken(clip.Tokens!, (frame / 2 * 5) + (frame % 2), old, vq02[frame]) };
    }

    /// <summary>vq06 code <paramref name="frame"/> changed to another code (and its merged token).</summary>
    public static ReferenceClip AlterVq06(ReferenceClip clip, int frame)
    {
        var vq06 = clip.Vq06!.ToArray();
        var old = vq06[frame];
        vq06[frame] = (old + 1) % 4096;
        return clip with { Vq06 = vq06, Tokens = ReplaceToken(clip.Tokens!, (frame / 3 * 5) + 2 + (frame % 3), old + 1024, vq06[frame] + 1024) };
    }

    private static string ReplaceToken(string tokens, int index, int expected, int value)
    {
        var parts = tokens.Split('>', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"<audio_{expected}", parts[index]);
        parts[index] = $"<audio_{value}";
        return string.Concat(parts.Select(p => p + ">"));
    }

    /// <summary>Frames of a case's vq02 codes with their recorded relative margin, (d2 − d1) / d2.</summary>
    public static IReadOnlyList<(int Frame, double Margin)> Margins(string caseName)
    {
        var distances = GoldenFixtures.Npy(caseName, "vq02_dist_top2.npy").ToFloat32();
        return Enumerable.Range(0, distances.Length / 2)
            .Select(i => (i, ParityComparer.RelativeMargin(distances[2 * i], distances[2 * i + 1]))).ToList();
    }

    /// <summary>Runs the worker's parity command in-process with the real WAV reader and the given tokenizer loader.</summary>
    public Invocation Run(string[] args, Func<TokenizerSetup, IClipTokenizer>? loadTokenizer = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var loads = 0;
        var context = new WorkerContext
        {
            Services = () => new WorkerServices(new TokenizerWavReader(), setup =>
            {
                loads++;
                return (loadTokenizer ?? StepAudioClipTokenizer.Load)(setup);
            }),
            Environment = _ => null,
            Output = stdout,
            Error = stderr,
            ExitProcess = code => throw new InvalidOperationException($"the test tried to exit the process with {code}"),
        };
        var exitCode = WorkerCommandLine.Run(["parity", "--extract-dir", ExtractDir, "--work-dir", WorkDir, .. args], context);
        return new Invocation(exitCode, stdout.ToString(), stderr.ToString(), loads);
    }

    public string[] WithFixtureBundle(params string[] args) => ["--tokenizer-dir", GoldenFixtures.BundleDir, "--device", "cpu", .. args];

    public ParityResult Result() => ParityResult.Read(ResultPath);

    public void Dispose() => _temp.Dispose();

    internal sealed record Invocation(int ExitCode, string Stdout, string Stderr, int TokenizerLoads)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }
}
