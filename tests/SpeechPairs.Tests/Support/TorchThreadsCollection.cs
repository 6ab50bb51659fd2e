namespace SpeechPairs.Tests.Support;

/// <summary>
/// Tests that change torch's process-wide thread count run alone, so that no other test's bit-for-bit
/// comparison sees the count change under it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchThreadsCollection
{
    public const string Name = "torch threads";
}
