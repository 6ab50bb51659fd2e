using System.CommandLine;
using System.Globalization;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Plan;

namespace SpeechPairs.Worker.Commands;

/// <summary>
/// <c>worker plan</c>: checks every setting of a run before any work and writes <c>WorkDir/job.json</c>, which every
/// other command takes with <c>--job</c>. The pipeline runs it first (with <c>--check</c> before it takes the work
/// folder's lock, then again to write).
/// </summary>
internal static class PlanCommand
{
    public static Command Create(WorkerContext context)
    {
        var set = new Option<string[]>("--set")
        {
            Description = "A setting as NAME=VALUE, NAME as in shards.props (Archive, TokenizerDir, WorkDir, ExtractDir, Out, Procs, ...); repeatable. " +
                          "Settings not given are empty (the pipeline passes every one with its default filled in).",
            HelpName = "NAME=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        var given = new Option<string[]>("--given")
        {
            Description = "A setting the user gave (not a default); repeatable. Archive without TokenizerDir is refused.",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = false,
        };
        var root = new Option<string?>("--root")
        {
            Description = "What relative paths are relative to. [default: the current folder]",
            HelpName = "DIR",
        };
        var check = new Option<bool>("--check") { Description = "Only check the settings; write nothing." };
        var command = new Command("plan",
            "Check every setting of a run (types, ranges, the archive, the tokenizer bundle's files, writable folders) and write WorkDir/job.json. " +
            "Exit 0 planned, 2 a setting or file is wrong (each problem on its own 'error: ' line; nothing is written).");
        foreach (var option in new Option[] { set, given, root, check })
            command.Options.Add(option);
        command.SetAction(parse => context.Run("plan", () =>
        {
            var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in parse.GetValue(set) ?? [])
            {
                var equals = pair.IndexOf('=');
                if (equals <= 0)
                    throw new UsageException($"--set takes NAME=VALUE, not '{pair}'");
                values[pair[..equals]] = pair[(equals + 1)..];
            }
            var givenNames = new HashSet<string>(parse.GetValue(given) ?? [], StringComparer.OrdinalIgnoreCase);
            var (spec, problems) = JobPlanner.Check(values, givenNames, Path.GetFullPath(parse.GetValue(root) ?? "."));
            if (spec is null)
            {
                foreach (var problem in problems)
                    context.Error.WriteLine("error: " + problem);
                return ExitCodes.Usage;
            }
            if (parse.GetValue(check))
                return ExitCodes.Success;
            var planned = JobPlanner.Write(spec, context.Error.WriteLine);
            var source = planned.SkipExtract ? $"extracted folder '{planned.ExtractDir}'" : $"archive '{planned.Archive}'";
            context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SpeechPairs: {planned.Procs} shard(s) on {planned.Scheduler.ToString().ToLowerInvariant()}, TorchThreads={planned.TorchThreads}, OnnxThreads={planned.OnnxThreads}, " +
                $"Device={planned.Device}; {source} -> '{planned.Out}' (job {JobSpec.PathIn(planned.WorkDir)}, identity {planned.Identity})."));
            return ExitCodes.Success;
        }));
        return command;
    }
}
