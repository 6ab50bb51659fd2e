using SpeechPairs.Tests.Support;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SpeechPairs.Worker.Commands;
using SpeechPairs.Contract;
using SpeechPairs.Worker.Hosting;
using SpeechPairs.Worker.Shard;
using SpeechPairs.Worker.Tokenizing;

namespace SpeechPairs.Tests.Worker;

/// <summary>
/// The worker with the real WAV reader and vq0206 tokenizer, on the tiny fixture bundle and the golden cases.
/// PENDING MERGE: excluded from compilation in tests/SpeechPairs.Tests/SpeechPairs.Tests.csproj until the tokenizer
/// library provides WavReader, TokenizerModels and Vq0206Tokenizer (and the worker's adapters are enabled).
/// </summary>
public sealed class StepAudioWorkerTests
{
    private static readonly string Fixtures = FindFixtures();
    private static readonly string Bundle = Path.Combine(Fixtures, "Step-Audio-Tokenizer");

    /// <summary>Cases with golden tokens; p10 (no samples) is expected to fail.</summary>
    private static readonly string[] GoldenCases = Directory.GetDirectories(Path.Combine(Fixtures, "cases"))
        .Where(d => File.Exists(Path.Combine(d, "tokens.txt")))
        .Select(Path.GetFileName)
        .Order(StringComparer.Ordinal)
        .ToArray()!;

    private const string EmptyCase = "p10_empty_16k";

    private static string CaseFile(string caseName, string file) => Path.Combine(Fixtures, "cases", caseName, file);

    private static string GoldenTokens(string caseName) => File.ReadAllText(CaseFile(caseName, "tokens.txt"), Encoding.UTF8);

    [SkippableFact]
    public void Tokenize_command_gives_the_golden_codes_and_tokens()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var inputs = GoldenCases.Select(c => CaseFile(c, "input.wav")).ToArray();
        var exitCode = WorkerCommandLine.Run(["tokenize", "--tokenizer-dir", Bundle, "--device", "cpu", .. inputs], Context(stdout, stderr));

        Assert.True(exitCode == ExitCodes.Success, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inputs.Length, lines.Length);
        for (var i = 0; i < inputs.Length; i++)
        {
            var line = JsonDocument.Parse(lines[i]).RootElement;
            var caseName = GoldenCases[i];
            Assert.Equal(inputs[i], line.GetProperty("wav").GetString());
            Assert.Equal(GoldenTokens(caseName), line.GetProperty("tokens").GetString());
            Assert.Equal(ReadInts(CaseFile(caseName, "vq02.json")), line.GetProperty("vq02").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(ReadInts(CaseFile(caseName, "vq06.json")), line.GetProperty("vq06").EnumerateArray().Select(e => e.GetInt32()));
        }

        var empty = WorkerCommandLine.Run(["tokenize", "--tokenizer-dir", Bundle, CaseFile(EmptyCase, "input.wav")], Context(stdout, stderr));
        Assert.Equal(ExitCodes.Failed, empty);
    }

