using System.CommandLine;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary>The <c>--parent-pid</c> option of the commands the pipeline starts: the process whose exit stops them (<see cref="ProcessHost"/>).</summary>
internal static class ParentPidOption
{
    public static Option<int?> Create(string description) => new("--parent-pid") { Description = description, HelpName = "PID" };

    /// <summary>The process id, or null when the option was not given.</summary>
    public static int? Read(ParseResult parse, Option<int?> option) =>
        parse.GetValue(option) is { } pid && pid <= 0 ? throw new UsageException($"--parent-pid must be a process id (got {pid})") : parse.GetValue(option);
}
