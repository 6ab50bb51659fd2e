using System.Text;

namespace SpeechPairs.Tests.Support;

/// <summary>File names as a Mac writes them (NFD) beside the usual NFC ones.</summary>
internal static class MacNames
{
    /// <summary>The decomposed (NFD) spelling: "é" becomes "e" and a combining acute accent.</summary>
    public static string Nfd(string text) => text.Normalize(NormalizationForm.FormD);

    /// <summary>
    /// Skips the test where the file system normalises names itself (HFS+ stores NFD, others refuse or merge twins):
    /// the tests need two files whose names differ only in their normal form, as Linux keeps them.
    /// </summary>
    public static void SkipUnlessNamesAreBytes(string root)
    {
        var probe = Path.Combine(root, "nfd-probe");
        Directory.CreateDirectory(probe);
        string[] names = ["é", Nfd("é")];
        foreach (var name in names)
            File.WriteAllBytes(Path.Combine(probe, name), [1]);
        var found = Directory.GetFiles(probe).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Directory.Delete(probe, recursive: true);
        Skip.IfNot(found.SequenceEqual(names.Order(StringComparer.Ordinal)), "this file system does not keep NFC and NFD names apart");
    }
}
