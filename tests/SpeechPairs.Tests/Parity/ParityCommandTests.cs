using System.Text.Json;
using SpeechPairs.Tests.Worker;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Parity;
using SpeechPairs.Contract;

namespace SpeechPairs.Tests.Parity;

/// <summary>
/// <c>worker parity --reference-tokens</c> with the real tokenizer on the fixture bundle, against the recorded outputs of
/// the Python reference (as CI has no upstream code): the comparison, the near-tie rule and the exit codes.
/// </summary>
public sealed class ParityCommandTests
{
    private const string Longest = "p08_cmn_30p5s_16k";

    [SkippableFact]
    public void Every_golden_clip_equals_the_recorded_reference_and_exits_0()
    {
        using var world = new ParityWorld();
        var run = world.Run(world.WithFixtureBundle("--reference-tokens", world.WriteReference()));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var result = world.Result();
        // p10 has no samples: its header is refused, as the shard refuses it, so it is never sampled.
        Assert.Equal((9, 9, 0, 0, 0), (result.Counts.Clips, result.Counts.Equal, result.Counts.NearTieOnly, result.Counts.Differing, result.Counts.FailedBoth));
        Assert.Equal(9, result.Candidates);
        Assert.Equal(0UL, result.Seed);
        Assert.Equal(ParityCommandDefaults.Clips, result.ClipsRequested);
        Assert.Equal(100, result.Vq02.PercentEqual);
        Assert.Equal(100, result.Vq06.PercentEqual);
        Assert.Equal(508 + 500 + 42 + 32 + 38 + 40 + 40 + 16 + 0, result.Vq02.Compared);
        Assert.Empty(result.Differences);
        Assert.Equal("file", result.Reference.Source);
        Assert.Contains("clips equal 9/9", run.Stdout);
        Assert.Contains("vq02 codes equal 100.000 %", run.Stdout);
        Assert.True(File.Exists(ParityFiles.Clips(world.WorkDir)));
    }

    [SkippableFact]
    public void A_code_changed_at_a_near_tie_is_reported_with_its_frame_and_margin_and_exits_0()
    {
        using var world = new ParityWorld();
        var (frame, margin) = ParityWorld.Margins(Longest).Where(m => m.Margin < ParityComparer.NearTieMargin).MinBy(m => m.Margin);
        var reference = world.WriteReference(c => c.Id == ParityWorld.IdOf(Longest) ? ParityWorld.SwapVq02(c, frame) : c);

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        var result = world.Result();
        var difference = Assert.Single(result.Differences);
        Assert.Equal((ParityWorld.IdOf(Longest), ParityStream.Vq02, frame, true), (difference.Id, difference.Stream, difference.Frame, difference.NearTie));
        Assert.Equal(margin, difference.RelativeMargin!.Value, 12);
        Assert.Equal(difference.RunnerUp, difference.Ours);
        Assert.Equal((1, 1), (result.Counts.NearTieOnly, result.Counts.Clips - result.Counts.NearTieOnly));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("near-tie", result.Verdict);
        Assert.Contains($"{ParityWorld.IdOf(Longest)} vq02 frame {frame}: reference {difference.Reference}, ours {difference.Ours}, reference relative margin", run.Stdout);
        Assert.Contains("near-tie", run.Stdout.Split('\n').Single(l => l.Contains($"vq02 frame {frame}:")));
        Assert.Contains("warning: parity: equal except 1 near-tie vq02 codes", run.Stdout);
    }

