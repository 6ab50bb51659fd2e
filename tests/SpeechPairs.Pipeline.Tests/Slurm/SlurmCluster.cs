using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace SpeechPairs.Pipeline.Tests.Slurm;

/// <summary>
/// A throw-away single-node Slurm cluster (munged, slurmctld, slurmd) living in a temp folder, on loopback,
/// on free ports, run as root. Clients reach it through <see cref="Environment"/> (SLURM_CONF).
/// </summary>
internal sealed class SlurmCluster : IDisposable
{
    public const string Partition = "debug";

    // Not TempDirectory: slurm.conf cannot hold a path with a space (its parser splits there).
    private readonly string root = Directory.CreateTempSubdirectory("speechpairs-slurm-").FullName;
    private readonly List<(string Name, Process Process, StringBuilder Output)> daemons = [];

    private SlurmCluster() { }

    /// <summary>Why no cluster can be started here (binaries missing), or null.</summary>
    public static string? UnavailableReason
    {
        get
        {
            string[] missing = new[] { "munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel" }
                .Where(name => Which(name) is null).ToArray();
            return missing.Length == 0 ? null
                : $"Slurm tests need {string.Join(", ", missing)} (apt-get install --no-install-recommends slurm-wlm munge).";
        }
    }

    public string Root => root;

    private string In(string relative) => System.IO.Path.Combine(root, relative);
    public string ConfPath => In("slurm.conf");
    public string LogDirectory => In("log");

    /// <summary>What a child process needs to talk to this cluster; PATH stays as it is.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SLURM_CONF"] = ConfPath };

