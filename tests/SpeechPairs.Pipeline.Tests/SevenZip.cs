namespace SpeechPairs.Pipeline.Tests;

/// <summary>The 7-Zip command line the tests build archives with (Debian package 7zip; .ci/run installs it).</summary>
internal static class SevenZip
{
    public static string Executable =>
        new[] { "7zz", "7z" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
                .Select(directory => Path.Combine(directory, OperatingSystem.IsWindows() ? name + ".exe" : name)))
            .FirstOrDefault(File.Exists)
        ?? throw new SkipException("this test builds archives with 7-Zip: install 7zz (apt-get install 7zip, brew install sevenzip; ./test.sh does it on Debian)");

    /// <summary>Packs everything in <paramref name="folder"/> into a solid 7z archive.</summary>
    public static void CreateSolid(string folder, string archive, bool plainHeaders = false)
    {
        var arguments = new List<string> { "a", "-t7z", "-ms=on", "-bso0", "-bsp0" };
        if (plainHeaders)
            arguments.Add("-mhc=off"); // uncompressed headers: names can be patched in place
        arguments.AddRange([archive, "."]);
        ProcessRunner.Run(Executable, arguments, workingDirectory: folder).AssertSucceeded("7zz a");
    }
}