    [SkippableFact]
    public void A_code_changed_where_the_margin_is_wide_exits_1_with_its_frame_and_margin()
    {
        using var world = new ParityWorld();
        var (frame, margin) = ParityWorld.Margins(Longest).First(m => m.Margin >= ParityComparer.NearTieMargin);
        var reference = world.WriteReference(c => c.Id == ParityWorld.IdOf(Longest) ? ParityWorld.SwapVq02(c, frame) : c);

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));

        Assert.True(run.ExitCode == ExitCodes.ParityDiffers, run.ToString());
        var difference = Assert.Single(world.Result().Differences);
        Assert.Equal((ParityStream.Vq02, frame, false), (difference.Stream, difference.Frame, difference.NearTie));
        Assert.Equal(margin, difference.RelativeMargin!.Value, 12);
        Assert.Equal(1, world.Result().Counts.Differing);
        Assert.Contains($"vq02 frame {frame}:", run.Stdout);
        Assert.Contains("1 of 2 clips differ", run.Stdout);
    }

    [SkippableFact]
    public void At_a_near_tie_only_the_runner_up_is_excused()
    {
        using var world = new ParityWorld();
        var (frame, _) = ParityWorld.Margins(Longest).Where(m => m.Margin < ParityComparer.NearTieMargin).MinBy(m => m.Margin);
        // The reference's recorded runner-up stays SpeechPairs' code, but the reference now names a third centroid.
        var reference = world.WriteReference(c =>
        {
            if (c.Id != ParityWorld.IdOf(Longest))
                return c;
            var swapped = ParityWorld.SwapVq02(c, frame);
            var index = swapped.Vq02Top2Index!.Select(p => p.ToArray()).ToList();
            index[frame][1] = (index[frame][1] + 1) % 1024;
            return swapped with { Vq02Top2Index = index };
        });

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));

        Assert.True(run.ExitCode == ExitCodes.ParityDiffers, run.ToString());
        Assert.False(Assert.Single(world.Result().Differences).NearTie);
    }

    [SkippableFact]
    public void A_changed_vq06_code_exits_1_and_names_its_frame()
    {
        using var world = new ParityWorld();
        var reference = world.WriteReference(c => c.Id == ParityWorld.IdOf(Longest) ? ParityWorld.AlterVq06(c, 700) : c);

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));

        Assert.True(run.ExitCode == ExitCodes.ParityDiffers, run.ToString());
        var difference = Assert.Single(world.Result().Differences);
        Assert.Equal((ParityStream.Vq06, 700, false, (double?)null), (difference.Stream, difference.Frame, difference.NearTie, difference.RelativeMargin));
        Assert.Contains($"{ParityWorld.IdOf(Longest)} vq06 frame 700:", run.Stdout);
        Assert.Equal(100, world.Result().Vq02.PercentEqual);
        Assert.True(world.Result().Vq06.PercentEqual < 100);
    }

    [SkippableFact]
    public void A_clip_the_reference_refused_but_SpeechPairs_tokenized_exits_1()
    {
        using var world = new ParityWorld();
        var shortest = ParityWorld.IdOf("p06_short_0p02s_16k");
        var reference = world.WriteReference(c => c.Id == shortest ? c with { Vq02 = null, Vq06 = null, Tokens = null, Vq02Top2 = null, Vq02Top2Index = null, Error = "AssertionError" } : c);

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));

        Assert.True(run.ExitCode == ExitCodes.ParityDiffers, run.ToString());
        Assert.Equal([ClipParity.ReferenceFailed, ClipParity.Equal], world.Result().Clips.Select(c => c.Status));
        Assert.Contains("the reference failed (AssertionError)", run.Stdout);
    }

    [SkippableFact]
    public void A_reference_that_failed_on_every_clip_made_no_comparison()
    {
        using var world = new ParityWorld();
        var reference = world.WriteReference(c => c with { Vq02 = null, Vq06 = null, Tokens = null, Vq02Top2 = null, Vq02Top2Index = null, Error = "ImportError: libtorch_cpu.so" });

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "1"));

        Assert.True(run.ExitCode == ExitCodes.ParityUnavailable, run.ToString());
        Assert.Contains("could not compare: the reference failed on every clip: ImportError: libtorch_cpu.so", run.Stderr);
        Assert.False(File.Exists(world.ResultPath));
    }

    [SkippableFact]
    public void A_tokenizer_that_fails_on_the_batch_made_no_comparison()
    {
        // The tokenizer isolates a failing clip in its outcome; a throw is the tokenizer failing, and is never retried
        // clip by clip into a verdict.
        using var world = new ParityWorld();
        var reference = world.WriteReference();

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "3"), _ => new ThrowingTokenizer());

        Assert.True(run.ExitCode == ExitCodes.ParityUnavailable, run.ToString());
        Assert.Contains("could not compare: the tokenizer failed on the batch of 3 clips: out of device memory", run.Stderr);
        Assert.False(File.Exists(world.ResultPath));
    }

    [SkippableFact]
    public void A_sampled_long_clip_is_tokenized_from_its_file_as_in_a_shard()
    {
        // The longest clip is always sampled: held whole, a clip of hours would cost gigabytes where a shard needs none.
        using var world = new ParityWorld();
        const string id = "中文 - Chinese/旅行者/long";
        TestWav.Write(Path.Combine(world.ExtractDir, id + ".wav"), SpeechPairs.Tokenizer.Vq0206Tokenizer.LongClipSeconds + 1, seed: 3);
        File.WriteAllText(Path.Combine(world.ExtractDir, id + ".lab"), "长");
        var reference = world.WriteReference(extra: new ReferenceClip(id, id + ".wav", null, null, null, null, null, "RuntimeError: not recorded here"));
        var tokenizer = new RecordingTokenizer();

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "3"), _ => tokenizer);

        Assert.True(run.ExitCode == ExitCodes.ParityDiffers, run.ToString()); // the reference "failed" on it; SpeechPairs did not
        Assert.Equal([Path.Combine(world.ExtractDir, id + ".wav")], tokenizer.LongClips);
        Assert.Equal(2, Assert.Single(tokenizer.Batches));
        Assert.Contains(world.Result().Clips, c => c.Id == id && c.OurError is null);
    }

    /// <summary>The test tokenizer, noting which clips came in a batch and which from their file.</summary>
    private sealed class RecordingTokenizer : TestTokenizer
    {
        private readonly FakeClipTokenizer _fake = new();

        public List<int> Batches { get; } = [];

        public List<string> LongClips { get; } = [];

        public override IReadOnlyList<SpeechPairs.Tokenizer.ClipOutcome> TokenizeBatch(IReadOnlyList<SpeechPairs.Tokenizer.Audio.DecodedAudio> clips)
        {
            Batches.Add(clips.Count);
            return _fake.TokenizeBatch(clips);
        }

        public override SpeechPairs.Tokenizer.ClipOutcome TokenizeLong(string wavPath, Action<double> secondsDone)
        {
            LongClips.Add(wavPath);
            return FakeClipTokenizer.Tokenize(SpeechPairs.Tokenizer.Audio.WavReader.Read(wavPath));
        }
    }

    private sealed class ThrowingTokenizer : TestTokenizer
    {
        public override IReadOnlyList<SpeechPairs.Tokenizer.ClipOutcome> TokenizeBatch(IReadOnlyList<SpeechPairs.Tokenizer.Audio.DecodedAudio> clips) =>
            throw new InvalidOperationException("out of device memory");
    }

    [SkippableFact]
    public void A_recorded_output_without_a_sampled_clip_made_no_comparison()
    {
        using var world = new ParityWorld();
        var reference = world.WriteReference(c => c.Id == ParityWorld.IdOf(Longest) ? null : c);

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", reference, "--clips", "2"));

        Assert.True(run.ExitCode == ExitCodes.ParityUnavailable, run.ToString());
        Assert.Contains($"no codes for 1 of the 2 sampled clips (first: {ParityWorld.IdOf(Longest)})", run.Stderr);
        Assert.Equal(0, run.TokenizerLoads);
    }

    [SkippableFact]
    public void A_recorded_output_made_with_another_dither_or_trim_made_no_comparison()
    {
        using var world = new ParityWorld();

        var dither = world.Run(world.WithFixtureBundle("--reference-tokens", world.WriteReference(), "--dither", "1"));
        var trim = world.Run(world.WithFixtureBundle("--reference-tokens", world.WriteReference(trim: true), "--clips", "1"));

        Assert.True(dither.ExitCode == ExitCodes.ParityUnavailable, dither.ToString());
        Assert.Contains("the reference ran with dither 0 and this check with 1: give --dither 0", dither.Stderr);
        Assert.True(trim.ExitCode == ExitCodes.ParityUnavailable, trim.ToString());
        Assert.Contains("the reference ran with trim on: give --trim", trim.Stderr);
        Assert.Equal(0, dither.TokenizerLoads + trim.TokenizerLoads);
    }

    [SkippableFact]
    public void A_non_zero_dither_recorded_as_text_matches_the_same_dither_and_is_warned_about()
    {
        using var world = new ParityWorld();
        // The shortest clip has no codes on either side, so the dither's noise cannot change the verdict.
        var run = world.Run(world.WithFixtureBundle("--reference-tokens", world.WriteReference(dither: 0.1), "--dither", "0.1", "--clips", "1"));

        Assert.True(run.ExitCode == ExitCodes.Success, run.ToString());
        Assert.Contains("warning: parity: a non-zero dither adds noise on both sides", run.Stdout);
        Assert.Equal(0.1f, world.Result().Settings.Dither);
    }

    [SkippableFact]
    public void A_file_that_is_not_a_reference_output_made_no_comparison()
    {
        using var world = new ParityWorld();
        var notReference = world.Combine("tokens.json");
        File.WriteAllText(notReference, JsonSerializer.Serialize(new { clips = Array.Empty<object>() }));

        var run = world.Run(world.WithFixtureBundle("--reference-tokens", notReference));
        var missing = world.Run(world.WithFixtureBundle("--reference-tokens", world.Combine("absent.json")));

        Assert.True(run.ExitCode == ExitCodes.ParityUnavailable, run.ToString());
        Assert.Contains("is not a reference output", run.Stderr);
        Assert.True(missing.ExitCode == ExitCodes.ParityUnavailable, missing.ToString());
        Assert.Contains("reference output not found", missing.Stderr);
    }

    [SkippableTheory]
    [InlineData(new string[0], "give --reference-python and --step-audio-dir")]
    [InlineData(new[] { "--reference-python", "python3" }, "give --reference-python and --step-audio-dir")]
    [InlineData(new[] { "--reference-tokens", "r.json", "--reference-python", "python3" }, "--reference-tokens replaces")]
    [InlineData(new[] { "--reference-tokens", "r.json", "--clips", "0" }, "--clips must be at least 1")]
    public void Bad_arguments_exit_2_before_anything_runs(string[] args, string message)
    {
        using var world = new ParityWorld();
        var run = world.Run(world.WithFixtureBundle(args));

        Assert.True(run.ExitCode == ExitCodes.ParityUnavailable, run.ToString());
        Assert.Contains(message, run.Stderr);
        Assert.Equal(0, run.TokenizerLoads);
    }

    [SkippableFact]
    public void Help_documents_the_options_and_the_exit_codes()
    {
        using var world = new ParityWorld();
        var help = world.Run(["--help"]);

        Assert.Equal(0, help.ExitCode);
        foreach (var text in new[] { "--reference-python", "--step-audio-dir", "--reference-tokens", "--clips", "--seed", "--dither", "--device", "[default: 32]", "near-tie", "Exit 0" })
            Assert.Contains(text, help.Stdout);
    }

    private static class ParityCommandDefaults
    {
        public const int Clips = 32;
    }
}
