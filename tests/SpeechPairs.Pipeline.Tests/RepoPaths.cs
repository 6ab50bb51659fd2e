namespace SpeechPairs.Pipeline.Tests;

/// <summary>Paths inside the repository, found from the test assembly's folder (never a machine path).</summary>
internal static class RepoPaths
{
    public static readonly string Root = FindRoot();

    public static string PipelineProject => Path.Combine(Root, "pipeline.proj");
    public static string TokenizerBundle => Path.Combine(Root, "tests", "fixtures", "vq0206", "Step-Audio-Tokenizer");
    public static string DemoArchive => Path.Combine(Root, "demo", "demo.7z");

    /// <summary>input.wav of a golden fixture case, e.g. "p05_cmn_16k_s16_len_38400".</summary>
    public static string FixtureWav(string fixtureCase) =>
        Path.Combine(Root, "tests", "fixtures", "vq0206", "cases", fixtureCase, "input.wav");

    /// <summary>The configuration this test assembly was built in; the pipeline builds its tools in the same one.</summary>
    public const string Configuration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "pipeline.proj")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds pipeline.proj.");
    }
}
