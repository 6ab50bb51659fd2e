namespace SpeechPairs.Pipeline.Tests;

/// <summary>
/// Tests that run `dotnet msbuild pipeline.proj`. They run one at a time and apart from other tests: each
/// build restores and builds tasks/ (and worker/), which two builds at once would trip over.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PipelineCollection
{
    public const string Name = "pipeline.proj";
}
