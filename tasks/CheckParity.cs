using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker parity</c>: the user's own Step-Audio reference (their Python, their tokenizer.py, the device they ask
/// for) against SpeechPairs on a sample of the extracted clips. Either <see cref="ReferencePython"/> with
/// <see cref="StepAudioDir"/>, or <see cref="ReferenceTokens"/> (a recorded reference output).
/// </summary>
public sealed class CheckParity : WorkerTool
{
    [Required] public string ExtractDir { get; set; } = "";
    [Required] public string TokenizerDir { get; set; } = "";
    [Required] public string WorkDir { get; set; } = "";

    /// <summary>The interpreter of the user's Step-Audio environment.</summary>
    public string? ReferencePython { get; set; }

    /// <summary>The user's Step-Audio-EditX checkout (the folder with tokenizer.py).</summary>
    public string? StepAudioDir { get; set; }

    /// <summary>A recorded reference output (WorkDir/parity-reference.json of an earlier run) instead of running Python.</summary>
    public string? ReferenceTokens { get; set; }

    /// <summary>Clips to sample; empty: the worker's default (32).</summary>
    public string? ParityClips { get; set; }

    /// <summary>Sampling seed; empty: the worker's default (0).</summary>
    public string? ParitySeed { get; set; }

    public string? Device { get; set; }
    public string? Dither { get; set; }
    public bool Trim { get; set; }
    public bool ExcludePlaceholder { get; set; }
    public string? MaxDuration { get; set; }
    public int TorchThreads { get; set; }

    // The worker's one line on stderr when it exits 2: "worker parity: could not compare: why", or a usage error.
    private const string WorkerPrefix = "worker parity: ";
    private const string NoComparisonPrefix = "could not compare: ";
    private string? _whyNoComparison;

    protected override string Command => "parity";

    protected override string Subject => "Parity check";

    protected override void AppendArguments(CommandLineBuilder arguments)
    {
        arguments.AppendSwitchIfNotNull("--extract-dir ", Path.TrimEndingDirectorySeparator(ExtractDir));
        arguments.AppendSwitchIfNotNull("--tokenizer-dir ", Path.TrimEndingDirectorySeparator(TokenizerDir));
        arguments.AppendSwitchIfNotNull("--work-dir ", Path.TrimEndingDirectorySeparator(WorkDir));
        if (!string.IsNullOrWhiteSpace(ReferenceTokens))
        {
            arguments.AppendSwitchIfNotNull("--reference-tokens ", ReferenceTokens);
        }
        else
        {
            if (!string.IsNullOrWhiteSpace(ReferencePython)) arguments.AppendSwitchIfNotNull("--reference-python ", ReferencePython);
            if (!string.IsNullOrWhiteSpace(StepAudioDir)) arguments.AppendSwitchIfNotNull("--step-audio-dir ", Path.TrimEndingDirectorySeparator(StepAudioDir));
        }

        if (!string.IsNullOrWhiteSpace(ParityClips)) arguments.AppendSwitchIfNotNull("--clips ", ParityClips);
        if (!string.IsNullOrWhiteSpace(ParitySeed)) arguments.AppendSwitchIfNotNull("--seed ", ParitySeed);
        if (!string.IsNullOrWhiteSpace(Device)) arguments.AppendSwitchIfNotNull("--device ", Device);
        if (!string.IsNullOrWhiteSpace(Dither)) arguments.AppendSwitchIfNotNull("--dither ", Dither);
        if (Trim) arguments.AppendSwitch("--trim");
        if (ExcludePlaceholder) arguments.AppendSwitch("--exclude-placeholder");
        if (!string.IsNullOrWhiteSpace(MaxDuration)) arguments.AppendSwitchIfNotNull("--max-duration ", MaxDuration);
        if (TorchThreads > 0) arguments.AppendSwitch("--torch-threads " + TorchThreads.ToString(CultureInfo.InvariantCulture));
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        if (singleLine.StartsWith(WorkerPrefix, StringComparison.Ordinal))
        {
            var why = singleLine[WorkerPrefix.Length..].Trim();
            _whyNoComparison = why.StartsWith(NoComparisonPrefix, StringComparison.Ordinal) ? why[NoComparisonPrefix.Length..] : why;
        }
        base.LogEventsFromTextOutput(singleLine, messageImportance);
    }

    /// <summary>The worker's parity exit codes, as build errors that say what to do next.</summary>
    protected override bool HandleTaskExecutionErrors()
    {
        var result = Path.Combine(WorkDir, "parity.json");
        switch (ExitCode)
        {
            case 1:
                Log.LogError($"Parity check: SpeechPairs' tokens differ from the reference outside near-ties; the differing clips, frames and margins are in {result}" +
                    (string.IsNullOrEmpty(LogFile) ? "" : $" and {LogFile}"));
                return false;
            case 2:
                Log.LogError($"Parity check: no comparison was made: {_whyNoComparison ?? "no message"}" +
                    (string.IsNullOrEmpty(LogFile) ? "" : $" (full output: {LogFile})"));
                return false;
            default:
                return base.HandleTaskExecutionErrors();
        }
    }
}
