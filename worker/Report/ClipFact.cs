namespace SpeechPairs.Worker.Report;

/// <summary>What the report knows about one record: its length and format from the WAV header, its text and tokens.</summary>
public sealed record ClipFact(string Id, string RelWav, double Seconds, int SampleRate, int Channels, int Characters, long Tokens)
{
    public double CharactersPerSecond => Seconds > 0 ? Characters / Seconds : 0;

    public double TokensPerSecond => Seconds > 0 ? Tokens / Seconds : 0;
}
