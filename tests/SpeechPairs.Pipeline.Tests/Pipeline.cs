namespace SpeechPairs.Pipeline.Tests;

/// <summary>Runs `dotnet msbuild pipeline.proj` the way the README says, with a test's own properties.</summary>
internal static class Pipeline
{
    public static ProcessRunner.Result Run(int nodes, IReadOnlyDictionary<string, string> properties, params string[] extra) =>
        ProcessRunner.Run(ProcessRunner.Dotnet, Arguments(nodes, properties, extra), timeout: TimeSpan.FromMinutes(8));

    /// <summary>The same with extra environment variables (SLURM_CONF of a test cluster).</summary>
    public static ProcessRunner.Result Run(int nodes, IReadOnlyDictionary<string, string> properties, IReadOnlyDictionary<string, string> environment, params string[] extra) =>
        ProcessRunner.Run(ProcessRunner.Dotnet, Arguments(nodes, properties, extra), timeout: TimeSpan.FromMinutes(8), environment: environment);

    public static IEnumerable<string> Arguments(int nodes, IReadOnlyDictionary<string, string> properties, params string[] extra)
    {
        yield return "msbuild";
        yield return RepoPaths.PipelineProject;
        yield return $"-m:{nodes}";
        yield return "-nodeReuse:false";
        yield return "-nologo";
        yield return "-tl:off";
        yield return $"-p:ToolsConfiguration={RepoPaths.Configuration}";
        foreach ((string name, string value) in properties)
            yield return $"-p:{name}={value}";
        foreach (string argument in extra)
            yield return argument;
    }
}
