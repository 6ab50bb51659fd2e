using SpeechPairs.Contract;
using System.Reflection;
using Microsoft.Build.Framework;
using SpeechPairs.Tasks;

namespace SpeechPairs.Pipeline.Tests;

/// <summary>The worker command line ExtractArchive builds and how it reports the worker's lines (running it: PipelineTargetsTests).</summary>
public sealed class ExtractArchiveCommandLineTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    private static readonly BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic;

    private static string CommandLine(ExtractArchive task) =>
        (string)typeof(ExtractArchive).GetMethod("GenerateCommandLineCommands", Instance)!.Invoke(task, null)!;

    private ExtractArchive Task(RecordingBuildEngine log)
    {
        string workDir = temp["work"];
        new JobSpec { Archive = "/data/语音 voices.7z", ExtractDir = "/data/extract", TokenizerDir = "/m", WorkDir = workDir, Out = Path.Combine(workDir, "p.jsonl.gz") }
            .Write(JobSpec.PathIn(workDir));
        return new ExtractArchive { BuildEngine = log, WorkerAssembly = "/w/SpeechPairs.Worker.dll", JobFile = JobSpec.PathIn(workDir) };
    }

    [SkippableFact]
    public void PassesTheJobSpecAndNoSettingOfItsOwn()
    {
        string line = CommandLine(Task(new RecordingBuildEngine()));

        Assert.StartsWith("/w/SpeechPairs.Worker.dll extract ", line);
        Assert.Contains($"--job \"{JobSpec.PathIn(temp["work"])}\"", line); // quoted: the temp folder's name has a space
        Assert.DoesNotContain("--archive", line);
        Assert.DoesNotContain("--dest", line);
        Assert.DoesNotContain("--managed", line);
        Assert.Matches(@"--parent-pid \d+$", line);
    }

    [SkippableFact]
    public void WorkerLinesAreLoggedAndItsWarningsBecomeBuildWarnings()
    {
        var log = new RecordingBuildEngine();
        ExtractArchive task = Task(log);
        MethodInfo logLine = typeof(ExtractArchive).GetMethod("LogEventsFromTextOutput", Instance, [typeof(string), typeof(MessageImportance)])!;

        logLine.Invoke(task, ["[extract] extracting *.wav and *.lab from 'x.7z' (SevenZip) with 7-Zip (/usr/bin/7zz)", MessageImportance.Normal]);
        logLine.Invoke(task, ["[extract] warning: skipped 1 symbolic or hard link(s) in 'x.7z': 'a.lab'", MessageImportance.Normal]);
        logLine.Invoke(task, ["worker extract: no .wav/.lab pairs in 'x.7z' (wav 1, lab 0, pairs 0)", MessageImportance.Normal]);
        typeof(ExtractArchive).GetMethod("HandleTaskExecutionErrors", Instance)!.Invoke(task, null);

        Assert.Contains(log.Messages, m => m.Contains("with 7-Zip"));
        Assert.Equal("skipped 1 symbolic or hard link(s) in 'x.7z': 'a.lab'", Assert.Single(log.Warnings));
        string error = Assert.Single(log.Errors);
        Assert.Contains("/data/语音 voices.7z", error);
        Assert.Contains("no .wav/.lab pairs", error);
    }
}
