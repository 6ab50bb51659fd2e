using System.Diagnostics;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;

namespace SpeechPairs.Worker.Shard;

/// <summary>Times one shard run's stages for its done record (<see cref="StageSeconds"/>).</summary>
internal sealed class ShardStageClock
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private double _modelLoad, _decodeWait, _write;
    private long _decodeTicks;

    /// <summary>Runs <paramref name="body"/> and adds its time to the stage <paramref name="stage"/> names.</summary>
    public T Time<T>(Stage stage, Func<T> body)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            return body();
        }
        finally
        {
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            switch (stage)
            {
                case Stage.ModelLoad: _modelLoad += seconds; break;
                case Stage.DecodeWait: _decodeWait += seconds; break;
                case Stage.Write: _write += seconds; break;
            }
        }
    }

    public void Time(Stage stage, Action body) => Time(stage, () =>
    {
        body();
        return 0;
    });

    /// <summary>Seconds spent loading the tokenizer so far (it is loaded at most once per run).</summary>
    public double ModelLoadSeconds => _modelLoad;

    /// <summary>Background decode time; called from the decoder's thread.</summary>
    public void AddDecode(long startTimestamp) => Interlocked.Add(ref _decodeTicks, Stopwatch.GetTimestamp() - startTimestamp);

    public StageSeconds Read(TokenizerStageTimes? tokenizer) => new(
        Round(Stopwatch.GetElapsedTime(_start).TotalSeconds),
        Round(_modelLoad),
        Round(_decodeWait),
        Round((double)Interlocked.Read(ref _decodeTicks) / Stopwatch.Frequency),
        Round(tokenizer?.PreprocessSeconds ?? 0),
        Round(tokenizer?.Vq02FrontEndSeconds ?? 0),
        Round(tokenizer?.Vq02EncoderSeconds ?? 0),
        Round(tokenizer?.Vq06Seconds ?? 0),
        Round(_write));

    private static double Round(double seconds) => Math.Round(seconds, 3);

    public enum Stage
    {
        ModelLoad,
        DecodeWait,
        Write,
    }
}
