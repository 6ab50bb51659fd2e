namespace SpeechPairs.Tests.Support;

/// <summary>Finds the golden fixtures relative to the test assembly (never an absolute machine path).</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> RootDir = new(FindVq0206);

    /// <summary><c>tests/fixtures/vq0206</c> of the checkout the tests were built from.</summary>
    public static string Vq0206 => RootDir.Value;

    public static string CasesDir => Path.Combine(Vq0206, "cases");

    public static string CaseDir(string caseName) => Path.Combine(CasesDir, caseName);

    /// <summary>Names of all case folders, sorted.</summary>
    public static IReadOnlyList<string> CaseNames() =>
        Directory.GetDirectories(CasesDir).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();

    private static string FindVq0206()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "fixtures", "vq0206");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"no tests/fixtures/vq0206 above {AppContext.BaseDirectory}");
    }
}
