using SpeechPairs.Tests.Support;
using SpeechPairs.Worker.Shard;

namespace SpeechPairs.Tests.Worker;

public sealed class ResumePlanTests
{
    /// <summary>A finished shard of the job with identity "job-a", with its done record and progress file.</summary>
    private static ShardJob FinishedShard(TempDir temp)
    {
        var root = temp.Combine("extract");
        TestArchive.WriteGoodClips(root, 2);
        var job = ShardHarness.Job(root, temp.Combine("out.jsonl")) with { SettingsHash = "job-a" };
        ShardHarness.Execute(job);
        return job with { Resume = true };
    }

    [SkippableFact]
    public void A_done_record_of_this_job_leaves_nothing_to_do()
    {
        using var temp = new TempDir();
        var job = FinishedShard(temp);
        var log = new StringWriter();

        var plan = ResumePlan.Decide(job, log, "[shard 0/1]");

        Assert.True(plan.AlreadyDone);
        Assert.StartsWith($"[shard 0/1] already done ({job.Files.Done}: 2 records, 0 errors)", log.ToString());
    }

    [SkippableFact]
    public void A_done_record_of_another_job_starts_the_shard_over()
    {
        using var temp = new TempDir();
        var job = FinishedShard(temp) with { SettingsHash = "job-b" };
        var log = new StringWriter();

        var plan = ResumePlan.Decide(job, log, "[shard 0/1]");

        Assert.Equal((false, false, null), (plan.AlreadyDone, plan.Resume, plan.Earlier));
        Assert.Contains("was made with other settings; starting over", log.ToString());
    }

    [SkippableFact]
    public void Partial_output_resumes_with_its_progress_only_when_it_is_this_jobs()
    {
        using var temp = new TempDir();
        var job = FinishedShard(temp);
        File.Delete(job.Files.Done);

        var same = ResumePlan.Decide(job, new StringWriter(), "[shard 0/1]");
        Assert.Equal((false, true, "job-a"), (same.AlreadyDone, same.Resume, same.Earlier?.SettingsHash));
        Assert.Equal(same.Earlier!.WallSeconds, same.EarlierWallSeconds);

        var log = new StringWriter();
        var other = ResumePlan.Decide(job with { SettingsHash = "job-b" }, log, "[shard 0/1]");
        Assert.Equal((false, false, null), (other.AlreadyDone, other.Resume, other.Earlier));
        Assert.Contains($"the partial output {job.Files.Output} was made with other settings; starting over", log.ToString());
    }

    [SkippableFact]
    public void Without_resume_the_earlier_files_are_not_read()
    {
        using var temp = new TempDir();
        var job = FinishedShard(temp) with { Resume = false };
        var log = new StringWriter();

        var plan = ResumePlan.Decide(job, log, "[shard 0/1]");

        Assert.Equal((false, false, null), (plan.AlreadyDone, plan.Resume, plan.Earlier));
        Assert.Empty(log.ToString());
    }
}
