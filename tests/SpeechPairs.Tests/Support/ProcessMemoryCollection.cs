namespace SpeechPairs.Tests.Support;

/// <summary>
/// Tests that measure the test process's own memory run alone: another test's clip arrays held at the same moment
/// would count as theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "process memory";
}
