using SpeechPairs.Contract;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Extracts the .wav and .lab files of an archive into a folder in one sequential pass, with 7-Zip when
/// it is on PATH and SharpCompress otherwise. Incremental: an archive with the size and modification time
/// recorded by the last finished extraction is not extracted again.
/// </summary>
public sealed class ExtractArchive : Task, ICancelableTask
{
    private readonly CancellationTokenSource cancellation = new();

    /// <summary>The archive (.7z; anything 7-Zip or SharpCompress reads works).</summary>
    [Required] public string Archive { get; set; } = "";

    /// <summary>The folder to extract into; created if missing.</summary>
    [Required] public string Destination { get; set; } = "";

    /// <summary>Use the managed extractor even when 7-Zip is on PATH.</summary>
    public bool UseManagedExtractor { get; set; }

    /// <summary>How many .wav and .lab files the extract folder holds afterwards.</summary>
    [Output] public int ExtractedFiles { get; private set; }

    /// <summary>The sentinel file of the finished extraction, for incremental targets downstream.</summary>
    [Output] public string Sentinel { get; private set; } = "";

    public void Cancel() => cancellation.Cancel();

    public override bool Execute()
    {
        string archive = Path.GetFullPath(Archive);
        string destination = Path.GetFullPath(Destination);
        Sentinel = Path.Combine(destination, ExtractionSentinel.FileName);
        if (!File.Exists(archive))
        {
            Log.LogError($"Archive '{archive}' does not exist.");
            return false;
        }

        ExtractionSentinel? previous = ExtractionSentinel.TryRead(Sentinel);
        if (previous is not null && previous.Matches(archive))
        {
            ExtractedFiles = previous.Files;
            Log.LogMessage(MessageImportance.High,
                $"'{archive}' is already extracted in '{destination}' ({previous.Files} files); not extracting again.");
            return true;
        }
        if (previous is not null)
        {
            // Files of another archive would otherwise end up in the shards.
            Log.LogMessage(MessageImportance.High, $"The archive changed since '{destination}' was extracted ({previous.Archive}); removing the old files.");
            Directory.Delete(destination, recursive: true);
        }

        Directory.CreateDirectory(destination);
        File.WriteAllText(Path.Combine(destination, ".metadata_never_index"), ""); // keeps macOS Spotlight out

        IArchiveExtractor extractor = ChooseExtractor();
        Log.LogMessage(MessageImportance.High, $"Extracting *.wav and *.lab from '{archive}' into '{destination}' with {extractor.Name}.");
        int listed;
        try
        {
            listed = extractor.Extract(archive, destination, Log, cancellation.Token);
        }
        catch (ArchiveExtractionException e)
        {
            Log.LogError(e.Message);
            return false;
        }
        catch (OperationCanceledException)
        {
            Log.LogError($"Extraction of '{archive}' was cancelled.");
            return false;
        }

        ExtractedFiles = CountWantedFiles(destination);
        if (ExtractedFiles == 0)
        {
            Log.LogError($"No .wav or .lab files were extracted from '{archive}' (the archive lists {listed}).");
            return false;
        }
        if (ExtractedFiles < listed)
            Log.LogWarning($"'{archive}' lists {listed} .wav/.lab files but only {ExtractedFiles} are in '{destination}' (duplicate names in the archive?).");

        ExtractionSentinel.For(archive, ExtractedFiles, extractor.Name).Write(Sentinel);
        Log.LogMessage(MessageImportance.High, $"Extracted {ExtractedFiles} .wav/.lab files.");
        return true;
    }

    private IArchiveExtractor ChooseExtractor()
    {
        if (UseManagedExtractor)
            return new ManagedArchiveExtractor();
        if (SevenZipExtractor.FindOnPath() is string executable)
            return new SevenZipExtractor(executable);
        Log.LogMessage(MessageImportance.High, "No 7zz/7z/7za on PATH: using the managed extractor (installing 7-Zip makes extraction faster).");
        return new ManagedArchiveExtractor();
    }

    private static int CountWantedFiles(string destination) =>
        Directory.EnumerateFiles(destination, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Count(ArchiveEntryPaths.IsWanted);
}
