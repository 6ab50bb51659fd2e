using SpeechPairs.Tests.Support;
using System.Text.Json;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

public sealed class CommandLineTests
{
    private sealed record Invocation(int ExitCode, string Stdout, string Stderr)
    {
        public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static Invocation Invoke(
        string[] args,
        Func<string, string?>? environment = null,
        Func<TokenizerSetup, IClipTokenizer>? loadTokenizer = null)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var context = new WorkerContext
        {
            Services = () => new WorkerServices(new TestWavReader(), loadTokenizer ?? (_ => new FakeClipTokenizer())),
            Environment = environment ?? (_ => null),
            Output = stdout,
            Error = stderr,
            ExitProcess = code => throw new InvalidOperationException($"the test tried to exit the process with {code}"),
        };
        var exitCode = WorkerCommandLine.Run(args, context);
        return new Invocation(exitCode, stdout.ToString(), stderr.ToString());
    }

    private static string[] ShardArgs(TempDir temp, params string[] more) =>
        ["shard", "--extract-dir", temp.Combine("extract"), "--out", temp.Combine("out", "shard.jsonl.gz"), "--tokenizer-dir", temp.Path, .. more];

    [SkippableFact]
    public void Help_documents_every_option_with_its_default()
    {
        var help = Invoke(["shard", "--help"]);
        Assert.Equal(0, help.ExitCode);
        foreach (var option in new[]
                 {
                     "--extract-dir", "--out", "--tokenizer-dir", "--shard-count", "--shard-index", "--resume", "--no-done",
                     "--exclude-placeholder", "--max-duration", "--trim", "--dither", "--device", "--torch-threads", "--onnx-threads",
                     "--batch-seconds", "--parent-pid", "--progress-interval",
                 })
            Assert.Contains(option, help.Stdout);
        foreach (var shownDefault in new[] { "[default: 120]", "[default: auto]", "[default: 1]", "[default: 0]", "[default: 2]", "SPEECHPAIRS_SHARD_COUNT", "SLURM_ARRAY_TASK_ID" })
            Assert.Contains(shownDefault, help.Stdout);
        Assert.Contains("--tokenizer-dir", Invoke(["tokenize", "--help"]).Stdout);
        Assert.Contains("Exit codes", Invoke(["--help"]).Stdout);
    }

    [SkippableTheory]
    [InlineData("--device", "gpu")]
    [InlineData("--torch-threads", "0")]
    [InlineData("--onnx-threads", "x")]
    [InlineData("--batch-seconds", "-5")]
    [InlineData("--max-duration", "0")]
    [InlineData("--dither", "-1")]
    [InlineData("--shard-count", "3")]
    [InlineData("--parent-pid", "0")]
    [InlineData("--no-such-option", "1")]
    public void Bad_arguments_exit_2_with_one_line(string option, string value)
    {
        using var temp = new TempDir();
        Directory.CreateDirectory(temp.Combine("extract"));
        var result = Invoke(ShardArgs(temp, option, value));
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("worker shard: ", line);
        Assert.False(File.Exists(temp.Combine("out", "shard.jsonl.gz")));
    }

    [SkippableFact]
    public void Missing_required_options_and_commands_exit_2()
    {
        Assert.Equal(ExitCodes.Usage, Invoke(["shard", "--out", "x.jsonl"]).ExitCode);
        Assert.Equal(ExitCodes.Usage, Invoke([]).ExitCode);
        Assert.Equal(ExitCodes.Usage, Invoke(["tokenize", "--tokenizer-dir", "."]).ExitCode);
        Assert.Single(Invoke(["shard"]).StderrLines);
    }

    [SkippableFact]
    public void Environment_with_an_impossible_shard_exits_2()
    {
        using var temp = new TempDir();
        Directory.CreateDirectory(temp.Combine("extract"));
        var result = Invoke(ShardArgs(temp), name => name == "JOB_COMPLETION_INDEX" ? "1" : null);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("SPEECHPAIRS_SHARD_COUNT", Assert.Single(result.StderrLines));
    }

