using SpeechPairs.Worker.Pairs;

namespace SpeechPairs.Worker.Shard;

/// <summary>The two line shapes a shard writes.</summary>
public static class PairLines
{
    /// <summary>An output line: <c>{"id","text","tokens","rel_wav","rel_lab","sr"}</c> in that order.</summary>
    public static string Record(ClipPair pair, string text, string tokens, int sampleRate) =>
        new JsonLineBuilder()
            .Add("id", pair.Id)
            .Add("text", text)
            .Add("tokens", tokens)
            .Add("rel_wav", pair.RelWav)
            .Add("rel_lab", pair.RelLab)
            .Add("sr", sampleRate)
            .ToString();

    /// <summary>An errors-file line: <c>{"id","rel_wav","error"}</c>.</summary>
    public static string Error(ClipPair pair, string error) =>
        new JsonLineBuilder()
            .Add("id", pair.Id)
            .Add("rel_wav", pair.RelWav)
            .Add("error", error)
            .ToString();
}
