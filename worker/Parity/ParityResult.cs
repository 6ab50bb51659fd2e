using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpeechPairs.Worker.Parity;

/// <summary>The file names of a parity check in the work dir; nothing else spells them.</summary>
public static class ParityFiles
{
    /// <summary>The comparison: <see cref="ParityResult"/>. The report shows a parity section when it exists.</summary>
    public static string Result(string workDir) => Path.Combine(workDir, "parity.json");

    /// <summary>The sampled clips handed to the reference driver.</summary>
    public static string Clips(string workDir) => Path.Combine(workDir, "parity-clips.json");

    /// <summary>What the reference driver wrote; usable later as <c>--reference-tokens</c>.</summary>
    public static string ReferenceOutput(string workDir) => Path.Combine(workDir, "parity-reference.json");
}

/// <summary>The content of <c>WORKDIR/parity.json</c> (snake_case keys).</summary>
/// <param name="Verdict">One line: what the exit code says.</param>
/// <param name="ExitCode">0 every string equal, or only near-tie codes differ; 1 a code differs outside a near-tie.</param>
/// <param name="Seed">The sampling seed: the same extract dir, clip count and seed give the same clips.</param>
/// <param name="ClipsRequested">--clips.</param>
/// <param name="Candidates">Pairs the sample was drawn from (readable headers, within --max-duration, placeholder rule applied).</param>
/// <param name="NearTieMargin">A vq02 difference is a near-tie when the reference's relative margin (d2 − d1) / d2 is below this.</param>
/// <param name="Settings">The tokenizer settings both sides used.</param>
/// <param name="Reference">Where the reference codes came from and how the reference ran.</param>
/// <param name="Differences">Every differing code, clip by clip, frame by frame.</param>
public sealed record ParityResult(
    int Version,
    DateTimeOffset CheckedUtc,
    string Verdict,
    int ExitCode,
    ulong Seed,
    int ClipsRequested,
    int Candidates,
    double NearTieMargin,
    ParitySettings Settings,
    ParityReferenceInfo Reference,
    ParityCounts Counts,
    CodeTally Vq02,
    CodeTally Vq06,
    IReadOnlyList<ParityDifference> Differences,
    IReadOnlyList<ParityClipResult> Clips)
{
    public const int CurrentVersion = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public void Write(string path) => Contract.AtomicFile.Write(path, JsonSerializer.Serialize(this, Json) + "\n");

    public static ParityResult Read(string path) =>
        JsonSerializer.Deserialize<ParityResult>(File.ReadAllText(path), Json) ?? throw new JsonException($"{path} is empty");
}

/// <param name="Device">The requested vq02 device (the reference's funasr_device, SpeechPairs' --device).</param>
public sealed record ParitySettings(string TokenizerDir, float Dither, bool Trim, string Device);

/// <param name="Source">"python" (the driver ran) or "file" (--reference-tokens).</param>
/// <param name="File">The reference output compared against.</param>
/// <param name="Run">How the reference ran, as the driver recorded it.</param>
public sealed record ParityReferenceInfo(string Source, string File, string? Python, string? StepAudioDir, JsonElement? Run);

/// <param name="Equal">Clips whose merged strings are equal.</param>
/// <param name="NearTieOnly">Clips that differ only at near-tie vq02 frames.</param>
/// <param name="Differing">Clips with a difference outside a near-tie (codes, lengths, string, or one side failed).</param>
/// <param name="FailedBoth">Clips both sides refused (no tokens on either side: they agree).</param>
public sealed record ParityCounts(int Clips, int Equal, int NearTieOnly, int Differing, int FailedBoth);

/// <param name="Compared">Positions compared: per clip, the longer of the two code lists.</param>
/// <param name="Equal">Positions where both sides have the same code.</param>
public sealed record CodeTally(long Compared, long Equal)
{
    public double PercentEqual => Compared == 0 ? 100 : 100.0 * Equal / Compared;
}

/// <summary>Writes the parity enums as kebab-case words ("vq02", "near-tie-only") wherever they are serialized.</summary>
public sealed class KebabCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.KebabCaseLower) where T : struct, Enum;

/// <summary>Which list a difference is in.</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<ParityStream>))]
public enum ParityStream
{
    Vq02,
    Vq06,

    /// <summary>The merged strings differ where the codes do not (a merge difference); the frame is the token index.</summary>
    Tokens,
}

/// <summary>One differing code.</summary>
/// <param name="Frame">The code's index in its list (vq02: 16.67 ms frames; vq06: 40 ms).</param>
/// <param name="Reference">The reference's code; null past the end of its list.</param>
/// <param name="Ours">SpeechPairs' code; null past the end of its list.</param>
/// <param name="RelativeMargin">vq02: (d2 − d1) / d2 of the reference's two nearest centroids; null where unknown.</param>
/// <param name="RunnerUp">vq02: the reference's second-nearest centroid, where recorded.</param>
/// <param name="NearTie">The margin is below the near-tie margin and SpeechPairs picked the runner-up (where recorded).</param>
public sealed record ParityDifference(string Id, ParityStream Stream, int Frame, int? Reference, int? Ours, double? RelativeMargin, int? RunnerUp, bool NearTie);

[JsonConverter(typeof(KebabCaseEnumConverter<ClipParity>))]
public enum ClipParity
{
    Equal,
    NearTieOnly,
    Differs,
    FailedBoth,
    ReferenceFailed,
    OursFailed,
}

/// <summary>One sampled clip: what each side gave and how they compare.</summary>
public sealed record ParityClipResult(
    string Id,
    string RelWav,
    string Folder,
    double Seconds,
    ClipParity Status,
    int? ReferenceVq02,
    int? OursVq02,
    int? ReferenceVq06,
    int? OursVq06,
    int DifferingCodes,
    string? ReferenceError,
    string? OurError);
