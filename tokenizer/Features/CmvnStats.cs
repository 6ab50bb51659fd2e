using System.Globalization;

namespace SpeechPairs.Tokenizer.Features;

/// <summary>
/// Global CMVN from FunASR's <c>am.mvn</c> (Kaldi nnet text): the <c>&lt;AddShift&gt;</c> and
/// <c>&lt;Rescale&gt;</c> rows that follow <c>&lt;LearnRateCoef&gt;</c>. Applied as (x + shift) · scale in float32.
/// </summary>
public sealed class CmvnStats
{
    private CmvnStats(float[] shift, float[] scale)
    {
        Shift = shift;
        Scale = scale;
    }

    public float[] Shift { get; }

    public float[] Scale { get; }

    public int Dim => Shift.Length;

    /// <summary>Parses <paramref name="path"/>; <see cref="InvalidDataException"/> says what is missing.</summary>
    public static CmvnStats Load(string path)
    {
        string[] lines = File.ReadAllLines(path);
        float[]? shift = null, scale = null;
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            string[] head = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (head.Length == 0) continue;
            if (head[0] is "<AddShift>") shift = ReadCoefficients(lines[i + 1]) ?? shift;
            else if (head[0] is "<Rescale>") scale = ReadCoefficients(lines[i + 1]) ?? scale;
        }
        if (shift is null) throw new InvalidDataException("no <AddShift> row after <LearnRateCoef>");
        if (scale is null) throw new InvalidDataException("no <Rescale> row after <LearnRateCoef>");
        if (shift.Length != scale.Length)
            throw new InvalidDataException($"<AddShift> has {shift.Length} values but <Rescale> has {scale.Length}");
        return new CmvnStats(shift, scale);
    }

    // "<LearnRateCoef> 0 [ v1 v2 ... ]": FunASR takes items[3:-1], parsed as float64 then stored as float32 by numpy.
    private static float[]? ReadCoefficients(string line)
    {
        string[] items = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (items.Length < 4 || items[0] != "<LearnRateCoef>") return null;
        var values = new float[items.Length - 4];
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.TryParse(items[3 + i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new InvalidDataException($"not a number: '{items[3 + i]}'");
            values[i] = (float)v;
        }
        return values;
    }

    /// <summary>In place: row[j] = (row[j] + shift[j]) · scale[j].</summary>
    public void Apply(Span<float> row)
    {
        for (int j = 0; j < row.Length; j++) row[j] = (row[j] + Shift[j]) * Scale[j];
    }
}
