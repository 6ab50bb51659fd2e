using System.Globalization;
using System.Text.Json;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Tokenizer.Audio;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Parity;

/// <summary>What <c>worker parity</c> was asked to do.</summary>
/// <param name="ReferencePython">With <paramref name="StepAudioDir"/>: run the driver; null with <paramref name="ReferenceTokens"/>.</param>
/// <param name="ReferenceTokens">A recorded reference output to compare against instead of running Python.</param>
/// <param name="MaxDurationSeconds">Clips longer than this are never tokenized by the job, so never sampled.</param>
public sealed record ParityOptions(
    string ExtractDir,
    string WorkDir,
    TokenizerSetup Tokenizer,
    int Clips,
    ulong Seed,
    bool ExcludePlaceholder,
    double? MaxDurationSeconds,
    string? ReferencePython,
    string? StepAudioDir,
    string? ReferenceTokens,
    string DriverScript);

/// <summary>
/// The parity check: sample the extracted pairs, get the reference's codes for them (its Python, or a recorded file),
/// tokenize the same clips as the shard does, compare, write <c>parity.json</c> and a summary.
/// </summary>
public sealed class ParityRunner(ParityOptions options, WorkerServices services, Action<string> log)
{
    /// <summary>Differences printed to the log; parity.json has all of them.</summary>
    public const int LoggedDifferences = 40;

    /// <summary>Runs the check and returns the exit code; a comparison that cannot be made throws <see cref="ParityUnavailableException"/>.</summary>
    public int Run()
    {
        Directory.CreateDirectory(options.WorkDir);
        // A result left by an earlier check must not stand for this one (the report shows whatever parity.json holds).
        File.Delete(ParityFiles.Result(options.WorkDir));
        // The interpreter and the checkout are checked before the tree is walked, so a wrong path is refused at once.
        var driver = options.ReferenceTokens is null
            ? new PythonReference(options.ReferencePython!, options.StepAudioDir!, options.DriverScript, log)
            : null;
        driver?.CheckInputs();
        if (options.Tokenizer.Tokenize.Dither != 0)
            log("warning: parity: a non-zero dither adds noise on both sides (unseeded in the reference, seeded by clip here): codes are expected to differ; only --dither 0 checks parity exactly");
        var (sample, candidates) = Sample();
        WriteClipList(sample);

        ReferenceOutput reference;
        ParityReferenceInfo referenceInfo;
        if (options.ReferenceTokens is { } file)
        {
            reference = ReferenceOutput.Read(file);
            referenceInfo = new ParityReferenceInfo("file", Path.GetFullPath(file), null, null, reference.Reference);
            log($"parity: comparing against the recorded reference output {file}");
        }
        else
        {
            var output = ParityFiles.ReferenceOutput(options.WorkDir);
            reference = driver!.Run(ParityFiles.Clips(options.WorkDir), output, options.Tokenizer.TokenizerDir,
                options.Tokenizer.Tokenize.Dither, options.Tokenizer.Tokenize.Trim, DeviceName);
            referenceInfo = new ParityReferenceInfo("python", Path.GetFullPath(output), options.ReferencePython, Path.GetFullPath(options.StepAudioDir!), reference.Reference);
        }

        CheckSettings(reference);
        var byId = reference.Clips.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var missing = sample.Where(c => !byId.ContainsKey(c.Pair.Id)).ToList();
        if (missing.Count > 0)
            throw new ParityUnavailableException(
                $"the reference output has no codes for {missing.Count} of the {sample.Count} sampled clips (first: {missing[0].Pair.Id}); " +
                "it was recorded for another sample: use the same extract dir, --clips, --seed and --exclude-placeholder");

        var ours = TokenizeOurs(sample);
        var comparisons = sample.Select((clip, i) => ParityComparer.Compare(clip, byId[clip.Pair.Id], ours[i])).ToList();
        var result = Summarize(comparisons, candidates, referenceInfo);
        result.Write(ParityFiles.Result(options.WorkDir));
        LogSummary(result);
        return result.ExitCode;
    }

    private string DeviceName => options.Tokenizer.Models.Device.ToString().ToLowerInvariant();

