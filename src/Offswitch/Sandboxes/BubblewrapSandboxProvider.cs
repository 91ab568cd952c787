using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Offswitch.Sandboxes;

/// <summary>
/// Sandboxes made with bubblewrap: real bash, read-only system directories, a writable home, no network,
/// no capabilities, rlimits, one PID namespace per trial whose PID 1 the harness controls.
/// </summary>
public sealed class BubblewrapSandboxProvider : ISandboxProvider
{
    /// <summary>bubblewrap's path: <c>OFFSWITCH_BWRAP</c> when set, else /usr/bin/bwrap (never looked up on PATH).</summary>
    internal static readonly string BwrapPath =
        Environment.GetEnvironmentVariable("OFFSWITCH_BWRAP") is { Length: > 0 } configured ? configured : "/usr/bin/bwrap";
    internal const string SetprivPath = "/usr/bin/setpriv";

    private const string Fix =
        "Install it with `apt-get install bubblewrap` (0.8 or later; it also needs util-linux's setpriv), and make sure " +
        "unprivileged user namespaces are enabled (`sysctl -w kernel.unprivileged_userns_clone=1` on Debian, " +
        "`sysctl -w user.max_user_namespaces=15000`, or on Ubuntu 24.04+ `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`).";

    private static readonly Lazy<string?> Problem = new(FindProblem, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <inheritdoc />
    public string Name => "bubblewrap";

    /// <summary>
    /// Checks once per process that bubblewrap is installed and can create a sandbox on this host.
    /// </summary>
    /// <exception cref="SandboxUnavailableException">It cannot; the message says how to fix it.</exception>
    public static void CheckAvailable()
    {
        if (Problem.Value is { } problem)
            throw new SandboxUnavailableException(problem);
    }

    /// <inheritdoc />
    public async Task<ISandbox> CreateAsync(SandboxSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckAvailable();
        if (!OperatingSystem.IsLinux())
            throw new SandboxUnavailableException("The bubblewrap sandbox needs Linux.");
        StaleSandboxes.SweepOnce();
        return await BubblewrapSandbox.StartAsync(spec, cancellationToken);
    }

    private static string? FindProblem()
    {
        if (!OperatingSystem.IsLinux())
            return "The bubblewrap sandbox needs Linux. " + Fix;
        foreach (var tool in new[] { BwrapPath, SetprivPath })
        {
            if (!File.Exists(tool))
                return $"{tool} was not found: bubblewrap is needed to run trials in a sandbox. " + Fix;
        }

        if (!File.Exists(BubblewrapScripts.PerlPath))
            return $"{BubblewrapScripts.PerlPath} was not found: the sandbox's PID 1 and host commands are Perl programs. Install it with `apt-get install perl-base`.";

        // A real sandbox with the same namespaces and identity switch that trials use.
        var args = new List<string>();
        var identity = SandboxIdentity.ForThisProcess(maxProcesses: 64);
        if (identity.SwitchUser)
            args.AddRange(identity.SetprivArguments());
        args.AddRange([
            BwrapPath, "--ro-bind", "/", "/", "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session", "/bin/true",
        ]);
        try
        {
            var start = new ProcessStartInfo(args[0]) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = "/" };
            foreach (var a in args.Skip(1))
                start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                p.Kill(entireProcessTree: true);
                return "bubblewrap did not start a test sandbox within 20 s. " + Fix;
            }

            return p.ExitCode == 0 ? null : $"bubblewrap cannot create a sandbox here ({stderr.Result.Trim()}). " + Fix;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return $"bubblewrap could not be run ({e.Message}). " + Fix;
        }
    }
}

/// <summary>
/// The host identity a sandbox runs under. As root, user namespaces would map the agent's uid onto host root, so the
/// sandbox runs under a dedicated unprivileged uid instead: host files then look like <c>nobody</c>'s inside, and
/// RLIMIT_NPROC (counted per host uid) counts only this sandbox's processes.
/// </summary>
internal sealed record SandboxIdentity(uint HostUid, uint HostGid, bool SwitchUser, int ProcessLimit)
{
    private const uint DedicatedUidBase = 1_000_000;
    private const int DedicatedUidRange = 1_000_000;

    public static SandboxIdentity ForThisProcess(int maxProcesses)
    {
        var (uid, gid) = ReadOwnIds();
        if (uid == 0)
        {
            var dedicated = DedicatedUidBase + (uint)Random.Shared.Next(DedicatedUidRange);
            return new SandboxIdentity(dedicated, dedicated, SwitchUser: true, maxProcesses);
        }

        // Unprivileged: RLIMIT_NPROC counts every task of our own uid, so grant the limit on top of what already runs.
        return new SandboxIdentity(uid, gid, SwitchUser: false, maxProcesses + CountTasksOfUid(uid));
    }

    public IEnumerable<string> SetprivArguments() =>
    [
        BubblewrapSandboxProvider.SetprivPath,
        $"--reuid={HostUid.ToString(CultureInfo.InvariantCulture)}",
        $"--regid={HostGid.ToString(CultureInfo.InvariantCulture)}",
        "--clear-groups", "--",
    ];

    /// <summary>Gives a host path to the sandbox's host uid (only needed when the uid was switched).</summary>
    public void Own(string path)
    {
        if (SwitchUser && NativeMethods.lchown(path, HostUid, HostGid) != 0)
            throw new IOException($"chown {path} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    private static (uint Uid, uint Gid) ReadOwnIds()
    {
        uint uid = 0, gid = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
                uid = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
            else if (line.StartsWith("Gid:", StringComparison.Ordinal))
                gid = uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
        }

        return (uid, gid);
    }

    private static int CountTasksOfUid(uint uid)
    {
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
                continue;
            try
            {
                if (ProcessUid(dir) == uid)
                    count += Directory.GetDirectories(Path.Combine(dir, "task")).Length;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return count;
    }

    internal static uint? ProcessUid(string procDir)
    {
        foreach (var line in File.ReadLines(Path.Combine(procDir, "status")))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
                return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }

        return null;
    }
}
