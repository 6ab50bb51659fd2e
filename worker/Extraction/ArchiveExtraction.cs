using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Extraction;

/// <summary>What <c>worker extract</c> does with one archive and one extract folder.</summary>
/// <param name="UseManagedExtractor">SharpCompress even when 7-Zip is on PATH.</param>
internal sealed record ExtractionRequest(string Archive, string Destination, bool UseManagedExtractor);

/// <summary>
/// Extracts the .wav and .lab files of an archive into a folder, reading each solid block once, with 7-Zip when it is on PATH and
/// SharpCompress otherwise. The folder is replaced only by a complete extraction (staged beside it, sentinel inside, then
/// renamed), so a failed or stopped run leaves nothing a later run could take for data. Incremental: an archive with the
/// size and modification time the sentinel records is not extracted again. Files the pipeline did not put there are never deleted.
/// </summary>
internal sealed class ArchiveExtraction(Action<string> log, Func<int, bool> isProcessAlive)
{
    /// <summary>Extracts, or finds the extraction up to date; returns the sentinel of the extraction in place.</summary>
    /// <exception cref="WorkerFailureException">The archive or the folder is unusable; nothing was changed in the folder.</exception>
    /// <exception cref="OperationCanceledException">Stopped; the staging folder is gone and the folder is as it was.</exception>
    public ExtractionSentinel Run(ExtractionRequest request, CancellationToken cancellation)
    {
        string archive = Path.GetFullPath(request.Archive);
        string destination = Path.TrimEndingDirectorySeparator(Path.GetFullPath(request.Destination));
        if (!File.Exists(archive))
            throw new WorkerFailureException($"archive '{archive}' does not exist");

        var staging = new StagingFolders(destination, Environment.ProcessId);
        foreach (string leftover in staging.RemoveLeftovers(isProcessAlive))
            log($"removed '{leftover}', left by an extraction that did not finish");

        string sentinelPath = Path.Combine(destination, ExtractionSentinel.FileName);
        ExtractionSentinel? previous = ExtractionSentinel.TryRead(sentinelPath);
        if (previous is not null && previous.Matches(archive))
        {
            log($"'{archive}' is already extracted in '{destination}' ({previous.Files} files); not extracting again.");
            return previous;
        }
        RefuseForeignFiles(destination);

        try
        {
            ExtractionSentinel sentinel = ExtractInto(staging.Partial, archive, request.UseManagedExtractor, cancellation);
            cancellation.ThrowIfCancellationRequested();
            if (previous is not null)
                log($"the archive changed since '{destination}' was extracted ({previous.Archive}); replacing the old extraction");
            staging.Promote();
            return sentinel;
        }
        finally
        {
            staging.Discard(); // after Promote only an emptied name is left; after a failure or a stop, everything staged
        }
    }

    private ExtractionSentinel ExtractInto(string partial, string archive, bool useManaged, CancellationToken cancellation)
    {
        ArchiveFormat format;
        try
        {
            format = ArchiveSignature.Detect(archive);
        }
        catch (ArchiveExtractionException e)
        {
            throw new WorkerFailureException(e.Message);
        }
        Directory.CreateDirectory(partial);
        File.WriteAllText(Path.Combine(partial, ".metadata_never_index"), ""); // keeps macOS Spotlight out

        IArchiveExtractor extractor = ChooseExtractor(useManaged);
        log($"extracting *.wav and *.lab from '{archive}' ({format}) with {extractor.Name}");
        var skipped = new SkippedEntries();
        int extracted;
        try
        {
            extracted = extractor.Extract(archive, format, partial, skipped, log, cancellation);
        }
        catch (ArchiveExtractionException e)
        {
            throw new WorkerFailureException(e.Message);
        }
        foreach (string warning in skipped.Warnings(archive))
            log("warning: " + warning);
        RemoveLinks(partial);

        PairScan scan = PairFinder.Find(partial, excludePlaceholder: false);
        int wavs = scan.Pairs.Count + scan.UnpairedWav, labs = scan.Pairs.Count + scan.UnpairedLab;
        if (scan.Pairs.Count == 0)
            throw new WorkerFailureException(
                $"no .wav/.lab pairs in '{archive}' (wav {wavs}, lab {labs}, pairs 0; the archive lists {extracted} such files)");
        if (wavs + labs < extracted)
            log($"warning: '{archive}' lists {extracted} .wav/.lab files but only {wavs + labs} were written (duplicate names in the archive?)");

        var sentinel = ExtractionSentinel.For(archive, wavs + labs, extractor.Name);
        sentinel.Write(Path.Combine(partial, ExtractionSentinel.FileName));
        log($"extracted {wavs + labs} .wav/.lab files ({scan.Pairs.Count} pairs)");
        return sentinel;
    }

    /// <summary>An existing folder is replaced only if it is empty or holds the pipeline's sentinel.</summary>
    private static void RefuseForeignFiles(string destination)
    {
        if (!Directory.Exists(destination) || !Directory.EnumerateFileSystemEntries(destination).Any()
            || File.Exists(Path.Combine(destination, ExtractionSentinel.FileName)))
            return;
        throw new WorkerFailureException(
            $"refusing to extract into '{destination}': it holds files the pipeline did not extract (no {ExtractionSentinel.FileName}); " +
            "move them away or choose another extract folder");
    }

    private IArchiveExtractor ChooseExtractor(bool useManaged)
    {
        if (useManaged)
            return new ManagedArchiveExtractor();
        if (SevenZipExtractor.FindOnPath() is string executable)
            return new SevenZipExtractor(executable);
        log("no 7zz/7z/7za on PATH: using the managed extractor (installing 7-Zip makes extraction faster)");
        return new ManagedArchiveExtractor();
    }

    /// <summary>Defence in depth: a link that an extractor created anyway is removed (never followed) before anything reads the folder.</summary>
    private void RemoveLinks(string partial)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (FileSystemInfo item in new DirectoryInfo(partial).EnumerateFileSystemInfos("*", options).ToList())
        {
            if (item.LinkTarget is null)
                continue;
            log($"warning: removed the link '{Path.GetRelativePath(partial, item.FullName)}' that extraction created");
            item.Delete();
        }
    }
}
