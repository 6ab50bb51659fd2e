namespace SpeechPairs.Tokenizer.Bundle;

/// <summary>A model bundle that cannot be used. The message names the file and what is wrong with it.</summary>
public sealed class BundleException : Exception
{
    public BundleException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }

    public string Problem { get; }
}
