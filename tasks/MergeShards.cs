using System.Globalization;
using System.IO.Compression;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SpeechPairs.Tasks;

/// <summary>
/// Concatenates finished shards in shard order into the final output, and their error files into
/// OUT.errors.jsonl. Gzip members are concatenated as bytes (a multi-member gzip file is valid). Each
/// output is written under a temporary name and renamed, so a reader never sees half a file.
/// </summary>
public sealed class MergeShards : Task, ICancelableTask
{
    private readonly CancellationTokenSource cancellation = new();

    /// <summary>The shard outputs (items from PlanShards; metadata ShardIndex, Sentinel, ErrorsFile, ProgressFile).</summary>
    [Required] public ITaskItem[] Shards { get; set; } = [];

    /// <summary>The merged output, .jsonl.gz or .jsonl like every shard.</summary>
    [Required] public string Destination { get; set; } = "";

    /// <summary>The merged error lines; default Destination + ".errors.jsonl".</summary>
    public string? ErrorsDestination { get; set; }

    [Output] public long Clips { get; private set; }
    [Output] public long Errors { get; private set; }
    [Output] public long Tokens { get; private set; }
    [Output] public double AudioHours { get; private set; }

    public void Cancel() => cancellation.Cancel();

    public override bool Execute()
    {
        string destination = Path.GetFullPath(Destination);
        string errorsDestination = Path.GetFullPath(string.IsNullOrEmpty(ErrorsDestination) ? ShardFiles.Errors(destination) : ErrorsDestination);
        ITaskItem[] shards = Shards.OrderBy(s => int.TryParse(s.GetMetadata("ShardIndex"), out int i) ? i : 0).ToArray();
        if (!CheckFormats(destination, shards, out bool gzip) || !CheckFinished(shards))
            return false;

        try
        {
            var stats = new List<JsonlStats>();
            WriteAtomically(destination, output =>
            {
                foreach (ITaskItem shard in shards)
                {
                    string path = shard.GetMetadata("FullPath");
                    JsonlStats shardStats = ReadStats(path, gzip);
                    stats.Add(shardStats);
                    using (var input = File.OpenRead(path))
                        input.CopyTo(output);
                    if (!shardStats.EndsWithNewline)
                        AppendNewline(output, gzip); // or the next shard's first line would join this one's last
                }
            });
            Clips = stats.Sum(s => s.Lines);
            Tokens = stats.Sum(s => s.Tokens);

            WriteAtomically(errorsDestination, output =>
            {
                foreach (ITaskItem shard in shards)
                {
                    string errorsFile = shard.GetMetadata("ErrorsFile");
                    if (string.IsNullOrEmpty(errorsFile) || !File.Exists(errorsFile))
                        continue;
                    JsonlStats errorStats = ReadStats(errorsFile, gzip: false);
                    Errors += errorStats.Lines;
                    using (var input = File.OpenRead(errorsFile))
                        input.CopyTo(output);
                    if (!errorStats.EndsWithNewline)
                        AppendNewline(output, gzip: false);
                }
            });
        }
        catch (OperationCanceledException)
        {
            Log.LogError("Merging was cancelled.");
            return false;
        }
        catch (IOException e)
        {
            Log.LogError($"Could not merge into '{destination}': {e.Message}");
            return false;
        }

        double? hours = AudioHoursFromProgress(shards);
        AudioHours = hours ?? 0;
        // Small runs (the demo) would all read 0.00 h: show three significant digits below 1 h.
        string audio = hours is null ? "unknown" : hours.Value.ToString(hours.Value < 1 ? "0.###" : "0.00", CultureInfo.InvariantCulture);
        Log.LogMessage(MessageImportance.High,
            $"Merged {shards.Length} shards into '{destination}': {Clips.ToString("N0", CultureInfo.InvariantCulture)} clips, "
            + $"{Errors.ToString("N0", CultureInfo.InvariantCulture)} errors (in '{errorsDestination}'), {audio} audio hours, "
            + $"{Tokens.ToString("N0", CultureInfo.InvariantCulture)} audio tokens.");
        return true;
    }

    private JsonlStats ReadStats(string path, bool gzip)
    {
        try
        {
            return JsonlStats.Read(path, gzip, cancellation.Token);
        }
        catch (InvalidDataException e)
        {
            throw new IOException($"'{path}' is not a readable {(gzip ? "gzip" : "JSON-lines")} file ({e.Message}); delete it and its .ok sentinel, then build again.", e);
        }
    }

    private bool CheckFormats(string destination, ITaskItem[] shards, out bool gzip)
    {
        string? format = JsonlFormat.Of(destination);
        gzip = format == JsonlFormat.Gzip;
        if (format is null)
        {
            Log.LogError($"The merged output must end in .jsonl.gz or .jsonl: '{destination}'.");
            return false;
        }
        string[] mismatched = shards.Select(s => s.ItemSpec).Where(path => JsonlFormat.Of(path) != format).ToArray();
        if (mismatched.Length > 0)
        {
            Log.LogError($"Refusing to mix .jsonl and .jsonl.gz: '{destination}' is {format} but these shards are not: {string.Join(", ", mismatched)}. Run with -t:Clean, then build again.");
            return false;
        }
        return true;
    }

    private bool CheckFinished(ITaskItem[] shards)
    {
        string[] unfinished = shards
            .Where(s => !File.Exists(s.GetMetadata("FullPath"))
                        || (s.GetMetadata("Sentinel") is { Length: > 0 } sentinel && !File.Exists(sentinel)))
            .Select(s => s.GetMetadata("ShardIndex"))
            .ToArray();
        if (unfinished.Length > 0)
            Log.LogError($"Not merging: shard(s) {string.Join(", ", unfinished)} of {shards.Length} have not finished.");
        return unfinished.Length == 0;
    }

    private void WriteAtomically(string destination, Action<Stream> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string temporary = $"{destination}.tmp-{Environment.ProcessId}";
        try
        {
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(output);
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, destination, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void AppendNewline(Stream output, bool gzip)
    {
        if (!gzip)
        {
            output.WriteByte((byte)'\n');
            return;
        }
        using var member = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        member.WriteByte((byte)'\n');
    }

    // Output lines carry no durations; the workers' progress files do.
    private static double? AudioHoursFromProgress(ITaskItem[] shards)
    {
        double seconds = 0;
        foreach (ITaskItem shard in shards)
        {
            if (ShardProgress.TryRead(shard.GetMetadata("ProgressFile")) is not ShardProgress progress)
                return null;
            seconds += progress.AudioSeconds;
        }
        return seconds / 3600;
    }
}
