using System.Globalization;
using System.Runtime.Versioning;

namespace Offswitch.Sandboxes;

/// <summary>What the harness reads about a machine's processes from the host's /proc.</summary>
[SupportedOSPlatform("linux")]
internal static class ProcessTable
{
    /// <summary>The host pid of bwrap's only child, the sandbox's PID 1.</summary>
    public static int FindChild(int parent)
    {
        // bwrap is single-threaded, so its main thread's children file lists every child it has: one read instead of a
        // scan of every process on the host (which, with hundreds of sandboxes running, cost milliseconds per trial).
        try
        {
            var children = File.ReadAllText($"/proc/{parent.ToString(CultureInfo.InvariantCulture)}/task/{parent.ToString(CultureInfo.InvariantCulture)}/children");
            var first = children.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return first is null ? 0 : int.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No children file (kernel without CONFIG_PROC_CHILDREN) or bwrap already gone: scan instead.
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                    return pid;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while we looked.
            }
        }

        return 0;
    }

    /// <summary>Live (not zombie) processes of a uid, by a scan of /proc.</summary>
    public static List<int> ProcessesOfUid(uint uid)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                // One read of status gives both the state and the uid. Zombies wait for their parent to reap them and hold nothing.
                string? state = null;
                uint? owner = null;
                foreach (var line in File.ReadLines(Path.Combine(dir, "status")))
                {
                    if (line.StartsWith("State:", StringComparison.Ordinal))
                        state = line;
                    else if (line.StartsWith("Uid:", StringComparison.Ordinal))
                    {
                        owner = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                        break;
                    }
                }

                if (owner == uid && state?.Contains("(zombie)", StringComparison.Ordinal) != true)
                    found.Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended while we looked.
            }
        }

        return found;
    }

    /// <summary>How bwrap ended, as a reader would say it (it exits 128 + N when its child died of signal N).</summary>
    public static string DescribeExit(int code, bool disposed) => code switch
    {
        _ when disposed => "stopped by the harness",
        129 => "signal HUP",
        130 => "signal INT",
        131 => "signal QUIT",
        137 => "signal KILL",
        138 => "signal USR1",
        140 => "signal USR2",
        142 => "signal ALRM",
        143 => "signal TERM",
        _ => $"exit {code}",
    };

    /// <summary>The State line of a process's status, for diagnostics.</summary>
    public static string State(int pid)
    {
        try
        {
            return File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) ?? "state unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "state unknown";
        }
    }
}
