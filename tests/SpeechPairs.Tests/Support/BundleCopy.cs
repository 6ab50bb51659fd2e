using SpeechPairs.Tokenizer.Bundle;

namespace SpeechPairs.Tests.Support;

/// <summary>A writable copy of the fixture bundle in a temp directory, to break or swap one file of.</summary>
internal static class BundleCopy
{
    /// <summary>Copies the bundle under <paramref name="temp"/> and returns its root.</summary>
    public static string Make(TempDir temp)
    {
        string root = Path.Combine(temp.Path, "Step-Audio-Tokenizer");
        foreach (string file in Directory.GetFiles(GoldenFixtures.BundleDir, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(root, Path.GetRelativePath(GoldenFixtures.BundleDir, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return root;
    }

    /// <summary>A bundle copy whose <c>model.pt</c> is <paramref name="checkpoint"/>.</summary>
    public static string WithModelPt(TempDir temp, string checkpoint)
    {
        string root = Make(temp);
        File.Copy(checkpoint, new BundleLayout(root).ModelPt, overwrite: true);
        return root;
    }
}
