using System.Globalization;

namespace Offswitch.Sandboxes;

/// <summary>
/// A control group per sandbox, capping the memory (page cache and tmpfs pages included) and the number of tasks of
/// every process in it. Needs root: cgroup v2 (<c>memory.max</c>, <c>memory.swap.max</c>, <c>pids.max</c>) where the
/// unified hierarchy has the memory and pids controllers, else cgroup v1's memory and pids hierarchies
/// (<c>memory.limit_in_bytes</c>, <c>memory.memsw.limit_in_bytes</c>, <c>pids.max</c>). Without either, or without
/// root, <see cref="TryCreate"/> returns null with the reason, and only the per-process rlimits hold.
/// </summary>
internal sealed class SandboxCgroup
{
    private const string Root = "/sys/fs/cgroup";
    private const int MaxPooled = 512;

    // Making a group costs milliseconds of kernel time (v1's memory controller most), removing one too: a group whose
    // sandbox has ended, and so holds no process, is kept for the next sandbox of this harness.
    private static readonly System.Collections.Concurrent.ConcurrentBag<SandboxCgroup> Pool = [];
    private static int _exitHook;
    private readonly IReadOnlyList<string> _directories;
    private (long Memory, int Tasks) _limits;

    private SandboxCgroup(IReadOnlyList<string> directories, string version)
    {
        _directories = directories;
        Version = version;
    }

    /// <summary>"v2" or "v1".</summary>
    public string Version { get; }

    /// <summary>A group with these limits: an idle one of this harness's when there is one, else a new one.</summary>
    public static SandboxCgroup? Rent(long memoryBytes, int maxTasks, bool isRoot, out string? reason)
    {
        reason = null;
        while (Pool.TryTake(out var idle))
        {
            try
            {
                idle.SetLimits(memoryBytes, maxTasks);
                return idle;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                idle.Remove();
            }
        }

        if (Interlocked.Exchange(ref _exitHook, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                while (Pool.TryTake(out var idle))
                    idle.Remove();
            };
        }

        return TryCreate(memoryBytes, maxTasks, isRoot, out reason);
    }

    /// <summary>Gives the group back once its sandbox has ended: kept for reuse when empty, removed otherwise.</summary>
    public void Return()
    {
        try
        {
            // Zombies of the ended machine may still be listed for a moment; they leave as soon as they are reaped.
            if (Pool.Count < MaxPooled && Processes().Count == 0)
            {
                Pool.Add(this);
                return;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone: nothing to keep.
        }

        Remove();
    }

    private void SetLimits(long memoryBytes, int maxTasks)
    {
        if (_limits == (memoryBytes, maxTasks))
            return;
        var memory = memoryBytes.ToString(CultureInfo.InvariantCulture);
        var tasks = maxTasks.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in _directories)
        {
            if (Version == "v2")
            {
                File.WriteAllText($"{dir}/memory.max", memory);
                File.WriteAllText($"{dir}/pids.max", tasks);
            }
            else if (File.Exists($"{dir}/memory.limit_in_bytes"))
            {
                // memsw must stay at or above the plain limit: order the writes by direction.
                var lower = memoryBytes < _limits.Memory;
                if (lower)
                    TryWrite($"{dir}/memory.memsw.limit_in_bytes", memory);
                File.WriteAllText($"{dir}/memory.limit_in_bytes", memory);
                if (!lower)
                    TryWrite($"{dir}/memory.memsw.limit_in_bytes", memory);
            }
            else
            {
                File.WriteAllText($"{dir}/pids.max", tasks);
            }
        }

        _limits = (memoryBytes, maxTasks);
    }