    [SkippableFact]
    public void Shard_lines_carry_the_golden_tokens_and_a_resumed_shard_is_byte_identical()
    {
        using var temp = new TempDir();
        var root = temp.Combine("extract");
        foreach (var caseName in GoldenCases.Append(EmptyCase))
        {
            var stem = TestArchive.PathOf(root, $"中文 - Chinese/金丝雀/{caseName}");
            Directory.CreateDirectory(Path.GetDirectoryName(stem)!);
            File.Copy(CaseFile(caseName, "input.wav"), stem + ".wav");
            File.WriteAllText(stem + ".lab", $"“{caseName}” 的台词\n", Encoding.UTF8);
        }

        var output = temp.Combine("reference", "shard.jsonl.gz");
        Run(root, output, resume: false);

        var records = ReadGzipLines(output).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var withTokens = GoldenCases.Where(c => GoldenTokens(c).Length > 0).ToList();
        Assert.Equal(withTokens, records.Select(r => Path.GetFileName(r.GetProperty("id").GetString())));
        foreach (var record in records)
        {
            var caseName = Path.GetFileName(record.GetProperty("id").GetString())!;
            Assert.Equal(GoldenTokens(caseName), record.GetProperty("tokens").GetString());
            Assert.Equal($"“{caseName}” 的台词", record.GetProperty("text").GetString());
        }

        var errorIds = File.ReadAllLines(output + ".errors.jsonl").Select(l => Path.GetFileName(JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        Assert.Equal(GoldenCases.Where(c => GoldenTokens(c).Length == 0).Append(EmptyCase).Order(StringComparer.Ordinal), errorIds.Order(StringComparer.Ordinal));

        var reference = File.ReadAllBytes(output);
        var resumed = temp.Combine("resumed", "shard.jsonl.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(resumed)!);
        File.WriteAllBytes(resumed, reference[..(reference.Length / 2)]);
        Run(root, resumed, resume: true);
        Assert.Equal(reference, File.ReadAllBytes(resumed));
        Assert.Equal(File.ReadAllBytes(output + ".errors.jsonl"), File.ReadAllBytes(resumed + ".errors.jsonl"));
    }

    [SkippableFact]
    public void Worker_process_exits_when_its_parent_is_gone()
    {
        using var temp = new TempDir();
        var root = BigExtractDir(temp);
        using var parent = Process.Start(new ProcessStartInfo("sleep", "600"))!;
        using var worker = StartWorker(root, temp.Combine("out.jsonl.gz"), "--parent-pid", parent.Id.ToString());
        WaitForProgress(temp.Combine("out.jsonl.gz"));
        parent.Kill();
        parent.WaitForExit();
        Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(30)), "the worker outlived its parent");
        Assert.True(worker.ExitCode == ExitCodes.ParentExited, worker.Stderr);
        Assert.Equal("failed", JsonDocument.Parse(File.ReadAllText(temp.Combine("out.jsonl.gz.progress.json"))).RootElement.GetProperty("state").GetString());
    }

    [SkippableTheory]
    [InlineData("INT", ExitCodes.Interrupted, "Ctrl+C (SIGINT)")]
    [InlineData("TERM", ExitCodes.Terminated, "SIGTERM")]
    public void Worker_process_stops_on_a_signal_and_a_resume_completes_it_identically(string signal, int expectedExitCode, string reason)
    {
        using var temp = new TempDir();
        var root = BigExtractDir(temp);
        var reference = temp.Combine("reference.jsonl.gz");
        using (var uninterrupted = StartWorker(root, reference))
        {
            uninterrupted.WaitForExit();
            Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Stderr);
        }

        var output = temp.Combine("out.jsonl.gz");
        using (var worker = StartWorker(root, output))
        {
            WaitForProgress(output);
            using (var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {worker.Id}"))!)
                kill.WaitForExit();
            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(60)));
            worker.WaitForExit();
            Assert.True(worker.ExitCode == expectedExitCode, worker.Stderr);
            Assert.Contains($"worker shard: stopped by {reason} (exit code {expectedExitCode})", worker.Stderr);
        }

