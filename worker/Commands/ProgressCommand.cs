using System.CommandLine;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Progress;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker progress</c>: the table of every shard of a run, from the files in its work folder (read-only).</summary>
internal static class ProgressCommand
{
    public static Command Create(WorkerContext context)
    {
        var job = JobOption.Create();
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "The pipeline's work folder. (Without --job: required.)",
            HelpName = "DIR",
        };
        var shardCount = new Option<int?>("--shard-count")
        {
            Description = "Show the run with this many shards. [default: the most recently updated run]",
            HelpName = "N",
        };
        var command = new Command("progress",
            "Print where every shard stands (state, done/total, rate, ETA, errors) and the overall ETA. Only reads files: " +
            "safe while a run goes on, from any machine that sees the work folder.");
        command.Options.Add(job);
        command.Options.Add(workDir);
        command.Options.Add(shardCount);
        command.SetAction(parse => context.Run("progress", () =>
        {
            var spec = JobOption.Read(parse, job);
            var dir = Path.GetFullPath(spec?.WorkDir ?? parse.GetValue(workDir) ?? throw new UsageException("give --job or --work-dir"));
            var shards = WorkDirProgress.Read(dir, spec?.Procs ?? parse.GetValue(shardCount));
            if (shards.Count == 0)
            {
                context.Output.WriteLine($"No shard has reported progress in {dir} yet.");
                return ExitCodes.Success;
            }
            context.Output.WriteLine($"Progress of {shards.Count} shard{(shards.Count == 1 ? "" : "s")} in {dir} at {DateTime.Now:HH:mm:ss}:");
            foreach (var line in ProgressTable.Render(shards, DateTime.UtcNow))
                context.Output.WriteLine(line);
            return ExitCodes.Success;
        }));
        return command;
    }
}