    [SkippableFact]
    public void A_shard_that_cannot_run_exits_1_with_one_line()
    {
        using var temp = new TempDir();
        var noExtract = Invoke(ShardArgs(temp));
        Assert.Equal(ExitCodes.Failed, noExtract.ExitCode);
        Assert.StartsWith($"worker shard: extract dir not found on {Environment.MachineName}: {temp.Combine("extract")} ", Assert.Single(noExtract.StderrLines));

        Directory.CreateDirectory(temp.Combine("extract"));
        TestArchive.WriteGoodClips(temp.Combine("extract"), 1);
        var noModels = Invoke(["shard", "--extract-dir", temp.Combine("extract"), "--out", temp.Combine("o.jsonl"), "--tokenizer-dir", temp.Combine("models")]);
        Assert.Equal(ExitCodes.Failed, noModels.ExitCode);
        Assert.StartsWith($"worker shard: tokenizer dir not found on {Environment.MachineName}: {temp.Combine("models")} ", Assert.Single(noModels.StderrLines));

        var badBundle = Invoke(ShardArgs(temp), loadTokenizer: setup => throw new InvalidDataException($"{setup.TokenizerDir}/linguistic_tokenizer.npy: not a .npy file"));
        Assert.Equal(ExitCodes.Failed, badBundle.ExitCode);
        Assert.EndsWith("linguistic_tokenizer.npy: not a .npy file", badBundle.StderrLines[^1]);
        Assert.StartsWith("worker shard: cannot load the tokenizer from ", badBundle.StderrLines[^1]);
    }

    [SkippableFact]
    public void A_slurm_array_task_runs_its_shard_and_exits_0()
    {
        using var temp = new TempDir();
        TestArchive.WriteGoodClips(temp.Combine("extract"), 9);
        var env = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "3" };
        var seen = new List<TokenizerSetup>();
        var result = Invoke(ShardArgs(temp, "--torch-threads", "2", "--onnx-threads", "3", "--dither", "0.5", "--trim", "--device", "cpu"),
            env.GetValueOrDefault, setup =>
            {
                seen.Add(setup);
                return new FakeClipTokenizer();
            });

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("[shard 1/3]", result.Stderr);
        var output = temp.Combine("out", "shard.jsonl.gz");
        Assert.True(File.Exists(output + ".done"));
        var progress = JsonDocument.Parse(File.ReadAllText(output + ".progress.json")).RootElement;
        Assert.Equal(1, progress.GetProperty("shard_index").GetInt32());
        Assert.Equal(3, progress.GetProperty("total").GetInt32());
        var setup = Assert.Single(seen);
        Assert.Equal((2, 3, 0.5f, true, SpeechPairs.Tokenizer.ComputeDeviceKind.Cpu),
            (setup.Models.TorchThreads, setup.Models.OnnxThreads, setup.Tokenize.Dither, setup.Tokenize.Trim, setup.Models.Device));
    }

    [SkippableFact]
    public void Tokenize_prints_one_json_object_per_file_and_exits_1_when_one_failed()
    {
        using var temp = new TempDir();
        var good = temp.Combine("好 1.wav");
        TestWav.Write(good, 0.5, seed: 1, sampleRate: 22050);
        var missing = temp.Combine("missing.wav");

        var result = Invoke(["tokenize", "--tokenizer-dir", temp.Path, good, missing]);
        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var ok = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal(["wav", "sr", "vq02", "vq06", "tokens"], ok.EnumerateObject().Select(p => p.Name));
        Assert.Equal(good, ok.GetProperty("wav").GetString());
        Assert.Equal(22050, ok.GetProperty("sr").GetInt32());
        Assert.Equal(10, ok.GetProperty("vq02").GetArrayLength());
        Assert.Equal(15, ok.GetProperty("vq06").GetArrayLength());
        Assert.StartsWith("<audio_", ok.GetProperty("tokens").GetString());
        var failed = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal(["wav", "error"], failed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(missing, failed.GetProperty("wav").GetString());

        Assert.Equal(0, Invoke(["tokenize", "--tokenizer-dir", temp.Path, good]).ExitCode);
    }

    [SkippableFact]
    public void Tokenize_stops_with_exit_1_and_names_the_file_when_the_tokenizer_itself_fails()
    {
        // A throw is the tokenizer failing, not the clip: as in a shard, the command fails rather than writing an error line.
        using var temp = new TempDir();
        var good = temp.Combine("good.wav");
        TestWav.Write(good, 0.5, seed: 1);
        var blowsUp = temp.Combine("blows up.wav");
        TestWav.Write(blowsUp, 0.5, seed: 2, firstSample: FakeClipTokenizer.ThrowMarker);

        var result = Invoke(["tokenize", "--tokenizer-dir", temp.Path, good, blowsUp]);
        Assert.Equal(ExitCodes.Failed, result.ExitCode);
        Assert.Single(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"worker tokenize: the tokenizer failed on {blowsUp}: the model blew up", result.Stderr.Trim());
    }
}
