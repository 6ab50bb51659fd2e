using System.Globalization;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

using SpeechPairs.Contract;

namespace SpeechPairs.Tasks;

/// <summary>
/// Runs <c>worker parity --job</c>: the user's own Step-Audio reference (their Python, their tokenizer.py, the device
/// they ask for) against SpeechPairs on a sample of the extracted clips, as the job spec's parity settings say.
/// </summary>
public sealed class CheckParity : WorkerTool
{
    // The worker's one line on stderr when it exits 2: "worker parity: could not compare: why", or a usage error.
    private const string WorkerPrefix = "worker parity: ";
    private const string NoComparisonPrefix = "could not compare: ";
    private string? _whyNoComparison;

    protected override string Command => "parity";

    protected override string Subject => "Parity check";

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
        var result = Path.Combine(JobSpec.Read(JobFile ?? throw new InvalidOperationException("CheckParity needs JobFile")).WorkDir, "parity.json");
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
