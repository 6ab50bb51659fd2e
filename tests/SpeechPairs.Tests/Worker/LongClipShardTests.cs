using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// A clip over <see cref="Vq0206Tokenizer.LongClipSeconds"/> in a real shard: tokenized from its file part by part
/// through the production services, its record carries the tokens the whole clip gets, and the progress line moves
/// while it runs.
/// </summary>
public sealed class LongClipShardTests
{
    [SkippableFact]
    public void A_long_clip_gets_the_whole_clips_tokens_and_progress_moves_inside_it()
    {
        using var temp = new TempDir();
        var root = temp.Combine("tree");
        int seconds = Vq0206Tokenizer.LongClipSeconds + 17;
        var random = new Random(7);
        double level = 0;
        var samples = new short[seconds * 16000];
        for (int i = 0; i < samples.Length; i++)
        {
            if (i % 16000 == 0) level = random.NextDouble() < 0.3 ? 0.001 : random.NextDouble();
            samples[i] = (short)Math.Round(level * (16000 * Math.Sin(i * 0.07) + 6000 * (random.NextDouble() - 0.5)));
        }
        TestArchive.WriteFile(root, "a/long.wav", TestWavFile.Pcm16(16000, 1, samples));
        TestArchive.WriteFile(root, "a/long.lab", "很长的一段"u8.ToArray());
        TestArchive.WriteFile(root, "a/short.wav", TestWavFile.Pcm16(16000, 1, samples[..32000]));
        TestArchive.WriteFile(root, "a/short.lab", "短的"u8.ToArray());

        var services = ProductionServices.Create();
        var options = new TokenizerOptions { Device = ComputeDeviceKind.Cpu };
        var setup = new TokenizerSetup(Path.Combine(GoldenFixtures.BundleDir), options, _ => { });
        var output = temp.Combine("out", "pairs.jsonl");
        var job = new ShardJob(root, new ShardFiles(output), new ShardSelection(0, 1), Resume: false, UseDoneMarker: true,
            ExcludePlaceholder: false, MaxDurationSeconds: null, BatchSeconds: 120, ProgressInterval: TimeSpan.FromMilliseconds(20));
        var log = new StringWriter();
        new ShardRunner(job, services.WavReader, () => services.CreateTokenizer(setup), log).Run();

        var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a/long", "a/short"], records.Select(r => r.GetProperty("id").GetString()));
        using var models = FixtureModels.Load(options);
        var whole = new Vq0206Tokenizer(models).Tokenize(WavReader.Read(Path.Combine(root, "a", "long.wav")));
        Assert.Equal(whole.Tokens, records[0].GetProperty("tokens").GetString());

        // While the long clip runs no clip is done, yet the share done moves past 0 (the clip is half of the shard).
        var inClip = Regex.Matches(log.ToString(), @"\] 0/2 clips \((\d+\.\d)%\)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(inClip, p => p is > 0 and < 50);
    }
}
