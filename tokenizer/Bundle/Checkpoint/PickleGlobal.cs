namespace SpeechPairs.Tokenizer.Bundle.Checkpoint;

/// <summary>A global (<c>module.name</c>) that a state-dict pickle may name; anything else is refused at load.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
}