    /// <summary>Creates the group and writes its limits; null (with the reason) when this host cannot give one.</summary>
    private static SandboxCgroup? TryCreate(long memoryBytes, int maxTasks, bool isRoot, out string? reason)
    {
        reason = null;
        if (!isRoot)
        {
            reason = "not root: no cgroup (memory is capped per process only)";
            return null;
        }

        var name = "offswitch-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        var memory = memoryBytes.ToString(CultureInfo.InvariantCulture);
        var tasks = maxTasks.ToString(CultureInfo.InvariantCulture);
        var created = new List<string>();
        try
        {
            if (File.Exists($"{Root}/cgroup.controllers") && File.ReadAllText($"{Root}/cgroup.controllers").Split(' ', '\n') is var controllers
                && controllers.Contains("memory") && controllers.Contains("pids"))
            {
                // The root group may hold processes and still delegate; a group of our own keeps the host's tidy.
                var parent = $"{Root}/offswitch";
                Directory.CreateDirectory(parent);
                TryWrite($"{Root}/cgroup.subtree_control", "+memory +pids");
                File.WriteAllText($"{parent}/cgroup.subtree_control", "+memory +pids");
                var dir = $"{parent}/{name}";
                Directory.CreateDirectory(dir);
                created.Add(dir);
                File.WriteAllText($"{dir}/memory.max", memory);
                TryWrite($"{dir}/memory.swap.max", "0");
                File.WriteAllText($"{dir}/pids.max", tasks);
                return new SandboxCgroup(created, "v2") { _limits = (memoryBytes, maxTasks) };
            }

            var memoryRoot = $"{Root}/memory";
            var pidsRoot = $"{Root}/pids";
            if (File.Exists($"{memoryRoot}/memory.limit_in_bytes") && File.Exists($"{pidsRoot}/cgroup.procs"))
            {
                var memoryDir = $"{memoryRoot}{OwnV1Group("memory")}/{name}";
                Directory.CreateDirectory(memoryDir);
                created.Add(memoryDir);
                File.WriteAllText($"{memoryDir}/memory.limit_in_bytes", memory);
                TryWrite($"{memoryDir}/memory.memsw.limit_in_bytes", memory);
                var pidsDir = $"{pidsRoot}{OwnV1Group("pids")}/{name}";
                Directory.CreateDirectory(pidsDir);
                created.Add(pidsDir);
                File.WriteAllText($"{pidsDir}/pids.max", tasks);
                return new SandboxCgroup(created, "v1") { _limits = (memoryBytes, maxTasks) };
            }

            reason = "no cgroup v2 with memory and pids controllers, nor cgroup v1 memory and pids hierarchies";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            new SandboxCgroup(created, "").Remove();
            reason = "cgroup not writable: " + e.Message;
            return null;
        }
    }

    /// <summary>
    /// Files a process writes "0" to in order to move itself in: v1's <c>tasks</c> (single-threaded writers only),
    /// v2's <c>cgroup.procs</c>.
    /// </summary>
    public IReadOnlyList<string> SelfMoveFiles => [.. _directories.Select(d => Version == "v1" ? $"{d}/tasks" : $"{d}/cgroup.procs")];

    /// <summary>Whether the process is in every hierarchy of the group.</summary>
    public bool Holds(int hostPid)
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{hostPid.ToString(CultureInfo.InvariantCulture)}/cgroup");
            return _directories.All(d => lines.Any(l => d.EndsWith(l[(l.IndexOf(':', l.IndexOf(':') + 1) + 1)..], StringComparison.Ordinal) && l.EndsWith("/" + Path.GetFileName(d), StringComparison.Ordinal)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Moves a process (and so every child it makes from then on) into the group.</summary>
    public void Add(int hostPid)
    {
        foreach (var dir in _directories)
            File.WriteAllText($"{dir}/cgroup.procs", hostPid.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The processes in the group (empty once the machine is gone).</summary>
    public List<int> Processes()
    {
        var pids = new List<int>();
        foreach (var dir in _directories)
        {
            try
            {
                foreach (var line in File.ReadAllLines($"{dir}/cgroup.procs"))
                {
                    if (int.TryParse(line, CultureInfo.InvariantCulture, out var pid) && !pids.Contains(pid) && !IsZombie(pid))
                        pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone.
            }
        }

        return pids;
    }

    // A task that has exited but not been reaped can stay listed; it holds nothing and cannot be killed.
    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var end = stat.LastIndexOf(')');
            return end < 0 || end + 2 >= stat.Length || stat[end + 2] is 'Z' or 'X';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;   // gone
        }
    }

    /// <summary>Removes the group once its processes are gone (retrying briefly while the kernel lets them go).</summary>
    public void Remove()
    {
        foreach (var dir in _directories)
        {
            for (var attempt = 0; attempt < 50 && Directory.Exists(dir); attempt++)
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException)
                {
                    Thread.Sleep(10);
                }
            }
        }
    }

    private static string OwnV1Group(string controller)
    {
        foreach (var line in File.ReadLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains(controller))
                return parts[2] == "/" ? "" : parts[2];
        }

        return "";
    }

    private static void TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Optional (no swap accounting, controllers already enabled).
        }
    }
}
