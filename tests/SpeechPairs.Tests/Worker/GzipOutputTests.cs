using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker;

namespace SpeechPairs.Tests.Worker;

public sealed class GzipOutputTests
{
    private static readonly string[][] MemberLines =
    [
        [Line("a/1", "transcript: 你好"), Line("a/2", "wav: \n")],
        [Line("b/3", "tokenizer: 旅行者")],
        [Line("c/4"), Line("c/5"), Line("c/6")],
    ];

    private static string Line(string id, string error = "wav: x") => new ErrorRecord(id, id + ".wav", error).ToLine();

    private static byte[] Content(IEnumerable<string> lines) => Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));

    private static (byte[] File, List<long> Boundaries) ThreeMembers()
    {
        var file = new MemoryStream();
        var boundaries = new List<long> { 0 };
        foreach (var lines in MemberLines)
        {
            file.Write(GzipMember.Encode(Content(lines)));
            boundaries.Add(file.Length);
        }

        return (file.ToArray(), boundaries);
    }

    [SkippableFact]
    public void Concatenated_members_read_as_one_stream()
    {
        var (file, _) = ThreeMembers();
        using var gzip = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
        using var text = new StreamReader(gzip, Encoding.UTF8);
        Assert.Equal(Encoding.UTF8.GetString(Content(MemberLines.SelectMany(l => l))), text.ReadToEnd());
    }

    [SkippableFact]
    public void Encoding_is_deterministic() =>
        Assert.Equal(GzipMember.Encode(Content(MemberLines[0])), GzipMember.Encode(Content(MemberLines[0])));

    [SkippableFact]
    public void Gzip_tool_and_python_read_the_multi_member_file()
    {
        using var temp = new TempDir();
        var path = temp.Combine("out.jsonl.gz");
        File.WriteAllBytes(path, ThreeMembers().File);
        var expected = Encoding.UTF8.GetString(Content(MemberLines.SelectMany(l => l)));
        // Both tools are on every CI and developer machine of this project; a machine without one only skips that reader.
        if (TryRun("gzip", ["-dc", path], out var fromGzip))
            Assert.Equal(expected, fromGzip);
        if (TryRun("python3", ["-c", "import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())", path], out var fromPython))
            Assert.Equal(expected, fromPython);
    }

    [SkippableFact]
    public void Recovery_keeps_exactly_the_whole_members_at_every_cut()
    {
        var (file, boundaries) = ThreeMembers();
        for (var cut = 0; cut <= file.Length; cut++)
        {
            var recovered = JsonlRecovery.RecoverGzip(new MemoryStream(file[..cut]), JsonlRecovery.ErrorLine);
            var whole = boundaries.Count(b => b <= cut) - 1;
            Assert.Equal(boundaries[whole], recovered.GoodLength);
            Assert.Equal(MemberLines.Take(whole).SelectMany(l => l).Select(IdOf), recovered.Ids);
        }
    }

    [SkippableFact]
    public void A_damaged_member_is_dropped_with_everything_after_it()
    {
        var (file, boundaries) = ThreeMembers();
        var damaged = file.ToArray();
        damaged[(int)boundaries[1] + GzipMember.HeaderLength + 2] ^= 0x55;
        var recovered = JsonlRecovery.RecoverGzip(new MemoryStream(damaged), JsonlRecovery.ErrorLine);
        Assert.Equal(boundaries[1], recovered.GoodLength);
        Assert.Equal(["a/1", "a/2"], recovered.Ids);
    }

    [SkippableFact]
    public void A_member_holding_a_torn_line_is_dropped()
    {
        var good = GzipMember.Encode(Content(MemberLines[0]));
        var torn = GzipMember.Encode(Encoding.UTF8.GetBytes("""{"id":"x/1"}""" + "\n" + """{"id":"x"""));
        var recovered = JsonlRecovery.RecoverGzip(new MemoryStream([.. good, .. torn]), JsonlRecovery.ErrorLine);
        Assert.Equal(good.Length, recovered.GoodLength);
    }

    [SkippableFact]
    public void Gzip_written_by_other_tools_is_not_taken_for_ours()
    {
        var other = new MemoryStream();
        using (var gzip = new GZipStream(other, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Content(MemberLines[0]));
        Assert.Equal(0, JsonlRecovery.RecoverGzip(new MemoryStream(other.ToArray()), JsonlRecovery.ErrorLine).GoodLength);
    }

    [SkippableFact]
    public void Plain_recovery_keeps_complete_lines_at_every_cut()
    {
        var file = Content(MemberLines.SelectMany(l => l));
        for (var cut = 0; cut <= file.Length; cut++)
        {
            var recovered = JsonlRecovery.RecoverPlain(new MemoryStream(file[..cut]), JsonlRecovery.ErrorLine);
            var expectedLength = cut == 0 ? 0 : Array.LastIndexOf(file, (byte)'\n', cut - 1) + 1;
            Assert.Equal(expectedLength, recovered.GoodLength);
            Assert.Equal(file.Take(expectedLength).Count(b => b == '\n'), recovered.Ids.Count);
        }
    }

    [SkippableFact]
    public void Plain_recovery_stops_at_the_first_line_that_is_not_a_record()
    {
        var good = Content([Line("a"), Line("b")]);
        var file = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(good) + "\0\0\0\0\n" + Line("c") + "\n");
        var recovered = JsonlRecovery.RecoverPlain(new MemoryStream(file), JsonlRecovery.ErrorLine);
        Assert.Equal(["a", "b"], recovered.Ids);
        Assert.Equal(good.Length, recovered.GoodLength);
    }

    [SkippableTheory]
    [InlineData("{\"id\":\"a\",\"rel_wav\":\"a.wav\",\"error\":\"wav: x\"}", true)]
    [InlineData("{\"id\":\"a\\\"b\",\"rel_wav\":\"a.wav\",\"error\":\"wav: x\"}", true)]
    [InlineData("{\"id\":\"a\",\"rel_wav\":\"a.wav\",\"error\":\"wav: x\"", false)]
    [InlineData("{\"id\":1,\"rel_wav\":\"a.wav\",\"error\":\"wav: x\"}", false)]
    [InlineData("{\"rel_wav\":\"a.wav\",\"id\":\"a\",\"error\":\"wav: x\"}", false)]
    [InlineData("{\"id\":\"a\",\"rel_wav\":\"a.wav\",\"error\":\"wav: x\",\"x\":1}", false)]
    [InlineData("{\"id\":\"a\",\"rel_wav\":\"a.wav\",\"error\":\"wav: x\"}{\"id\":\"b\"}", false)]
    [InlineData("[\"id\"]", false)]
    [InlineData("", false)]
    public void A_line_counts_only_as_a_whole_record_of_its_file(string line, bool counts) =>
        Assert.Equal(counts, JsonlRecovery.ErrorLine(Encoding.UTF8.GetBytes(line), out _, out _));

    [SkippableFact]
    public void A_pair_line_counts_with_its_tokens()
    {
        var line = new PairRecord("a", "t", "<audio_1><audio_2><audio_1025><audio_1026><audio_1027>", "a.wav", "a.lab", 16000).ToLine();
        Assert.True(JsonlRecovery.PairLine(Encoding.UTF8.GetBytes(line), out var id, out var tokens));
        Assert.Equal(("a", 5L), (id, tokens));
        Assert.False(JsonlRecovery.PairLine(Encoding.UTF8.GetBytes(Line("a")), out _, out _));
    }

    private static string IdOf(string line)
    {
        Assert.True(JsonlRecovery.ErrorLine(Encoding.UTF8.GetBytes(line), out var id, out _));
        return id;
    }

    private static bool TryRun(string tool, string[] arguments, out string stdout)
    {
        stdout = "";
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.Equal(0, process.ExitCode);
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // tool not installed
        }
    }
}