    /// <summary>Starts the daemons and waits for the node to be idle; throws with the daemon logs if it does not come up.</summary>
    public static SlurmCluster Start(TimeSpan? timeout = null)
    {
        var cluster = new SlurmCluster();
        try
        {
            cluster.StartDaemons(timeout ?? TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch (Exception e)
        {
            string logs = cluster.Logs();
            cluster.Dispose();
            throw new InvalidOperationException($"Slurm cluster did not come up: {e.Message}\n{logs}", e);
        }
    }

    private void StartDaemons(TimeSpan timeout)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("Slurm runs on Linux only.");
        // CreateTempSubdirectory makes 0700 folders; munged wants every parent of its socket o+x.
        foreach (string dir in new[] { System.IO.Path.GetTempPath(), root })
            File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        foreach (string dir in new[] { "log", "state", "spool", "run", "munge" })
            Directory.CreateDirectory(In(dir));
        File.SetUnixFileMode(In("run"), (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(In("munge"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string key = In("munge/munge.key");
        File.WriteAllBytes(key, RandomNumberGenerator.GetBytes(1024));
        File.SetUnixFileMode(key, UnixFileMode.UserRead);
        string socket = In("run/munge.sock");

        Spawn("munged", "--foreground", $"--socket={socket}", $"--key-file={key}", $"--pid-file={In("run/munged.pid")}",
            $"--log-file={In("log/munged.log")}", $"--seed-file={In("munge/munged.seed")}");
        WaitUntil(() => File.Exists(socket), timeout, "munged socket");

        File.WriteAllText(ConfPath, Conf(socket));
        Spawn("slurmctld", "-D", "-f", ConfPath);
        Spawn("slurmd", "-D", "-f", ConfPath, "-N", "localhost");
        WaitUntil(() => Client("sinfo", "-h", "-n", "localhost", "-o", "%T") is { ExitCode: 0 } r && r.Output.Trim() == "idle",
            timeout, "node localhost idle");
    }

    private string Conf(string mungeSocket)
    {
        // The node line from the real hardware, renamed to localhost so no hostname matters.
        string c = ProcessRunner.Run("slurmd", ["-C"]).AssertSucceeded("slurmd -C").Output;
        string cpus = Regex.Match(c, @"CPUs=(\d+)").Groups[1].Value;
        long memory = long.Parse(Regex.Match(c, @"RealMemory=(\d+)").Groups[1].Value);
        (int ctldPort, int slurmdPort) = FreePorts();
        return $"""
            ClusterName=speechpairs{Guid.NewGuid().ToString("N")[..8]}
            SlurmctldHost=localhost(127.0.0.1)
            SlurmctldPort={ctldPort}
            SlurmdPort={slurmdPort}
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            AuthInfo=socket={mungeSocket}
            CredType=cred/munge
            StateSaveLocation={In("state")}
            SlurmdSpoolDir={In("spool")}
            SlurmctldPidFile={In("run/slurmctld.pid")}
            SlurmdPidFile={In("run/slurmd.pid")}
            SlurmctldLogFile={In("log/slurmctld.log")}
            SlurmdLogFile={In("log/slurmd.log")}
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            MpiDefault=none
            ReturnToService=2
            SchedulerType=sched/backfill
            SchedulerParameters=batch_sched_delay=0
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core_Memory
            AccountingStorageType=accounting_storage/none
            JobCompType=jobcomp/none
            JobAcctGatherType=jobacct_gather/none
            DependencyParameters=kill_invalid_depend
            MinJobAge=600
            NodeName=localhost NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={Math.Max(1, memory * 9 / 10)} State=UNKNOWN
            PartitionName={Partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP

            """;
    }

    /// <summary>Runs a Slurm client (sbatch, squeue, ...) against this cluster.</summary>
    public ProcessRunner.Result Client(string program, params string[] arguments) =>
        ProcessRunner.Run(program, arguments, environment: Environment, timeout: TimeSpan.FromSeconds(60));

    /// <summary>Submits with --parsable and returns the job id.</summary>
    public string Submit(params string[] arguments)
    {
        string output = Client("sbatch", ["--parsable", .. arguments]).AssertSucceeded("sbatch").Output.Trim();
        return output.Split(';')[0]; // --parsable prints "ID" or "ID;cluster"
    }

    /// <summary>Polls `squeue -h -j ID` (sbatch --wait polls far more slowly) until the job and its tasks have left the queue.</summary>
    public void WaitForJob(string jobId, TimeSpan timeout) =>
        WaitUntil(() => Client("squeue", "-h", "-j", jobId) is { ExitCode: 0, Output: var o } && o.Trim().Length == 0, timeout, $"job {jobId} done");

    public void WaitForQueueEmpty(TimeSpan timeout) =>
        WaitUntil(() => Client("squeue", "-h") is { ExitCode: 0, Output: var o } && o.Trim().Length == 0, timeout, "empty queue");

    /// <summary>JobState of each line of `scontrol -o show job ID`, keyed by JobId or, for array tasks, "ArrayJobId_TaskId".</summary>
    public IReadOnlyDictionary<string, string> JobStates(string jobId) =>
        ShowJob(jobId).ToDictionary(
            fields => fields.TryGetValue("ArrayTaskId", out string? task) ? $"{fields["ArrayJobId"]}_{task}" : fields["JobId"],
            fields => fields["JobState"]);

    /// <summary>The JobState of a plain job (or a single array task, "ID_TASK").</summary>
    public string JobState(string jobId) => Assert.Single(ShowJob(jobId))["JobState"];

    /// <summary>The fields of each line of `scontrol -o show job ID` (values with spaces are cut at the first space).</summary>
    public IReadOnlyList<Dictionary<string, string>> ShowJob(string jobId) =>
        Client("scontrol", "-o", "show", "job", jobId).AssertSucceeded("scontrol show job").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(field => field.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]))
            .ToList();

    /// <summary>Every daemon log and daemon output, for failure messages.</summary>
    public string Logs()
    {
        var text = new StringBuilder();
        if (Directory.Exists(LogDirectory))
            foreach (string log in Directory.EnumerateFiles(LogDirectory).Order())
                text.Append($"--- {System.IO.Path.GetFileName(log)}\n{File.ReadAllText(log)}\n");
        foreach (var (name, _, output) in daemons)
            lock (output)
                text.Append($"--- {name} output\n{output}\n");
        return text.ToString();
    }

    public void Dispose()
    {
        // Cancel everything first so no job process outlives the daemons that track it.
        if (daemons.Count == 3 && !daemons.Any(d => d.Process.HasExited))
        {
            try
            {
                Client("scancel", "--user", "root");
                WaitForQueueEmpty(TimeSpan.FromSeconds(30));
            }
            catch (Exception) { } // stop the daemons regardless
        }
        // By our own PIDs, reverse start order: slurmd, slurmctld, munged.
        for (int i = daemons.Count - 1; i >= 0; i--)
        {
            Process process = daemons[i].Process;
            try
            {
                if (!process.HasExited)
                {
                    Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
                    if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
                        process.Kill(entireProcessTree: true);
                }
                process.WaitForExit();
            }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        daemons.Clear();
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
    }

    private void Spawn(string name, params string[] arguments)
    {
        Process process = ProcessRunner.Start(Which(name)!, arguments, root, out StringBuilder output);
        daemons.Add((name, process, output));
    }

    private void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (daemons.FirstOrDefault(d => d.Process.HasExited) is { Name: not null } dead)
                throw new InvalidOperationException($"{dead.Name} exited with {dead.Process.ExitCode} while waiting for {what}");
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"no {what} after {timeout.TotalSeconds:0} s");
            Thread.Sleep(200);
        }
    }

    private static (int, int) FreePorts()
    {
        // Slurm binds 0.0.0.0, so probe the wildcard address; both held at once so they differ.
        // A race with another process between here and the daemons' bind is possible but unlikely.
        using var a = new TcpListener(IPAddress.Any, 0);
        using var b = new TcpListener(IPAddress.Any, 0);
        a.Start();
        b.Start();
        return (((IPEndPoint)a.LocalEndpoint).Port, ((IPEndPoint)b.LocalEndpoint).Port);
    }

    private static string? Which(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator)
            .Concat(["/usr/sbin", "/sbin"]) // daemons live in sbin, which root's PATH may lack
            .Select(dir => System.IO.Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}

/// <summary>One cluster for every test in <see cref="SlurmCollection"/>; skipped where Slurm is not installed.</summary>
public sealed class SlurmClusterFixture : IDisposable
{
    private readonly SlurmCluster? cluster;

    public SlurmClusterFixture()
    {
        if (SlurmCluster.UnavailableReason is null)
        {
            var clock = Stopwatch.StartNew();
            cluster = SlurmCluster.Start(); // binaries present but broken: throws, every test fails with the logs
            StartupTime = clock.Elapsed;
        }
    }

    public TimeSpan StartupTime { get; }

    /// <summary>The cluster, or a dynamic skip (call from a [SkippableFact]).</summary>
    internal SlurmCluster Cluster
    {
        get
        {
            Skip.If(cluster is null, SlurmCluster.UnavailableReason);
            return cluster!;
        }
    }

    public void Dispose() => cluster?.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SlurmCollection : ICollectionFixture<SlurmClusterFixture>
{
    public const string Name = "slurm";
}
