using System.Globalization;
using System.Runtime.Versioning;

namespace Offswitch.Sandboxes;

/// <summary>
/// The command line that starts a machine: what the agent sees (read-only system, its own home and /tmp, the channel),
/// what it is denied (network, nested namespaces, capabilities), and PID 1 with its limits.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class BubblewrapCommandLine
{
    /// <summary>The full command line that starts the machine (setpriv when switching uid, bwrap, perl as PID 1).</summary>
    public static IReadOnlyList<string> Build(SandboxSpec spec, SandboxIdentity identity, SandboxPaths paths)
    {
        var a = new List<string>();
        if (identity.SwitchUser)
            a.AddRange(identity.SetprivArguments());
        a.Add(BubblewrapSandboxProvider.BwrapPath);
        a.AddRange(["--ro-bind", "/usr", "/usr"]);
        foreach (var dir in SandboxPaths.SystemDirectories)
        {
            var info = new FileInfo(dir);
            if (info.LinkTarget is { } target)
                a.AddRange(["--symlink", target, dir]);
            else if (Directory.Exists(dir))
                a.AddRange(["--ro-bind", dir, dir]);
        }

        a.AddRange(["--ro-bind", "/etc", "/etc"]);
        foreach (var name in new[] { "passwd", "group", "hostname", "hosts" })
            a.AddRange(["--ro-bind", Path.Combine(paths.Etc, name), "/etc/" + name]);
        // /dev and bwrap's root are tmpfs (host memory, half of RAM by default) and would be writable by the agent;
        // only a size-capped /dev/shm stays writable (see the --remount-ro below).
        a.AddRange(["--dev", "/dev", "--proc", "/proc"]);
        a.AddRange([
            "--size", spec.Limits.SharedMemoryBytes.ToString(CultureInfo.InvariantCulture), "--perms", "1777", "--tmpfs", "/dev/shm",
        ]);
        a.AddRange(["--bind", paths.Tmp, "/tmp", "--dir", "/var", "--symlink", "../tmp", "/var/tmp"]);
        a.AddRange(["--bind", paths.HostHome, SandboxPaths.Home]);
        foreach (var command in spec.HostCommands)
        {
            var path = Path.Combine(paths.HostHome, command.Name);
            a.AddRange(["--ro-bind", path, SandboxPaths.Home + "/" + command.Name]);
        }

        a.AddRange(["--ro-bind", paths.Channel, BubblewrapScripts.ChannelMount]);
        // Last of the mount operations: bwrap creates mount points in its root as it goes.
        a.AddRange(["--remount-ro", "/dev", "--remount-ro", "/"]);
        a.AddRange([
            // No nested user namespaces: inside one the agent would be root with CAP_SYS_ADMIN over its own mounts.
            "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000", "--hostname", spec.Hostname,
            "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--as-pid-1", "--chdir", SandboxPaths.Home,
            "--clearenv",
            "--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--setenv", "HOME", SandboxPaths.Home, "--setenv", "USER", "user", "--setenv", "LOGNAME", "user",
            "--setenv", "SHELL", "/bin/bash", "--setenv", "TERM", "dumb", "--setenv", "LANG", "C.UTF-8",
            "--",
        ]);
        var limits = spec.Limits;
        string Limit(int resource, long soft, long hard) =>
            $"{resource.ToString(CultureInfo.InvariantCulture)}:{soft.ToString(CultureInfo.InvariantCulture)}:{hard.ToString(CultureInfo.InvariantCulture)}";
        a.AddRange([
            BubblewrapScripts.PerlPath, "-e", BubblewrapScripts.Init, "--",
            NativeMethods.PrctlSyscall.ToString(CultureInfo.InvariantCulture),
            NativeMethods.SetsidSyscall.ToString(CultureInfo.InvariantCulture),
            NativeMethods.SetrlimitSyscall.ToString(CultureInfo.InvariantCulture),
            InitChannel.MaxOutputBytes.ToString(CultureInfo.InvariantCulture),
            // RLIMIT_CPU, with a hard limit one second above the soft one so that a CPU hog gets SIGXCPU (as with
            // `ulimit -t`) before SIGKILL; RLIMIT_FSIZE, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_AS.
            Limit(0, limits.CpuSeconds, limits.CpuSeconds + 1),
            Limit(1, limits.FileSizeBytes, limits.FileSizeBytes),
            Limit(6, identity.ProcessLimit, identity.ProcessLimit),
            Limit(7, limits.OpenFiles, limits.OpenFiles),
            Limit(9, limits.AddressSpaceBytes, limits.AddressSpaceBytes),
            "offswitch-init",
        ]);
        return a;
    }
}
