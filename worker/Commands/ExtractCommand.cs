using System.CommandLine;
using SpeechPairs.Worker.Extraction;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker extract</c>: the archive's .wav and .lab files into the extract folder, complete or not at all.</summary>
internal static class ExtractCommand
{
    private const string Prefix = "[extract]";

    public static Command Create(WorkerContext context)
    {
        var job = JobOption.Create();
        var archive = new Option<string?>("--archive")
        {
            Description = "The archive: 7z, zip, tar or tar.gz, recognised by its content. (Without --job: required.)",
            HelpName = "FILE",
        };
        var destination = new Option<string?>("--dest")
        {
            Description = "The extract folder. Replaced only by a complete extraction; refused if it holds files the pipeline did not extract. (Without --job: required.)",
            HelpName = "DIR",
        };
        var managed = new Option<bool>("--managed")
        {
            Description = "Extract with SharpCompress even when 7zz/7z/7za is on PATH.",
        };
        var parentPid = new Option<int?>("--parent-pid")
        {
            Description = $"Stop (code {ExitCodes.ParentExited}), killing 7-Zip and leaving the folder as it was, once this process no longer exists.",
            HelpName = "PID",
        };

        var command = new Command("extract",
            "Extract the *.wav and *.lab files of an archive, reading each solid block once (a 7z's blocks side by side, one 7-Zip per core, at most 4); skipped when the archive's size and time are unchanged. " +
            "Links are never extracted; names too long for the file system are skipped.");
        foreach (var option in new Option[] { job, archive, destination, managed, parentPid })
            command.Options.Add(option);

        command.SetAction(parse => context.Run("extract", () =>
        {
            var spec = JobOption.Read(parse, job);
            if (spec is { SkipExtract: true })
            {
                context.Error.WriteLine($"{Prefix} nothing to extract: the job uses {spec.ExtractDir} as it is (SkipExtract)");
                return ExitCodes.Success;
            }
            var request = spec is not null
                ? new ExtractionRequest(spec.Archive!, spec.ExtractDir, spec.UseManagedExtractor || parse.GetValue(managed))
                : new ExtractionRequest(parse.GetValue(archive) ?? throw new UsageException("give --job or --archive"),
                    parse.GetValue(destination) ?? throw new UsageException("give --job or --dest"), parse.GetValue(managed));
            var pid = parse.GetValue(parentPid);
            if (pid is <= 0)
                throw new UsageException($"--parent-pid must be a process id (got {pid})");
            return RunGuarded(request, pid, context);
        }));
        return command;
    }

    /// <summary>
    /// Runs the extraction with Ctrl+C/SIGTERM and the parent watcher turned into a stop: 7-Zip is killed, the staging
    /// folder removed, and only then does the process exit with the signal's code. No sentinel is written.
    /// </summary>
    private static int RunGuarded(ExtractionRequest request, int? parentPid, WorkerContext context)
    {
        using var stop = new CancellationTokenSource();
        using var unwound = new ManualResetEventSlim();
        var stopCode = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Log(string line) => context.Error.WriteLine($"{Prefix} {line}");

        using var signals = new ExitSignals(
            reason =>
            {
                Log($"stopping: {reason}");
                stop.Cancel();
                unwound.Wait(TimeSpan.FromSeconds(30)); // 7-Zip killed and the staging folder removed
            },
            code =>
            {
                stopCode.TrySetResult(code);
                context.ExitProcess(code);
            });
        using var watcher = parentPid is { } pid
            ? new ParentProcessWatcher(pid, TimeSpan.FromSeconds(1), context.IsProcessAlive,
                () => signals.Exit($"parent process {pid} has exited", ExitCodes.ParentExited))
            : null;
        try
        {
            new ArchiveExtraction(Log, context.IsProcessAlive).Run(request, stop.Token);
            return ExitCodes.Success;
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Whatever a stop made the extraction throw (cancelled, 7-Zip killed), the exit code is the stop's.
            unwound.Set();
            return stopCode.Task.Result; // the code the signal or the watcher exits with
        }
        finally
        {
            unwound.Set();
        }
    }
}