    private (IReadOnlyList<ParityCandidate> Sample, int Candidates) Sample()
    {
        var scan = PairFinder.Find(options.ExtractDir, options.ExcludePlaceholder);
        var candidates = new List<ParityCandidate>(scan.Pairs.Count);
        int unreadable = 0, tooLong = 0;
        foreach (var pair in scan.Pairs)
        {
            WavHeader header;
            try
            {
                header = services.WavReader.ReadHeader(pair.WavPath);
            }
            catch (AudioFormatException)
            {
                // The shard gives such a clip an error line without tokenizing it; there is nothing to compare.
                unreadable++;
                continue;
            }

            if (options.MaxDurationSeconds is { } max && header.DurationSeconds > max)
            {
                tooLong++;
                continue;
            }

            candidates.Add(new ParityCandidate(pair, header.DurationSeconds));
        }

        if (candidates.Count == 0)
            throw new ParityUnavailableException($"no pairs to sample in {options.ExtractDir} ({scan.Pairs.Count} pairs, {unreadable} unreadable, {tooLong} too long)");
        var sample = ParitySampler.Pick(candidates, options.Clips, options.Seed);
        log(string.Create(CultureInfo.InvariantCulture,
            $"parity: {sample.Count} of {candidates.Count} pairs sampled (seed {options.Seed}): {sample[0].Seconds:0.00} s to {sample[^1].Seconds:0.00} s, " +
            $"folders: {sample.Select(c => c.Folder).Distinct().Count()}{(unreadable + tooLong > 0 ? $"; not sampled: {unreadable} unreadable, {tooLong} too long" : "")}"));
        return (sample, candidates.Count);
    }

    /// <summary>The driver's input: the clips to run, by id, with their full paths on this machine.</summary>
    private void WriteClipList(IReadOnlyList<ParityCandidate> sample)
    {
        var document = new
        {
            seed = options.Seed,
            clips = sample.Select(c => new { id = c.Pair.Id, rel_wav = c.Pair.RelWav, wav = c.Pair.WavPath, seconds = c.Seconds }),
        };
        AtomicFile.Write(ParityFiles.Clips(options.WorkDir), JsonSerializer.Serialize(document, ReferenceOutput.Json) + "\n");
    }

    /// <summary>A recorded output made with other settings cannot be compared code for code.</summary>
    private void CheckSettings(ReferenceOutput reference)
    {
        var settings = options.Tokenizer.Tokenize;
        // The driver gets the dither as text and reads it as a double; compared at the float the tokenizer uses.
        if (reference.Dither is { } dither && (float)dither != settings.Dither)
            throw new ParityUnavailableException(string.Create(CultureInfo.InvariantCulture,
                $"the reference ran with dither {dither} and this check with {settings.Dither}: give --dither {dither}"));
        if (reference.Trim is { } trim && trim != settings.Trim)
            throw new ParityUnavailableException($"the reference ran with trim {(trim ? "on" : "off")}: {(trim ? "give" : "leave out")} --trim");
    }

    /// <summary>
    /// The shard's path: the same WAV reader and tokenizer, the clips in one batch and a long clip from its file, part by
    /// part (as a shard does, so the longest clip, always sampled, costs no more memory than there). A clip the tokenizer
    /// cannot tokenize has its error in its outcome; a throw is the tokenizer failing, and fails the check as it fails a shard.
    /// </summary>
    private List<OurClip> TokenizeOurs(IReadOnlyList<ParityCandidate> sample)
    {
        log($"parity: tokenizing the {sample.Count} clips with SpeechPairs (device {DeviceName})");
        var ours = new OurClip?[sample.Count];
        var decoded = new List<(int Index, DecodedAudio Audio)>();
        var longClips = new List<int>();
        for (var i = 0; i < sample.Count; i++)
        {
            if (sample[i].Seconds > Vq0206Tokenizer.LongClipSeconds)
            {
                longClips.Add(i);
                continue;
            }
            try
            {
                decoded.Add((i, services.WavReader.Read(sample[i].Pair.WavPath)));
            }
            catch (AudioFormatException e)
            {
                ours[i] = new OurClip(null, "wav: " + e.Reason);
            }
        }

        using var tokenizer = services.CreateTokenizer(options.Tokenizer);
        var outcomes = TokenizerCalls.Batch(tokenizer, decoded.Select(d => d.Audio).ToList(), $"the batch of {decoded.Count} clips");
        for (var j = 0; j < decoded.Count; j++)
            ours[decoded[j].Index] = Ours(outcomes[j]);
        foreach (var i in longClips)
        {
            try
            {
                ours[i] = Ours(TokenizerCalls.Long(tokenizer, sample[i].Pair.WavPath, _ => { }, $"the long clip {sample[i].Pair.RelWav}"));
            }
            catch (AudioFormatException e)
            {
                ours[i] = new OurClip(null, "wav: " + e.Reason);
            }
        }
        return ours.Select(o => o!).ToList();
    }

    private static OurClip Ours(ClipOutcome outcome) =>
        new(outcome.Tokens, outcome.Tokens is null ? "tokenizer: " + (outcome.Error ?? "no tokens") : null);

