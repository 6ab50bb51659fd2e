using SpeechPairs.Contract;
using System.CommandLine;
using System.Globalization;
using SpeechPairs.Worker.Parity;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker parity</c>: the user's own Step-Audio reference against SpeechPairs on a sample of their clips.</summary>
internal static class ParityCommand
{
    public const int DefaultClips = SpeechPairs.Contract.ParitySettings.DefaultClips;

    public static Command Create(WorkerContext context)
    {
        var job = JobOption.Create();
        var extractDir = new Option<string?>("--extract-dir")
        {
            Description = "The extracted archive the sample is drawn from. (Without --job: required.)",
            HelpName = "DIR",
        };
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "Where parity.json, the sampled clip list and the reference's output are written. (Without --job: required.)",
            HelpName = "DIR",
        };
        var referencePython = new Option<string?>("--reference-python")
        {
            Description = "The Python interpreter of your Step-Audio environment (its packages run the reference).",
            HelpName = "FILE",
        };
        var stepAudioDir = new Option<string?>("--step-audio-dir")
        {
            Description = "Your Step-Audio-EditX checkout: the folder with tokenizer.py (imported unchanged).",
            HelpName = "DIR",
        };
        var referenceTokens = new Option<string?>("--reference-tokens")
        {
            Description = "Compare against a recorded reference output (WORKDIR/parity-reference.json of an earlier run) instead of running Python.",
            HelpName = "FILE",
        };
        var clips = new Option<int>("--clips")
        {
            Description = "Clips to sample: the shortest, the longest, the rest spread over the durations and folders.",
            DefaultValueFactory = _ => DefaultClips,
            HelpName = "N",
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "Sampling seed (recorded in parity.json; the same tree, --clips and seed give the same clips).",
            DefaultValueFactory = _ => 0,
            HelpName = "S",
        };
        var excludePlaceholder = new Option<bool>("--exclude-placeholder")
        {
            Description = $"Leave out pairs under a '{PairFinder.PlaceholderFolder}' folder, as the job does.",
        };
        var maxDuration = new Option<double?>("--max-duration")
        {
            Description = "Leave out clips longer than this, as the job does.",
            HelpName = "SEC",
        };
        var tokenizer = new TokenizerOptionSet(required: false);

        var command = new Command("parity",
            "Tokenize a sample of the extracted clips with your Step-Audio reference (its Python, its tokenizer.py, the device you ask for) " +
            "and with SpeechPairs, compare code by code and write WORKDIR/parity.json. " +
            $"Exit {ExitCodes.Success} every string equal (or only near-tie vq02 codes differ: reported), " +
            $"{ExitCodes.ParityDiffers} a code differs outside a near-tie (reference relative margin >= {ParityComparer.NearTieMarginText}), " +
            $"{ExitCodes.ParityUnavailable} no comparison made: bad arguments or the reference could not run (the message says why).");
        foreach (var option in new Option[] { job, extractDir, workDir, referencePython, stepAudioDir, referenceTokens, clips, seed, excludePlaceholder, maxDuration })
            command.Options.Add(option);
        tokenizer.AddTo(command);

        command.SetAction(parse => context.RunHosted("parity", () =>
        {
            var spec = JobOption.Read(parse, job);
            var python = spec is null ? parse.GetValue(referencePython) : spec.Parity.ReferencePython;
            var stepAudio = spec is null ? parse.GetValue(stepAudioDir) : spec.Parity.StepAudioDir;
            var recorded = spec is null ? parse.GetValue(referenceTokens) : spec.Parity.ReferenceTokens;
            var clipCount = spec?.Parity.Clips ?? parse.GetValue(clips);
            var max = spec is null ? parse.GetValue(maxDuration) : spec.MaxDuration;
            if (recorded is null && (python is null || stepAudio is null))
                throw new UsageException(spec is null
                    ? "give --reference-python and --step-audio-dir (run the reference), or --reference-tokens (a recorded output)"
                    : "give -p:ReferencePython and -p:StepAudioDir (run your Step-Audio reference), or -p:ReferenceTokens (a recorded output)");
            if (recorded is not null && (python is not null || stepAudio is not null))
                throw new UsageException(spec is null
                    ? "--reference-tokens replaces --reference-python and --step-audio-dir: give one or the other"
                    : "ReferenceTokens replaces ReferencePython and StepAudioDir: give one or the other");
            if (clipCount < 1)
                throw new UsageException($"--clips must be at least 1 (got {clipCount})");
            if (max is { } m && !(double.IsFinite(m) && m > 0))
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--max-duration must be a positive number of seconds (got {m})"));

            try
            {
                var setup = spec is null
                    ? tokenizer.Read(parse, context.Error.WriteLine)
                    : TokenizerSetup.Of(spec, context.Error.WriteLine);
                var extract = spec?.ExtractDir ?? parse.GetValue(extractDir) ?? throw new UsageException("give --job or --extract-dir");
                var work = spec?.WorkDir ?? parse.GetValue(workDir) ?? throw new UsageException("give --job or --work-dir");
                if (!Directory.Exists(extract))
                    throw new ParityUnavailableException($"extract dir not found: {extract}");
                var options = new ParityOptions(extract, work, setup, clipCount, spec?.Parity.Seed ?? parse.GetValue(seed),
                    spec?.ExcludePlaceholder ?? parse.GetValue(excludePlaceholder), max, python, stepAudio, recorded, PythonReference.ShippedDriver);
                return new ParityRunner(options, context.Services(), context.Output.WriteLine).Run();
            }
            catch (Exception e) when (e is not UsageException)
            {
                // Exit 1 means "a code differs": a check that could not be made must never read as that.
                context.Error.WriteLine($"worker parity: could not compare: {Messages.FirstLine(e.Message)}");
                return ExitCodes.ParityUnavailable;
            }
        }));
        return command;
    }
}
