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
    // Speech-like: a tone with noise at a level that changes every second, some seconds nearly silent.
    private static short[] Samples(int seconds, int seed)
    {
        var random = new Random(seed);
        double level = 0;
        var samples = new short[seconds * 16000];
        for (int i = 0; i < samples.Length; i++)
        {
            if (i % 16000 == 0) level = random.NextDouble() < 0.3 ? 0.001 : random.NextDouble();
            samples[i] = (short)Math.Round(level * (16000 * Math.Sin(i * 0.07) + 6000 * (random.NextDouble() - 0.5)));
        }
        return samples;
    }

    [SkippableFact]
    public void A_twenty_minute_clip_gets_the_whole_clips_tokens_in_a_worker_whose_peak_does_not_grow_with_the_clip()
    {
        using var temp = new TempDir();
        var peaks = new Dictionary<int, double>();
        foreach (int minutes in new[] { 5, 20 })
        {
            var root = temp.Combine($"tree{minutes}");
            TestArchive.WriteFile(root, "long.wav", TestWavFile.Pcm16(16000, 1, Samples(minutes * 60, minutes)));
            TestArchive.WriteFile(root, "long.lab", "长"u8.ToArray());
            var output = temp.Combine($"out{minutes}", "pairs.jsonl");
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "SpeechPairs.Worker.dll"), "shard", "--extract-dir", root,
                         "--out", output, "--tokenizer-dir", GoldenFixtures.BundleDir, "--device", "cpu", "--torch-threads", "2"])
                start.ArgumentList.Add(argument);
            using var worker = System.Diagnostics.Process.Start(start)!;
            var stderr = worker.StandardError.ReadToEndAsync();
            worker.StandardOutput.ReadToEnd();
            worker.WaitForExit();
            Assert.True(worker.ExitCode == 0, stderr.Result);
            peaks[minutes] = double.Parse(Regex.Match(stderr.Result, @"peak memory (\d+) MB").Groups[1].Value, CultureInfo.InvariantCulture);

            if (minutes == 20)
            {
                using var models = FixtureModels.Load(new ModelOptions { Device = ComputeDeviceKind.Cpu });
                var whole = models.CreateTokenizer().Tokenize(WavReader.Read(Path.Combine(root, "long.wav")));
                var record = JsonDocument.Parse(File.ReadAllLines(output).Single()).RootElement;
                Assert.Equal(whole.Tokens, record.GetProperty("tokens").GetString());
            }
        }
        // Held whole, the 15 more minutes would add their samples and copies (over 150 MB here); in parts, nothing.
        Assert.True(peaks[20] - peaks[5] < 40, $"peak {peaks[5]} MB for 5 minutes, {peaks[20]} MB for 20");
    }

    [SkippableFact]
    public void A_long_clip_gets_the_whole_clips_tokens_and_progress_moves_inside_it()
    {
        using var temp = new TempDir();
        var root = temp.Combine("tree");
        var samples = Samples(Vq0206Tokenizer.LongClipSeconds + 17, 7);
        TestArchive.WriteFile(root, "a/long.wav", TestWavFile.Pcm16(16000, 1, samples));
        TestArchive.WriteFile(root, "a/long.lab", "很长的一段"u8.ToArray());
        TestArchive.WriteFile(root, "a/short.wav", TestWavFile.Pcm16(16000, 1, samples[..32000]));
        TestArchive.WriteFile(root, "a/short.lab", "短的"u8.ToArray());

        var services = WorkerServices.Production();
        var options = new ModelOptions { Device = ComputeDeviceKind.Cpu };
        var setup = new TokenizerSetup(GoldenFixtures.BundleDir, options, new TokenizeOptions(), _ => { });
        var output = temp.Combine("out", "pairs.jsonl");
        var job = new ShardJob(root, new ShardFiles(output), new ShardSelection(0, 1), Resume: false, UseDoneMarker: true,
            ExcludePlaceholder: false, MaxDurationSeconds: null, BatchSeconds: 120, ProgressInterval: TimeSpan.FromMilliseconds(20));
        var log = new StringWriter();
        new ShardRunner(job, services.WavReader, () => services.CreateTokenizer(setup), log).Run();

        var records = File.ReadAllLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["a/long", "a/short"], records.Select(r => r.GetProperty("id").GetString()));
        using var models = FixtureModels.Load(options);
        var whole = models.CreateTokenizer().Tokenize(WavReader.Read(Path.Combine(root, "a", "long.wav")));
        Assert.Equal(whole.Tokens, records[0].GetProperty("tokens").GetString());

        // While the long clip runs no clip is done, yet the share done moves past 0 (the clip is half of the shard).
        var inClip = Regex.Matches(log.ToString(), @"\] 0/2 clips \((\d+\.\d)%\)").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(inClip, p => p is > 0 and < 50);
    }
}
