using System.Text.Json;
using System.Text.Json.Serialization;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Worker.Parity;

/// <summary>
/// What the reference driver (<c>parity/step_audio_reference.py</c>) writes, and what <c>worker parity
/// --reference-tokens</c> reads: the reference's codes for each sampled clip. One format for both, so a run's
/// reference output can be kept and compared again without Python.
/// </summary>
/// <param name="Format">Always <see cref="FormatName"/>.</param>
/// <param name="Version">Always <see cref="CurrentVersion"/>.</param>
/// <param name="Reference">How the reference ran (interpreter, package versions, device, dither, trim); kept as written.</param>
/// <param name="Clips">One entry per clip, by id.</param>
public sealed record ReferenceOutput(string Format, int Version, JsonElement? Reference, IReadOnlyList<ReferenceClip> Clips)
{
    public const string FormatName = "speechpairs-parity-reference";
    public const int CurrentVersion = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The reference's dither, when the file records it.</summary>
    public double? Dither => Setting("dither") is { ValueKind: JsonValueKind.Number } d ? d.GetDouble() : null;

    /// <summary>Whether the reference trimmed silence, when the file records it.</summary>
    public bool? Trim => Setting("trim") is { ValueKind: JsonValueKind.True or JsonValueKind.False } t ? t.GetBoolean() : null;

    private JsonElement? Setting(string name) =>
        Reference is { ValueKind: JsonValueKind.Object } run && run.TryGetProperty(name, out var value) ? value : null;

    /// <summary>Reads and checks a reference output; every problem is a <see cref="ParityUnavailableException"/> naming the file.</summary>
    public static ReferenceOutput Read(string path)
    {
        if (!File.Exists(path))
            throw new ParityUnavailableException($"reference output not found: {path}");
        ReferenceOutput? output;
        try
        {
            output = JsonSerializer.Deserialize<ReferenceOutput>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ParityUnavailableException($"{path} is not a reference output: {Messages.FirstLine(e.Message)}");
        }

        if (output is null || output.Format != FormatName)
            throw new ParityUnavailableException($"{path} is not a reference output (no \"format\": \"{FormatName}\")");
        if (output.Version != CurrentVersion)
            throw new ParityUnavailableException($"{path} is reference format version {output.Version}; this worker reads version {CurrentVersion}");
        if (output.Clips is null)
            throw new ParityUnavailableException($"{path} has no \"clips\"");
        foreach (var clip in output.Clips)
        {
            if (string.IsNullOrEmpty(clip.Id))
                throw new ParityUnavailableException($"{path}: a clip has no id");
            if (clip.Error is null && (clip.Vq02 is null || clip.Vq06 is null || clip.Tokens is null))
                throw new ParityUnavailableException($"{path}: clip {clip.Id} has neither codes (vq02, vq06, tokens) nor an error");
            if (clip.Vq02Top2 is { } top2 && (clip.Vq02 is null || top2.Count != clip.Vq02.Length || top2.Any(d => d is not { Length: 2 })))
                throw new ParityUnavailableException($"{path}: clip {clip.Id} has vq02_top2 that is not one pair per vq02 code");
            if (clip.Vq02Top2Index is { } index && (clip.Vq02 is null || index.Count != clip.Vq02.Length || index.Any(i => i is not { Length: 2 })))
                throw new ParityUnavailableException($"{path}: clip {clip.Id} has vq02_top2_index that is not one pair per vq02 code");
        }

        var duplicate = output.Clips.GroupBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ParityUnavailableException($"{path}: clip {duplicate.Key} appears {duplicate.Count()} times");
        return output;
    }

    public void Write(string path) => Contract.AtomicFile.Write(path, JsonSerializer.Serialize(this, Json) + "\n");
}

/// <summary>The reference's result for one clip: its codes, or the exception it raised.</summary>
/// <param name="Id">The pair's id (relative path without extension).</param>
/// <param name="RelWav">The WAV's relative path, for people reading the file.</param>
/// <param name="Vq02">vq02 codes (0..1023) as <c>wav2token</c> returned them.</param>
/// <param name="Vq06">vq06 codes (0..4095), no offset.</param>
/// <param name="Tokens">The reference's <c>merge_vq0206_to_token_str(vq02, vq06)</c>.</param>
/// <param name="Vq02Top2">Per vq02 code: the two smallest centroid distances, nearest first; null where the reference does not expose them.</param>
/// <param name="Vq02Top2Index">Per vq02 code: the centroids of those two distances.</param>
/// <param name="Error">What the reference raised for this clip ("Type: message"); null when it gave codes.</param>
public sealed record ReferenceClip(
    string Id,
    string? RelWav,
    int[]? Vq02,
    int[]? Vq06,
    string? Tokens,
    IReadOnlyList<double[]>? Vq02Top2,
    IReadOnlyList<long[]>? Vq02Top2Index,
    string? Error);

/// <summary>No comparison could be made (the reference could not run, or its output is unusable); <c>worker parity</c> exits 2.</summary>
public sealed class ParityUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
