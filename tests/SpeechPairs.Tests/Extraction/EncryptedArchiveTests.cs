using System.Diagnostics;
using System.Text;
using SpeechPairs.Contract;
using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Extraction;
using SpeechPairs.Worker.Hosting;

namespace SpeechPairs.Tests.Extraction;

/// <summary>
/// Password-protected archives, made by 7-Zip at test time: both extractors refuse them within seconds, naming the
/// archive, instead of waiting for a password that never comes; nothing is left behind, no 7-Zip keeps running.
/// </summary>
public sealed class EncryptedArchiveTests : IDisposable
{
    // Far above what a refusal takes; a run past it is a hang (7-Zip waiting for a password), cut short so the test fails.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TempDir temp = new();
    private readonly List<string> log = [];

    public void Dispose() => temp.Dispose();

    private string Dest => temp.Combine("extract");

    // "entries": 7z with encrypted data, readable listing; "headers": 7z whose listing is encrypted too (-mhe=on);
    // "zip": a zip's entries (ZipCrypto).
    public static TheoryData<bool, string> ExtractorsAndEncryption()
    {
        var data = new TheoryData<bool, string>();
        foreach (bool managed in new[] { false, true })
            foreach (string encryption in new[] { "entries", "headers", "zip" })
                data.Add(managed, encryption);
        return data;
    }

    private string EncryptedArchive(string encryption)
    {
        string staging = temp.Combine("staging");
        TestArchives.WriteClips(staging, 3);
        string archive = temp.Combine($"secret {encryption} 加密.archive");
        switch (encryption)
        {
            case "entries":
                TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip, "-pSECRET");
                break;
            case "headers":
                TestArchives.Pack(staging, archive, ArchiveFormat.SevenZip, "-pSECRET", "-mhe=on");
                break;
            default:
                TestArchives.Pack(staging, archive, ArchiveFormat.Zip, "-pSECRET");
                break;
        }
        return archive;
    }

    [SkippableTheory]
    [MemberData(nameof(ExtractorsAndEncryption))]
    public void AnEncryptedArchiveIsRefusedAtOnceNamingIt(bool managed, string encryption)
    {
        string archive = EncryptedArchive(encryption);

        using var stop = new CancellationTokenSource();
        Task<ExtractionSentinel> run = Task.Run(() =>
            new ArchiveExtraction(log.Add, ParentProcessWatcher.IsProcessAlive).Run(new ExtractionRequest(archive, Dest, managed), stop.Token));
        bool finished = ((IAsyncResult)run).AsyncWaitHandle.WaitOne(Bound);
        if (!finished)
        {
            stop.Cancel(); // kills any 7-Zip, so a hang fails this test instead of outliving it
            ((IAsyncResult)run).AsyncWaitHandle.WaitOne(Bound);
            Assert.Fail($"extracting '{archive}' did not end within {Bound.TotalSeconds} s:\n{string.Join('\n', log)}");
        }

        var failure = Assert.IsType<WorkerFailureException>(run.Exception?.InnerException);
        Assert.True(failure.Message.Contains($"'{archive}' is encrypted (password-protected)") && failure.Message.Contains("SkipExtract"),
            failure.Message);
        Assert.False(Directory.Exists(Dest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path, "extract.*")); // no .partial-<pid> folder, no list file
        if (OperatingSystem.IsLinux())
            Assert.Empty(WorkerExtractProcess.ProcessesMentioning(archive));
    }

    /// <summary>
    /// As the pipeline runs it: <c>worker extract</c> with a standard input that stays open and is never written, the
    /// way 7-Zip hung waiting for a password. It fails (code 1) with one line naming the archive, and no 7-Zip is left.
    /// </summary>
    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheWorkerFailsOnAHeaderEncryptedArchiveWithItsInputLeftOpen(bool managed)
    {
        string archive = EncryptedArchive("headers");
        string[] arguments = ["extract", "--archive", archive, "--dest", Dest, .. managed ? new[] { "--managed" } : []];

        using Process worker = WorkerExtractProcess.Start(arguments, out StringBuilder output, holdStandardInputOpen: true);
        try
        {
            Assert.True(worker.WaitForExit(Bound), $"worker extract did not end within {Bound.TotalSeconds} s:\n{output}");
            worker.WaitForExit(); // flush the output events
            string text;
            lock (output)
                text = output.ToString();
            Assert.True(worker.ExitCode == ExitCodes.Failed, $"exit code {worker.ExitCode}:\n{text}");
            Assert.True(text.Contains($"'{archive}' is encrypted (password-protected)"), text);
            Assert.False(Directory.Exists(Dest));
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp.Path, "extract.*"));
            if (OperatingSystem.IsLinux())
                Assert.Empty(WorkerExtractProcess.ProcessesMentioning(archive));
        }
        finally
        {
            if (!worker.HasExited)
                worker.Kill(entireProcessTree: true);
        }
    }
}
