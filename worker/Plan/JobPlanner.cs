using SpeechPairs.Contract;
using SpeechPairs.Tokenizer.Bundle;
using SpeechPairs.Worker.TokenCache;

namespace SpeechPairs.Worker.Plan;

/// <summary>
/// <c>worker plan</c>'s work: the settings parsed (<see cref="JobSettings"/>), then everything the file system can tell
/// before any work — the archive readable, the bundle's files opening, the folders writable — and only then, with
/// every check passed, the spec with its identity written to <c>WorkDir/job.json</c>. A check that fails writes nothing.
/// </summary>
public static class JobPlanner
{
    /// <summary>The checked spec (without identity), or every problem found, each naming its setting or file.</summary>
    public static (JobSpec? Spec, IReadOnlyList<string> Problems) Check(
        IReadOnlyDictionary<string, string> values, IReadOnlySet<string> given, string root)
    {
        var (spec, problems) = JobSettings.Parse(values, given, root);
        if (spec is null)
            return (null, problems);
        var found = new List<string>();
        if (spec.SkipExtract)
        {
            if (!Directory.Exists(spec.ExtractDir))
                found.Add($"SkipExtract is true but ExtractDir '{spec.ExtractDir}' does not exist.");
        }
        else
        {
            CheckArchive(spec.Archive!, found);
            Writable("ExtractDir", spec.ExtractDir, found);
        }
        found.AddRange(BundleCheck.Problems(spec.TokenizerDir));
        Writable("WorkDir", spec.WorkDir, found);
        if (Directory.Exists(spec.Out))
            found.Add($"Out '{spec.Out}' is a folder; name the output file (….jsonl.gz, .jsonl or .parquet).");
        else
            Writable("Out", Path.GetDirectoryName(spec.Out)!, found, what: "the folder of Out");
        if (spec.TokenCache is { } cache)
            CheckTokenCache(cache, found);
        if (spec.Scheduler == Scheduler.Slurm)
            Writable("SlurmTools", spec.Slurm.Tools, found);
        return found.Count == 0 ? (spec, []) : (null, found);
    }

    /// <summary>
    /// Resolves an explicit mps or cuda once for a local run (so an unavailable one warns once, not once per shard),
    /// computes the identity and writes <c>WorkDir/job.json</c> atomically when its content changed, and the identity
    /// alone to <see cref="JobSpec.IdentityPathIn"/> when it changed: that file is the shards' MSBuild input, so a plan
    /// with the same identity (from any mount path) leaves finished shards skipped.
    /// </summary>
    public static JobSpec Write(JobSpec spec, Action<string> log)
    {
        if (spec.Scheduler == Scheduler.Local && spec.Device is "mps" or "cuda")
            spec = spec with { Device = ResolvedDevice(spec.Device, log) };
        Directory.CreateDirectory(spec.WorkDir);
        var planned = spec with { Identity = JobIdentities.Of(spec) };
        var path = JobSpec.PathIn(spec.WorkDir);
        if (!Unchanged(path, planned))
            planned.Write(path);
        var identity = JobSpec.IdentityPathIn(spec.WorkDir);
        if (!File.Exists(identity) || File.ReadAllText(identity).Trim() != planned.Identity)
            AtomicFile.Write(identity, planned.Identity + "\n");
        return planned;
    }

    private static bool Unchanged(string path, JobSpec planned)
    {
        try
        {
            return File.Exists(path) && JobSpec.Read(path).SameAs(planned);
        }
        catch (InvalidDataException)
        {
            return false; // an older or damaged spec is simply replaced
        }
    }

    private static string ResolvedDevice(string device, Action<string> log) =>
        SpeechPairs.Tokenizer.ComputeDevices.Select(Enum.Parse<SpeechPairs.Tokenizer.ComputeDeviceKind>(device, ignoreCase: true), log)
            .type.ToString().ToLowerInvariant() switch
        {
            "mps" => "mps",
            "cuda" => "cuda",
            _ => "cpu",
        };

    /// <summary>A token cache must be ours (or absent): another file, or a cache of a newer schema, is never written over.</summary>
    private static void CheckTokenCache(string cache, List<string> found)
    {
        if (Directory.Exists(cache))
        {
            found.Add($"TokenCache '{cache}' is a folder; name the cache file (e.g. tokens.sqlite).");
            return;
        }
        try
        {
            TokenCacheFile.Check(cache);
        }
        catch (TokenCacheFileException e)
        {
            found.Add(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            found.Add($"TokenCache '{cache}' cannot be read: {e.Message}");
        }
    }

    private static void CheckArchive(string archive, List<string> found)
    {
        if (Directory.Exists(archive))
        {
            found.Add($"Archive '{archive}' is a folder: use -p:SkipExtract=true -p:ExtractDir=... for an already extracted folder.");
            return;
        }
        if (!File.Exists(archive))
        {
            found.Add($"Archive '{archive}' does not exist.");
            return;
        }
        try
        {
            using var stream = new FileStream(archive, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            if (stream.Length == 0)
                found.Add($"Archive '{archive}' is empty.");
            else
                stream.ReadByte();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            found.Add($"Archive '{archive}' cannot be read: {e.Message}");
        }
    }

    /// <summary>Whether a folder (or, when it does not exist yet, the folder it would be made in) takes a new file.</summary>
    private static void Writable(string setting, string folder, List<string> found, string? what = null)
    {
        var existing = Path.GetFullPath(folder);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                found.Add($"{setting}: {what ?? $"'{folder}'"} cannot be made: '{existing}' is a file.");
                return;
            }
            existing = Path.GetDirectoryName(existing) ?? "";
            if (existing.Length == 0)
                return;
        }
        var probe = Path.Combine(existing, $".speechpairs-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var _ = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            found.Add($"{setting}: {what ?? $"'{folder}'"} cannot be written ('{existing}': {e.Message}).");
        }
    }
}
