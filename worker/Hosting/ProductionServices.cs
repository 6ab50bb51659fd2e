using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Worker.Hosting;

/// <summary>Wires the real WAV reader and the Step-Audio tokenizer (tests substitute their own <see cref="WorkerServices"/>).</summary>
internal static class ProductionServices
{
    public static WorkerServices Create() => new(new TokenizerWavReader(), StepAudioClipTokenizer.Load);
}