    private ParityResult Summarize(IReadOnlyList<ClipComparison> comparisons, int candidates, ParityReferenceInfo reference)
    {
        var clips = comparisons.Select(c => c.Clip).ToList();
        var counts = new ParityCounts(
            clips.Count,
            clips.Count(c => c.Status == ClipParity.Equal),
            clips.Count(c => c.Status == ClipParity.NearTieOnly),
            clips.Count(c => c.Status is ClipParity.Differs or ClipParity.ReferenceFailed or ClipParity.OursFailed),
            clips.Count(c => c.Status == ClipParity.FailedBoth));
        var differences = comparisons.SelectMany(c => c.Differences).ToList();
        var vq02 = new CodeTally(comparisons.Sum(c => c.Vq02.Compared), comparisons.Sum(c => c.Vq02.Equal));
        var vq06 = new CodeTally(comparisons.Sum(c => c.Vq06.Compared), comparisons.Sum(c => c.Vq06.Equal));

        // A reference that failed on every clip SpeechPairs tokenized did not really run (a broken install, a device
        // that cannot run the model): that is a check not made, not a difference found.
        if (clips.All(c => c.ReferenceError is not null) && clips.Any(c => c.OurError is null))
            throw new ParityUnavailableException($"the reference failed on every clip: {clips[0].ReferenceError}");

        var nearTies = differences.Count(d => d.NearTie);
        var (exitCode, verdict) = counts.Differing > 0
            ? (ExitCodes.ParityDiffers, $"{counts.Differing} of {counts.Clips} clips differ from the reference outside near-ties")
            : nearTies > 0
                ? (ExitCodes.Success, $"equal except {nearTies} near-tie vq02 codes (relative margin below {ParityComparer.NearTieMarginText})")
                : (ExitCodes.Success, $"every string equal ({counts.Clips} clips)");
        var settings = options.Tokenizer.Tokenize;
        return new ParityResult(ParityResult.CurrentVersion, DateTimeOffset.UtcNow, verdict, exitCode, options.Seed, options.Clips, candidates,
            ParityComparer.NearTieMargin, new ParitySettings(Path.GetFullPath(options.Tokenizer.TokenizerDir), settings.Dither, settings.Trim, DeviceName),
            reference, counts, vq02, vq06, differences, clips);
    }

    private void LogSummary(ParityResult result)
    {
        var c = result.Counts;
        var extra = (c.NearTieOnly > 0 ? $", {c.NearTieOnly} near-tie only" : "") + (c.Differing > 0 ? $", {c.Differing} differ" : "") +
            (c.FailedBoth > 0 ? $", {c.FailedBoth} refused by both" : "");
        log(string.Create(CultureInfo.InvariantCulture,
            $"parity: clips equal {c.Equal}/{c.Clips}{extra}; vq02 codes equal {result.Vq02.PercentEqual:0.000} % ({result.Vq02.Equal}/{result.Vq02.Compared}), " +
            $"vq06 codes equal {result.Vq06.PercentEqual:0.000} % ({result.Vq06.Equal}/{result.Vq06.Compared})"));
        foreach (var clip in result.Clips.Where(c => c.Status is ClipParity.ReferenceFailed or ClipParity.OursFailed))
            log(clip.Status == ClipParity.ReferenceFailed
                ? $"parity: {clip.Id}: the reference failed ({clip.ReferenceError}); SpeechPairs gave tokens"
                : $"parity: {clip.Id}: SpeechPairs failed ({clip.OurError}); the reference gave tokens");
        foreach (var d in result.Differences.Take(LoggedDifferences))
            log(Describe(d));
        if (result.Differences.Count > LoggedDifferences)
            log($"parity: … {result.Differences.Count - LoggedDifferences} more differing codes in {ParityFiles.Result(options.WorkDir)}");
        // Near-ties pass, but the build shows them as a warning, so they are not lost in the log.
        var nearTiesOnly = result.ExitCode == ExitCodes.Success && result.Counts.NearTieOnly > 0;
        log($"{(nearTiesOnly ? "warning: " : "")}parity: {result.Verdict} -> {ParityFiles.Result(options.WorkDir)}");
    }

    /// <summary>One line per differing code: clip, list, frame, both codes and the reference's margin.</summary>
    public static string Describe(ParityDifference d)
    {
        var where = d.Stream == ParityStream.Tokens ? $"merged string differs at token {d.Frame}" : $"{Name(d.Stream)} frame {d.Frame}";
        var codes = d.Stream == ParityStream.Tokens ? "" : $": reference {Code(d.Reference)}, ours {Code(d.Ours)}";
        var margin = d.RelativeMargin is { } m
            ? string.Create(CultureInfo.InvariantCulture, $", reference relative margin {m:0.###e+0}{(d.RunnerUp is { } r ? $" (runner-up {r})" : "")}")
            : d.Stream == ParityStream.Vq02 && d.Reference is not null ? ", reference margin not recorded" : "";
        return $"parity: {d.Id} {where}{codes}{margin}{(d.NearTie ? " — near-tie" : "")}";
    }

    private static string Name(ParityStream stream) => stream == ParityStream.Vq02 ? "vq02" : "vq06";

    private static string Code(int? code) => code?.ToString(CultureInfo.InvariantCulture) ?? "none (list ended)";
}