        Assert.Equal("failed", JsonDocument.Parse(File.ReadAllText(output + ".progress.json")).RootElement.GetProperty("state").GetString());
        Assert.False(File.Exists(output + ".done"));
        using (var stopped = File.OpenRead(output))
            Assert.Equal(stopped.Length, JsonlRecovery.RecoverGzip(stopped, JsonlRecovery.PairLine).GoodLength); // no torn member
        using (var resumed = StartWorker(root, output, "--resume"))
        {
            resumed.WaitForExit();
            Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        }

        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(output));
    }

    private static WorkerContext Context(TextWriter stdout, TextWriter stderr) => new()
    {
        Services = WorkerServices.Production,
        Environment = _ => null,
        Output = stdout,
        Error = stderr,
    };

    private static void Run(string root, string output, bool resume)
    {
        var services = WorkerServices.Production();
        var setup = new TokenizerSetup(Bundle, new SpeechPairs.Tokenizer.ModelOptions { Device = SpeechPairs.Tokenizer.ComputeDeviceKind.Cpu }, new SpeechPairs.Tokenizer.TokenizeOptions(), _ => { });
        var job = ShardHarness.Job(root, output, resume: resume, batchSeconds: 10);
        new ShardRunner(job, services.WavReader, () => services.CreateTokenizer(setup), new StringWriter()).Run();
    }

    /// <summary>The fixture clips (without the empty one) twenty times over: enough work to be interrupted.</summary>
    private static string BigExtractDir(TempDir temp)
    {
        var root = temp.Combine("extract");
        for (var copy = 0; copy < 20; copy++)
        {
            foreach (var caseName in GoldenCases)
            {
                var stem = TestArchive.PathOf(root, $"copy {copy:00}/{caseName}");
                Directory.CreateDirectory(Path.GetDirectoryName(stem)!);
                File.Copy(CaseFile(caseName, "input.wav"), stem + ".wav");
                File.WriteAllText(stem + ".lab", caseName);
            }
        }

        return root;
    }

    /// <summary>Starts a shard worker as a terminal would: through <c>env --default-signal=INT</c> on Linux (same process id), since a
    /// test host started in the background ignores SIGINT and its children would inherit that.</summary>
    private static RunningWorker StartWorker(string root, string output, params string[] more)
    {
        var start = new ProcessStartInfo(OperatingSystem.IsLinux() ? "env" : "dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])
                 [
                     .. OperatingSystem.IsLinux() ? new[] { "--default-signal=INT", "dotnet" } : [],
                     Path.Combine(AppContext.BaseDirectory, "SpeechPairs.Worker.dll"), "shard", "--extract-dir", root, "--out", output,
                     "--tokenizer-dir", Bundle, "--device", "cpu", "--batch-seconds", "5", "--progress-interval", "0.2", .. more,
                 ])
            start.ArgumentList.Add(argument);
        return new RunningWorker(Process.Start(start)!);
    }

    /// <summary>A worker process whose stderr is kept for assertion messages.</summary>
    private sealed class RunningWorker : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _stderr = new();

        public RunningWorker(Process process)
        {
            _process = process;
            process.ErrorDataReceived += (_, e) =>
            {
                lock (_stderr)
                    _stderr.AppendLine(e.Data);
            };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
        }

        public int Id => _process.Id;

        public int ExitCode => _process.ExitCode;

        public string Stderr
        {
            get
            {
                lock (_stderr)
                    return _stderr.ToString();
            }
        }

        public void WaitForExit() => _process.WaitForExit();

        public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

        public void Dispose()
        {
            if (!_process.HasExited)
                _process.Kill();
            _process.Dispose();
        }
    }

    /// <summary>Waits until the worker has written at least one batch.</summary>
    private static void WaitForProgress(string output)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var progress = JsonDocument.Parse(File.ReadAllText(output + ".progress.json")).RootElement;
                if (progress.GetProperty("done").GetInt32() > 0)
                    return;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
            }

            Thread.Sleep(50);
        }

        Assert.Fail("the worker wrote no batch within two minutes");
    }

    private static IEnumerable<int> ReadInts(string path) =>
        JsonDocument.Parse(File.ReadAllText(path)).RootElement.EnumerateArray().Select(e => e.GetInt32());

    private static string[] ReadGzipLines(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string FindFixtures()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "fixtures", "vq0206");
            if (Directory.Exists(candidate))
                return candidate;
        }

        throw new DirectoryNotFoundException("tests/fixtures/vq0206 not found above " + AppContext.BaseDirectory);
    }
}
