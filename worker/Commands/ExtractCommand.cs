using System.CommandLine;
using SpeechPairs.Worker.Extraction;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Commands;

/// <summary><c>worker extract</c>: the archive's .wav and .lab files into the extract folder, complete or not at all.</summary>
internal static class ExtractCommand
{
    private const string Prefix = "[extract]";

    // Time for a stopped extraction to remove its staging folder, however many files 7-Zip had written.
    private static readonly TimeSpan Unwind = TimeSpan.FromSeconds(30);

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
        var parentPid = ParentPidOption.Create(
            $"Stop (code {ExitCodes.ParentExited}), killing 7-Zip and leaving the folder as it was, once this process no longer exists.");

        var command = new Command("extract",
            "Extract the *.wav and *.lab files of an archive, reading each solid block once (a 7z's blocks side by side, one 7-Zip per core, at most 4); skipped when the archive's size and time are unchanged. " +
            "Links are never extracted; names too long for the file system are skipped.");
        foreach (var option in new Option[] { job, archive, destination, managed, parentPid })
            command.Options.Add(option);

        // A stop kills 7-Zip (registered on the token) and then removes the staging folder: no sentinel, no data left.
        command.SetAction(parse => context.RunHosted("extract", () => ParentPidOption.Read(parse, parentPid), Unwind, stopping =>
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
            new ArchiveExtraction(line => context.Error.WriteLine($"{Prefix} {line}"), context.IsProcessAlive).Run(request, stopping);
            return ExitCodes.Success;
        }));
        return command;
    }
}
