using System.Text.Json;
using SpeechPairs.Tokenizer.Bundle;

namespace SpeechPairs.Tests.Support;

/// <summary>
/// The golden outputs of the Python reference in <c>tests/fixtures/vq0206</c> (copied from the shared fixture
/// set; see its README for how each file was made). Never regenerated from SpeechPairs' own code.
/// </summary>
public static class GoldenFixtures
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures", "vq0206");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/fixtures/vq0206 not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The <c>tests/fixtures/vq0206</c> directory.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The tiny random-weight model bundle, laid out like the real <c>Step-Audio-Tokenizer</c> download.</summary>
    public static string BundleDir => Path.Combine(Root, "Step-Audio-Tokenizer");

    /// <summary>The fixture <c>model.pt</c> re-saved by PyTorch in another form (see <c>checkpoint-variants/README.md</c>).</summary>
    public static string CheckpointVariant(string fileName) => Path.Combine(Root, "checkpoint-variants", fileName);

    /// <summary>Every public case name (p01 … p10).</summary>
    public static IEnumerable<string> CaseNames =>
        Directory.GetDirectories(Path.Combine(Root, "cases")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    /// <summary>xunit member data: one row per case.</summary>
    public static TheoryData<string> Cases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in CaseNames) data.Add(name);
            return data;
        }
    }

    /// <summary>Cases the reference tokenizes without raising (all but the empty WAV).</summary>
    public static IEnumerable<string> TokenizedCaseNames
        => CaseNames.Where(n => Meta(n).GetProperty("expected_error").ValueKind == JsonValueKind.Null);

    /// <summary>xunit member data: one row per tokenized case.</summary>
    public static TheoryData<string> TokenizedCases
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in TokenizedCaseNames) data.Add(name);
            return data;
        }
    }

    public static string CaseDir(string name) => Path.Combine(Root, "cases", name);

    public static string File(string name, string relative) => Path.Combine(CaseDir(name), relative);

    public static bool Has(string name, string relative) => System.IO.File.Exists(File(name, relative));

    public static JsonElement Meta(string name)
        => JsonDocument.Parse(System.IO.File.ReadAllText(File(name, "meta.json"))).RootElement;

    public static NpyArray Npy(string name, string relative) => NpyArray.Read(File(name, relative));

    public static int[] IntList(string name, string relative)
        => JsonSerializer.Deserialize<int[]>(System.IO.File.ReadAllText(File(name, relative)))!;

    public static JsonElement Json(string relativeToRoot)
        => JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Root, relativeToRoot))).RootElement;
}
