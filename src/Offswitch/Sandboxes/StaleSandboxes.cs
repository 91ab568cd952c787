using System.Globalization;
using System.Text.RegularExpressions;

namespace Offswitch.Sandboxes;

/// <summary>
/// What a harness that was killed (kill -9, power loss) leaves behind as root: the tmpfs of a sandbox's home, its temp
/// directory and its cgroup. Each carries the harness's pid in its name; the first sandbox a later harness starts
/// removes those of harnesses that no longer run.
/// </summary>
internal static partial class StaleSandboxes
{
    private static int _swept;

    public static void SweepOnce()
    {
        if (Interlocked.Exchange(ref _swept, 1) == 0)
            Sweep();
    }

    /// <summary>Removes what harnesses that no longer run left behind (as root; nothing otherwise).</summary>
    internal static void Sweep()
    {
        if (!Environment.IsPrivilegedProcess || !OperatingSystem.IsLinux())
            return;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/mountinfo").ToList())
            {
                var mountPoint = line.Split(' ') is { Length: > 4 } fields ? fields[4].Replace("\\040", " ", StringComparison.Ordinal) : null;
                if (mountPoint is not null && SandboxDisk().Match(mountPoint) is { Success: true } m && IsDead(m.Groups[1].Value))
                    NativeMethods.umount2(mountPoint, NativeMethods.MntDetach);
            }

            foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), "offswitch-sandbox-*"))
            {
                if (SandboxRoot().Match(Path.GetFileName(dir)) is { Success: true } m && IsDead(m.Groups[1].Value))
                    TryDelete(dir, recursive: true);
            }

            foreach (var parent in new[] { "/sys/fs/cgroup/offswitch", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids" })
            {
                if (!Directory.Exists(parent))
                    continue;
                foreach (var dir in Directory.EnumerateDirectories(parent, "offswitch-*", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 4 }))
                {
                    if (CgroupName().Match(Path.GetFileName(dir)) is { Success: true } m && IsDead(m.Groups[1].Value))
                        TryDelete(dir, recursive: false);   // rmdir: only an empty group goes
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a sweep that cannot read is no worse than none.
        }
    }

    private static bool IsDead(string pid) =>
        int.Parse(pid, CultureInfo.InvariantCulture) != Environment.ProcessId && !Directory.Exists("/proc/" + pid);

    private static void TryDelete(string dir, bool recursive)
    {
        try
        {
            Directory.Delete(dir, recursive);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still in use, or not ours to remove.
        }
    }

    [GeneratedRegex(@"/offswitch-sandbox-([0-9]+)-[^/]+/disk$")]
    private static partial Regex SandboxDisk();

    [GeneratedRegex(@"^offswitch-sandbox-([0-9]+)-")]
    private static partial Regex SandboxRoot();

    [GeneratedRegex(@"^offswitch-([0-9]+)-[0-9a-f]{12}$")]
    private static partial Regex CgroupName();
}
