using System.CommandLine;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary>The <c>--job</c> option every step's command takes: the run's checked settings, as <c>worker plan</c> wrote them.</summary>
internal static class JobOption
{
    public static Option<string?> Create() => new("--job")
    {
        Description = "The run's job spec (WorkDir/job.json, written by `worker plan`): every setting comes from it; the other options are for running this command by hand.",
        HelpName = "FILE",
    };

    /// <summary>The spec named by the option, or null when it was not given; a missing or unreadable spec fails the command.</summary>
    public static JobSpec? Read(ParseResult parse, Option<string?> option)
    {
        if (parse.GetValue(option) is not { } path)
            return null;
        try
        {
            return JobSpec.Read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new WorkerFailureException($"cannot read the job spec {path}: {Messages.FirstLine(e.Message)}");
        }
    }
}
