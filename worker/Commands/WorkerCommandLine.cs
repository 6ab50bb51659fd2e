using System.CommandLine;
using System.CommandLine.Invocation;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary>The worker's command line: every step of the job is one of its commands.</summary>
internal static class WorkerCommandLine
{
    private const string Description =
        "SpeechPairs worker: extracts a voice archive, pairs each .wav with its same-stem .lab transcript and writes Step-Audio vq0206 token lines.\n" +
        "Exit codes: 0 done (clip errors go to <out>" + ErrorsFile.Suffix + ") or already done/extracted; 1 the shard or extraction could not run, or a tokenize input failed; " +
        "2 bad arguments; 3 the --parent-pid process exited; 130/143 stopped by Ctrl+C/SIGTERM. parity has its own (see parity --help).";

    public static RootCommand Create(WorkerContext context)
    {
        var root = new RootCommand(Description);
        root.Subcommands.Add(PlanCommand.Create(context));
        root.Subcommands.Add(ExtractCommand.Create(context));
        root.Subcommands.Add(ShardCommand.Create(context));
        root.Subcommands.Add(TokenizeCommand.Create(context));
        root.Subcommands.Add(MergeCommand.Create(context));
        root.Subcommands.Add(ProgressCommand.Create(context));
        root.Subcommands.Add(SlurmCommand.Create(context));
        root.Subcommands.Add(VerifyCommand.Create(context));
        root.Subcommands.Add(ReportCommand.Create(context));
        root.Subcommands.Add(DeviceCommand.Create(context));
        root.Subcommands.Add(ParityCommand.Create(context));
        return root;
    }

    /// <summary>Parses and runs; bad arguments give one line on stderr and <see cref="ExitCodes.Usage"/>.</summary>
    public static int Run(IReadOnlyList<string> args, WorkerContext context)
    {
        var parse = Create(context).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            var command = parse.CommandResult.Command is RootCommand ? "worker" : $"worker {parse.CommandResult.Command.Name}";
            var reasons = string.Join(" ", parse.Errors.Select(e => OneLine(e.Message)));
            context.Error.WriteLine($"{command}: {reasons} (see --help)");
            return ExitCodes.Usage;
        }

        return parse.Invoke(new InvocationConfiguration
        {
            Output = context.Output,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
            // The long-running commands handle Ctrl+C/SIGTERM themselves (ProcessHost).
            ProcessTerminationTimeout = null,
        });
    }

    /// <summary>Some parser messages list choices on several lines; the pipeline wants one line per failure.</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
