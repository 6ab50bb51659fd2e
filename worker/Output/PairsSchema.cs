using Parquet.Schema;

namespace SpeechPairs.Worker.Output;

/// <summary>The Parquet schema of the merged pairs: the JSONL keys in their order, required (never null) columns.</summary>
internal static class PairsSchema
{
    public static readonly DataField<string> Id = new("id", false);
    public static readonly DataField<string> Text = new("text", false);
    public static readonly DataField<string> Tokens = new("tokens", false);
    public static readonly DataField<string> RelWav = new("rel_wav", false);
    public static readonly DataField<string> RelLab = new("rel_lab", false);
    public static readonly DataField<int> Sr = new("sr", false);

    public static readonly ParquetSchema Schema = new(Id, Text, Tokens, RelWav, RelLab, Sr);

    public static readonly DataField<string>[] StringFields = [Id, Text, Tokens, RelWav, RelLab];
}
