using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>Runs <c>worker device</c> once per run: the device the shards get, and the fallback warning, if any, once.</summary>
public sealed class ResolveDevice : WorkerTool
{
    [Required] public string Device { get; set; } = "";

    /// <summary>cpu, mps or cuda.</summary>
    [Output] public string Resolved { get; private set; } = "";

    protected override string Command => "device";

    protected override void AppendArguments(CommandLineBuilder arguments) => arguments.AppendSwitchIfNotNull("--device ", Device);

    protected override bool IsImportant(string line)
    {
        if (line.Trim() is "cpu" or "mps" or "cuda")
        {
            Resolved = line.Trim();
            return false;
        }
        return true;
    }

    protected override bool CheckResult()
    {
        if (Resolved.Length > 0)
            return true;
        Log.LogError($"worker device printed no device for '{Device}'.");
        return false;
    }
}
