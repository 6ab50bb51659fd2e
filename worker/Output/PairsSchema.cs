using Parquet.Schema;
using SpeechPairs.Contract;

namespace SpeechPairs.Worker.Output;

/// <summary>The Parquet schema of the merged pairs: <see cref="PairRecord.Keys"/> in their order, required (never null) columns.</summary>
internal static class PairsSchema
{
    public static readonly DataField<string>[] StringFields = [.. PairRecord.Keys.Take(5).Select(key => new DataField<string>(key, false))];

    public static readonly DataField<int> Sr = new(PairRecord.Keys[5], false);

    public static readonly ParquetSchema Schema = new([.. StringFields, Sr]);
}
