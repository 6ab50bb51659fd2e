using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SpeechPairs.Worker.Pairs;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Contract;
using SpeechPairs.Tokenizer;
using SpeechPairs.Worker;
using SpeechPairs.Worker.Verify;

namespace SpeechPairs.Bench;

/// <summary>
/// Times <c>worker verify</c> on a generated job: N tiny WAV/.lab pairs (16 and 48 kHz, 0.05-0.2 s) and the merged
/// file the pipeline would write for them (tokens of the length the formula gives), made without the tokenizer.
/// </summary>
public static class VerifyBenchmark
{
    public static void Run(int clips, string? keepDir)
    {
        var root = keepDir ?? Path.Combine(Path.GetTempPath(), "speechpairs-verify-bench-" + Guid.NewGuid().ToString("N"));
        var extract = Path.Combine(root, "extracted");
        try
        {
            var made = Stopwatch.StartNew();
            var random = new Random(1);
            for (var i = 0; i < clips; i++)
            {
                var folder = Path.Combine(extract, $"lang {i % 3}", $"character {i % 97}");
                Directory.CreateDirectory(folder);
                var rate = i % 4 == 0 ? 48000 : 16000;
                File.WriteAllBytes(Path.Combine(folder, $"clip {i:000000}.wav"), Wav(rate, (int)(rate * (0.05 + random.NextDouble() * 0.15))));
                File.WriteAllText(Path.Combine(folder, $"clip {i:000000}.lab"), $"第{i}句台词。");
            }

            var output = Path.Combine(root, "pairs.jsonl");
            var lines = new StringBuilder();
            foreach (var pair in PairFinder.Find(extract, excludePlaceholder: false).Pairs)
            {
                var info = SpeechPairs.Tokenizer.Audio.WavReader.ReadInfo(pair.WavPath);
                TranscriptReader.TryRead(pair.LabPath, out var text, out _);
                lines.Append(pair.Record(text!, Tokens(ExpectedTokenCount.Groups(info.Frames, info.SampleRate)!.Value), info.SampleRate).ToLine()).Append('\n');
            }

            File.WriteAllText(output, lines.ToString());
            File.WriteAllText(new MergedOutputSet(output).Errors, "");
            Console.WriteLine($"generated {clips} pairs and their merged file in {made.Elapsed.TotalSeconds:0.0} s");

            var (seconds, result) = Measure.Best(2, () => new OutputVerifier(
                new VerifyOptions(output, extract, new MergedOutputSet(output).Errors, null, null, false, null, false, 3)).Run());
            Console.WriteLine($"verify: {(result.Verified ? "verified" : "PROBLEMS")} {result.Records} records in {seconds:0.00} s " +
                              $"({seconds / clips * 100_000:0.0} s per 100k clips; files in the page cache; best of 2)");
            Console.WriteLine($"clips={clips} seconds={seconds:0.000} per100k={seconds / clips * 100_000:0.0}");
        }
        finally
        {
            if (keepDir is null)
                Directory.Delete(root, recursive: true);
        }
    }

    private static byte[] Wav(int rate, int frames)
    {
        var bytes = new byte[44 + frames * 2];
        Encoding.ASCII.GetBytes("RIFF", bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 36 + frames * 2);
        Encoding.ASCII.GetBytes("WAVEfmt ", bytes.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), rate);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), rate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(34), 16);
        Encoding.ASCII.GetBytes("data", bytes.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40), frames * 2);
        return bytes;
    }

    private static string Tokens(long groups)
    {
        var text = new StringBuilder();
        for (var g = 0; g < groups; g++)
            text.Append("<audio_1><audio_2><audio_1025><audio_1026><audio_1027>");
        return text.ToString();
    }
}
