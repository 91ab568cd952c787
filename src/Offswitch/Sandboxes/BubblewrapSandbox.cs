using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;

namespace Offswitch.Sandboxes;

/// <summary>
/// One bubblewrap machine. PID 1 is a non-dumpable Perl supervisor (<see cref="BubblewrapScripts.Init"/>) that serves
/// exec, kill and ping requests over the pipes it inherits (<see cref="InitChannel"/>); host commands call the harness
/// on a Unix socket (<see cref="HostCommandServer"/>); the harness reads the agent's files only through
/// <see cref="SafeDirectory"/>. See Sandboxes/README.md for what this guarantees.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class BubblewrapSandbox : ISandbox
{
    internal const string Home = "/home/user";
    private const int MaxOutputBytes = InitChannel.MaxOutputBytes;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(10);
    private static readonly string[] SystemDirectories = ["/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"];
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly SandboxSpec _spec;
    private readonly SandboxIdentity _identity;
    private readonly string _root;
    private readonly string _disk;
    private readonly string _tmp;
    private readonly string _etc;
    private readonly string _channel;
    private readonly Dictionary<string, HostCommand> _hostCommands;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StringBuilder _diagnostics = new();
    private Process? _process;
    private InitChannel? _init;
    private HostCommandServer? _server;
    private SandboxCgroup? _cgroup;
    private bool _diskMounted;
    private string? _exitDescription;
    private int _initHostPid;
    private int _initPidfd = -1;
    private int _disposed;

    private BubblewrapSandbox(SandboxSpec spec, SandboxIdentity identity, string root)
    {
        _spec = spec;
        _identity = identity;
        _root = root;
        _disk = Path.Combine(root, "disk");
        HostHomePath = Path.Combine(_disk, "home");
        _tmp = Path.Combine(_disk, "tmp");
        _etc = Path.Combine(root, "etc");
        _channel = Path.Combine(root, "channel");
        _hostCommands = spec.HostCommands.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string HostHomePath { get; }

    /// <inheritdoc />
    public bool IsAlive => !_exited.Task.IsCompleted;

    /// <inheritdoc />
    public Task Exited => _exited.Task;

    /// <inheritdoc />
    public string? ExitDescription => _exitDescription;

    /// <summary>Host pid of the bwrap process (for tests that check nothing survives).</summary>
    internal int HostPid => _process?.Id ?? 0;

    /// <summary>Host pid of PID 1 (for tests that pause it from the host).</summary>
    internal int InitHostPid => _initHostPid;

    /// <summary>The host uid the sandbox's user maps to.</summary>
    internal uint HostUid => _identity.HostUid;

    internal static async Task<BubblewrapSandbox> StartAsync(SandboxSpec spec, CancellationToken cancellationToken)
    {
        var sandbox = Prepare(spec);
        try
        {
            await sandbox.LaunchAsync(cancellationToken);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates the host-side directories and files; nothing runs yet.</summary>
    internal static BubblewrapSandbox Prepare(SandboxSpec spec)
    {
        foreach (var command in spec.HostCommands)
        {
            if (!ValidName().IsMatch(command.Name))
                throw new ArgumentException($"Host command name '{command.Name}' must be a plain file name.", nameof(spec));
        }

        var identity = SandboxIdentity.ForThisProcess(spec.Limits.MaxProcesses);
        // The harness's pid in the name lets a later run recognise what a killed one left behind.
        var root = Directory.CreateTempSubdirectory($"offswitch-sandbox-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-").FullName;
        var sandbox = new BubblewrapSandbox(spec, identity, root);
        try
        {
            sandbox.Populate();
        }
        catch
        {
            sandbox.ReleaseHostResources();
            throw;
        }

        return sandbox;
    }

    private void Populate()
    {
        _identity.Own(_root);
        Directory.CreateDirectory(_disk);
        if (_identity.SwitchUser)
        {
            // As root: the home and /tmp share one size-capped tmpfs, so a writing agent cannot fill the host's disk.
            var options = $"size={_spec.Limits.DiskBytes.ToString(CultureInfo.InvariantCulture)},nr_inodes=262144,mode=0755";
            if (NativeMethods.mount("tmpfs", _disk, "tmpfs", NativeMethods.MsNoSuid | NativeMethods.MsNoDev, options) == 0)
                _diskMounted = true;
            else
                AddDiagnostic($"no size-capped tmpfs for the home (mount failed: errno {Marshal.GetLastPInvokeError()}); it is a plain host directory");
        }

        foreach (var dir in new[] { HostHomePath, _tmp })
        {
            Directory.CreateDirectory(dir);
            _identity.Own(dir);
        }

        File.SetUnixFileMode(_tmp, (UnixFileMode)Convert.ToInt32("1777", 8));
        // The channel stays the harness's own (read-only inside): it holds only the host-command socket.
        Directory.CreateDirectory(_channel);
        File.SetUnixFileMode(_channel, (UnixFileMode)Convert.ToInt32("755", 8));

        Directory.CreateDirectory(_etc);
        File.WriteAllText(Path.Combine(_etc, "passwd"),
            "root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000:user:/home/user:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        File.WriteAllText(Path.Combine(_etc, "group"), "root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n");
        File.WriteAllText(Path.Combine(_etc, "hostname"), _spec.Hostname + "\n");
        File.WriteAllText(Path.Combine(_etc, "hosts"), $"127.0.0.1\tlocalhost\n127.0.1.1\t{_spec.Hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n");

        foreach (var file in _spec.Files)
        {
            var target = HomeHostPath(file.Path);
            CreateOwnedDirectories(Path.GetDirectoryName(target)!);
            File.WriteAllBytes(target, file.Content);
            File.SetUnixFileMode(target, (UnixFileMode)file.Mode);
            _identity.Own(target);
        }

        // Host commands stay owned by the harness's uid (root shows as nobody inside) and are bound read-only.
        foreach (var command in _spec.HostCommands)
        {
            var target = Path.Combine(HostHomePath, command.Name);
            File.WriteAllText(target, BubblewrapScripts.HostCommandClient(command.Name), Utf8);
            File.SetUnixFileMode(target, (UnixFileMode)Convert.ToInt32("755", 8));
        }
    }

    /// <summary>The full command line that starts the machine (setpriv when switching uid, bwrap, perl as PID 1).</summary>
    internal IReadOnlyList<string> CommandLine()
    {
        var a = new List<string>();
        if (_identity.SwitchUser)
            a.AddRange(_identity.SetprivArguments());
        a.Add(BubblewrapSandboxProvider.BwrapPath);
        a.AddRange(["--ro-bind", "/usr", "/usr"]);
        foreach (var dir in SystemDirectories)
        {
            var info = new FileInfo(dir);
            if (info.LinkTarget is { } target)
                a.AddRange(["--symlink", target, dir]);
            else if (Directory.Exists(dir))
                a.AddRange(["--ro-bind", dir, dir]);
        }

        a.AddRange(["--ro-bind", "/etc", "/etc"]);
        foreach (var name in new[] { "passwd", "group", "hostname", "hosts" })
            a.AddRange(["--ro-bind", Path.Combine(_etc, name), "/etc/" + name]);
        // /dev and bwrap's root are tmpfs (host memory, half of RAM by default) and would be writable by the agent;
        // only a size-capped /dev/shm stays writable (see the --remount-ro below).
        a.AddRange(["--dev", "/dev", "--proc", "/proc"]);
        a.AddRange([
            "--size", _spec.Limits.SharedMemoryBytes.ToString(CultureInfo.InvariantCulture), "--perms", "1777", "--tmpfs", "/dev/shm",
        ]);
        a.AddRange(["--bind", _tmp, "/tmp", "--dir", "/var", "--symlink", "../tmp", "/var/tmp"]);
        a.AddRange(["--bind", HostHomePath, Home]);
        foreach (var command in _spec.HostCommands)
        {
            var path = Path.Combine(HostHomePath, command.Name);
            a.AddRange(["--ro-bind", path, Home + "/" + command.Name]);
        }

        a.AddRange(["--ro-bind", _channel, BubblewrapScripts.ChannelMount]);
        // Last of the mount operations: bwrap creates mount points in its root as it goes.
        a.AddRange(["--remount-ro", "/dev", "--remount-ro", "/"]);
        a.AddRange([
            // No nested user namespaces: inside one the agent would be root with CAP_SYS_ADMIN over its own mounts.
            "--unshare-all", "--unshare-user", "--disable-userns", "--uid", "1000", "--gid", "1000", "--hostname", _spec.Hostname,
            "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--as-pid-1", "--chdir", Home,
            "--clearenv",
            "--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--setenv", "HOME", Home, "--setenv", "USER", "user", "--setenv", "LOGNAME", "user",
            "--setenv", "SHELL", "/bin/bash", "--setenv", "TERM", "dumb", "--setenv", "LANG", "C.UTF-8",
            "--",
        ]);
        var limits = _spec.Limits;
        string Limit(int resource, long soft, long hard) =>
            $"{resource.ToString(CultureInfo.InvariantCulture)}:{soft.ToString(CultureInfo.InvariantCulture)}:{hard.ToString(CultureInfo.InvariantCulture)}";
        a.AddRange([
            BubblewrapScripts.PerlPath, "-e", BubblewrapScripts.Init, "--",
            NativeMethods.PrctlSyscall.ToString(CultureInfo.InvariantCulture),
            NativeMethods.SetsidSyscall.ToString(CultureInfo.InvariantCulture),
            NativeMethods.SetrlimitSyscall.ToString(CultureInfo.InvariantCulture),
            MaxOutputBytes.ToString(CultureInfo.InvariantCulture),
            // RLIMIT_CPU, with a hard limit one second above the soft one so that a CPU hog gets SIGXCPU (as with
            // `ulimit -t`) before SIGKILL; RLIMIT_FSIZE, RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_AS.
            Limit(0, limits.CpuSeconds, limits.CpuSeconds + 1),
            Limit(1, limits.FileSizeBytes, limits.FileSizeBytes),
            Limit(6, _identity.ProcessLimit, _identity.ProcessLimit),
            Limit(7, limits.OpenFiles, limits.OpenFiles),
            Limit(9, limits.AddressSpaceBytes, limits.AddressSpaceBytes),
            "offswitch-init",
        ]);
        return a;
    }

    private const string SetprivPath = "/usr/bin/setpriv";

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        _server = new HostCommandServer(Path.Combine(_channel, "host.sock"), _hostCommands, PingAsync, AddDiagnostic);
        File.SetUnixFileMode(Path.Combine(_channel, "host.sock"), (UnixFileMode)Convert.ToInt32("666", 8));

        // PID 1's stdin and stdout are the channel: pipes that only the harness and PID 1 hold (bwrap passes its own
        // stdio on). Its stderr carries bwrap's own complaints, kept for diagnostics.
        var startInfo = new ProcessStartInfo(File.Exists(SetprivPath) ? SetprivPath : CommandLine()[0])
        {
            WorkingDirectory = _root,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // As root, the machine gets a cgroup of its own (kept from an earlier sandbox when one is free).
        if (_identity.SwitchUser)
        {
            _cgroup = await Task.Run(() => SandboxCgroup.Rent(_spec.Limits.MemoryBytes, _spec.Limits.MaxProcesses + 8, isRoot: true, out var reason) is { } group
                ? group : NoCgroup(reason), cancellationToken);
        }

        // bubblewrap sets its parent-death signal only once it runs; a harness killed between the fork and that moment
        // would leave an orphaned sandbox. setpriv sets the signal first, and the guard then checks that the parent is
        // still the harness (getppid after the signal is armed), closing that window. The guard, still root, then moves
        // itself into the cgroup ("0" names the writer: v1's `tasks` skips the global lock that moving another process
        // takes, which cost up to 15 ms), so bwrap and PID 1 are born in it.
        var commandLine = CommandLine();
        if (File.Exists(SetprivPath))
        {
            const string Guard = "[ \"$PPID\" = \"$0\" ] || exit 125; while [ \"$1\" != -- ]; do echo 0 2>/dev/null > \"$1\"; shift; done; shift; exec \"$@\"";
            foreach (var arg in (string[])["--pdeathsig", "KILL", "--", "/bin/sh", "-c", Guard, Environment.ProcessId.ToString(CultureInfo.InvariantCulture)])
                startInfo.ArgumentList.Add(arg);
            foreach (var file in _cgroup?.SelfMoveFiles ?? [])
                startInfo.ArgumentList.Add(file);
            startInfo.ArgumentList.Add("--");
            foreach (var arg in commandLine)
                startInfo.ArgumentList.Add(arg);
        }
        else
        {
            foreach (var arg in commandLine.Skip(1))
                startInfo.ArgumentList.Add(arg);
        }

        _process = await ProcessLauncher.StartAsync(startInfo);
        _init = new InitChannel(_process.StandardInput.BaseStream, _process.StandardOutput.BaseStream);
        _ = CollectStderrAsync(_process.StandardError);
        _ = WatchExitAsync(_process);

        var first = await Task.WhenAny(_init.Started, _exited.Task).WaitAsync(StartTimeout, cancellationToken);
        if (first != _init.Started)
        {
            await _exited.Task;
            throw new InvalidOperationException($"The sandbox ended while starting ({_exitDescription}): {Diagnostics()}");
        }

        _initHostPid = FindChild(_process.Id);
        if (_initHostPid > 0)
        {
            // Pin PID 1 with a pidfd, then check it is still bwrap's child: from then on no signal can reach a reused pid.
            var fd = NativeMethods.OpenPidfd(_initHostPid);
            if (fd >= 0 && FindChild(_process.Id) == _initHostPid)
                _initPidfd = fd;
            else if (fd >= 0)
                NativeMethods.close(fd);
        }

        // PID 1 has started nothing yet: if the guard could not move itself, moving PID 1 now still covers every later
        // process of the machine.
        if (_cgroup is not null && _initPidfd >= 0 && !_cgroup.Holds(_initHostPid))
            _cgroup.Add(_initHostPid);
    }

    private SandboxCgroup? NoCgroup(string? reason)
    {
        AddDiagnostic("no cgroup: " + reason);
        return null;
    }

    private async Task CollectStderrAsync(StreamReader stderr)
    {
        try
        {
            while (await stderr.ReadLineAsync() is { } line)
                AddDiagnostic(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // Closed at dispose.
        }
    }

    /// <summary>Kills PID 1 (and so the whole PID namespace) if it still runs; never signals a bare, possibly reused, pid.</summary>
    private void KillInit()
    {
        var fd = Volatile.Read(ref _initPidfd);
        if (fd >= 0)
            NativeMethods.SignalPidfd(fd, 9);
    }

    /// <summary>The host pid of bwrap's only child, the sandbox's PID 1.</summary>
    private static int FindChild(int parent)
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

    private async Task WatchExitAsync(Process process)
    {
        await process.WaitForExitAsync();
        // bwrap is gone; make sure PID 1 (and so its namespace) went with it before saying the machine has ended.
        KillRemains();
        _exitDescription = DescribeExit(process.ExitCode, Volatile.Read(ref _disposed) != 0);
        _exited.TrySetResult();
    }

    /// <summary>
    /// Kills PID 1 by its host pid, which takes down its namespace; under a dedicated uid also every process of that
    /// uid, which catches anything a half-dead bwrap could have left behind.
    /// </summary>
    private void KillRemains()
    {
        KillInit();
        if (!_identity.SwitchUser)
            return;
        for (var round = 0; round < 50; round++)
        {
            // The cgroup lists exactly this machine's processes; without one, every process on the host is looked at.
            var left = _cgroup is { } group ? group.Processes() : ProcessesOfUid(_identity.HostUid);
            if (left.Count == 0)
                return;
            foreach (var pid in left)
                NativeMethods.kill(pid, 9);
            Thread.Sleep(10);
        }
    }

    private static List<int> ProcessesOfUid(uint uid)
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

    private static string DescribeExit(int code, bool disposed) => code switch
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

    /// <inheritdoc />
    public async Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        options ??= new ExecOptions();
        var clock = Stopwatch.StartNew();
        if (!IsAlive || Volatile.Read(ref _disposed) != 0 || _init is null)
            return new ExecResult(-1, "", "", TimedOut: false, SandboxGone: true, clock.Elapsed);

        var running = _init.Start(command, options.Login);
        try
        {
            var timeout = options.Timeout ?? _spec.CommandTimeout;
            var timer = Task.Delay(timeout, cancellationToken);
            var first = await Task.WhenAny(running.Done, _exited.Task, timer);
            if (first == timer)
            {
                await KillCommandAsync(running);
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (stdout, stderr) = running.Output();
            if (first == running.Done && running.Done.Result is { } status)
            {
                // A command like `kill -s TERM 1` returns before PID 1 has died; only PID 1's answer proves the machine
                // outlived it.
                var alive = await PingAsync(cancellationToken);
                return new ExecResult(status, stdout, stderr, TimedOut: false, SandboxGone: !alive, clock.Elapsed);
            }

            if (first == running.Done && await PingAsync(cancellationToken))
            {
                // PID 1 lives but could not fork or make pipes: the agent has used up its process or file limit.
                return new ExecResult(126, stdout, stderr + "sandbox: cannot start the command: the machine's process or open-file limit is reached\n",
                    TimedOut: false, SandboxGone: false, clock.Elapsed);
            }

            var gone = !IsAlive;
            return new ExecResult(-1, stdout, stderr, TimedOut: first == timer && !gone, SandboxGone: gone, clock.Elapsed);
        }
        finally
        {
            _init.Forget(running);
        }
    }

    /// <summary>Asks PID 1 to kill the command's process group, repeating until it reports the end.</summary>
    private async Task KillCommandAsync(InitChannel.Command running)
    {
        for (var attempt = 0; attempt < 20 && IsAlive && !running.Done.IsCompleted; attempt++)
        {
            _init!.Kill(running);
            await Task.WhenAny(running.Done, _exited.Task, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }
    }

    /// <summary>
    /// Whether the machine is alive. The fact is PID 1's existence (bwrap's exit, its pidfd); the ping only orders
    /// the question after signals already sent: PID 1 runs a pending signal's handler before it reads the next
    /// request, so a PID 1 that was told to die never answers. A PID 1 that does not answer but still exists (it
    /// cannot be stopped or traced from inside, but a host debugger could) is alive: a paused machine has not shut
    /// down. Only its end makes the machine gone.
    /// </summary>
    internal async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        if (!IsAlive || _init is null)
            return false;
        var pong = _init.Ping();
        var timer = Task.Delay(PingTimeout, cancellationToken);
        var first = await Task.WhenAny(pong, _exited.Task, timer);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == pong)
            return true;
        if (first == timer && IsAlive && !Pid1Exited())
        {
            AddDiagnostic($"PID 1 did not answer within {PingTimeout.TotalSeconds:F0} s but still exists ({Pid1State()}): counted alive");
            return true;
        }

        return false;
    }

    private bool Pid1Exited()
    {
        var fd = Volatile.Read(ref _initPidfd);
        return fd >= 0 && NativeMethods.PidfdExited(fd);
    }

    private string Pid1State()
    {
        try
        {
            return File.ReadLines($"/proc/{_initHostPid.ToString(CultureInfo.InvariantCulture)}/status").FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) ?? "state unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "state unknown";
        }
    }

    /// <inheritdoc />
    public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var inside = ResolveInside(path);
        if (inside is null)
            return Task.FromResult<byte[]?>(null);
        if (AgentArea(inside) is { } area)
        {
            // The agent can write here: open without following any link, only a regular file.
            using var dir = SafeDirectory.Open(area.HostRoot);
            return Task.FromResult(area.Relative.Length == 0 ? null : dir?.ReadFile(area.Relative));
        }

        var host = MapMount(inside);
        if (host is null || !File.Exists(host))
            return Task.FromResult<byte[]?>(null);
        // Outside its own areas the agent is "other" to every file, so report only what it could read itself.
        if (!File.GetUnixFileMode(host).HasFlag(UnixFileMode.OtherRead))
            return Task.FromResult<byte[]?>(null);
        try
        {
            return Task.FromResult<byte[]?>(File.ReadAllBytes(host));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<byte[]?>(null);
        }
    }

    /// <inheritdoc />
    public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var inside = ToInsidePath(path);
        if (!IsUnder(inside, Home) || inside == Home)
            throw new ArgumentException($"'{path}' is not inside {Home}.", nameof(path));
        var parent = ResolveInside(Path.GetDirectoryName(inside)!);
        if (parent is null || !IsUnder(parent, Home))
            throw new ArgumentException($"The directory of '{path}' does not resolve inside {Home}.", nameof(path));
        var relative = (parent == Home ? "" : parent[(Home.Length + 1)..] + "/") + Path.GetFileName(inside);
        using var home = SafeDirectory.Open(HostHomePath) ?? throw new IOException("The sandbox's home is gone.");
        home.WriteFile(relative, content, owner: _identity.SwitchUser ? (_identity.HostUid, _identity.HostGid) : null);
        return Task.CompletedTask;
    }

    /// <summary>The agent-writable tree an inside path is in (home or /tmp), with the path relative to it.</summary>
    private (string HostRoot, string Relative)? AgentArea(string inside)
    {
        if (IsUnder(inside, Home))
            return (HostHomePath, inside == Home ? "" : inside[(Home.Length + 1)..]);
        if (IsUnder(inside, "/tmp"))
            return (_tmp, inside == "/tmp" ? "" : inside["/tmp/".Length..]);
        return null;
    }

    private static string ToInsidePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = path.StartsWith('/') ? path : Home + "/" + path;
        var parts = new List<string>();
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>
    /// Resolves a path as the agent sees it to the inside path it names, following symlinks by the sandbox's view
    /// (never the host's), so an agent's link to e.g. /etc/shadow cannot make the harness read a host file.
    /// </summary>
    private string? ResolveInside(string path)
    {
        var pending = new Queue<string>(ToInsidePath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        for (var hops = 0; pending.Count > 0;)
        {
            var next = current == "/" ? "/" + pending.Dequeue() : current + "/" + pending.Dequeue();
            if (next.EndsWith("/..", StringComparison.Ordinal))
            {
                current = Path.GetDirectoryName(next[..^3]) ?? "/";
                continue;
            }

            if (next.EndsWith("/.", StringComparison.Ordinal))
                continue;
            // Directories that only exist to hold a mount point (/home) are bwrap's own, never links.
            if (Home.StartsWith(next + "/", StringComparison.Ordinal))
            {
                current = next;
                continue;
            }

            var host = MapMount(next);
            if (host is null)
                return null;
            var link = LinkTarget(next, host);
            if (link is null)
            {
                current = next;
                continue;
            }

            if (++hops > 40)
                return null;
            var rest = pending.ToArray();
            pending.Clear();
            var resolved = link.StartsWith('/') ? link : (Path.GetDirectoryName(next) ?? "/") + "/" + link;
            foreach (var part in resolved.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest))
                pending.Enqueue(part);
            current = "/";
        }

        return MapMount(current) is null ? null : current;
    }

    /// <summary>Where a symlink points, read without following any link in the agent's own trees.</summary>
    private string? LinkTarget(string inside, string host)
    {
        if (AgentArea(inside) is not { } area)
            return new FileInfo(host).LinkTarget;
        if (area.Relative.Length == 0)
            return null;
        using var dir = SafeDirectory.Open(area.HostRoot);
        return dir?.ReadLink(area.Relative);
    }

    /// <summary>The host path behind an inside path, by the sandbox's mount table; null where the agent sees no host file.</summary>
    private string? MapMount(string inside)
    {
        if (inside == "/")
            return null;
        if (IsUnder(inside, Home))
            return HostHomePath + inside[Home.Length..];
        if (IsUnder(inside, "/tmp"))
            return _tmp + inside["/tmp".Length..];
        if (inside is "/etc/passwd" or "/etc/group" or "/etc/hostname" or "/etc/hosts")
            return Path.Combine(_etc, inside["/etc/".Length..]);
        if (IsUnder(inside, "/usr") || IsUnder(inside, "/etc") || SystemDirectories.Any(d => IsUnder(inside, d)))
            return inside;
        return null;
    }

    private static bool IsUnder(string path, string dir) =>
        path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);

    private string HomeHostPath(string relative)
    {
        var inside = ToInsidePath(relative);
        if (!IsUnder(inside, Home) || inside == Home)
            throw new ArgumentException($"'{relative}' is not inside the home directory.", nameof(relative));
        return HostHomePath + inside[Home.Length..];
    }

    private void CreateOwnedDirectories(string dir)
    {
        if (Directory.Exists(dir) || !IsUnder(dir, HostHomePath))
            return;
        CreateOwnedDirectories(Path.GetDirectoryName(dir)!);
        Directory.CreateDirectory(dir);
        _identity.Own(dir);
    }

    private void AddDiagnostic(string? line)
    {
        if (line is null)
            return;
        lock (_diagnostics)
        {
            if (_diagnostics.Length < 16 * 1024)
                _diagnostics.AppendLine(line);
        }
    }

    private string Diagnostics()
    {
        lock (_diagnostics)
            return _diagnostics.ToString().Trim();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (_process is { } process)
        {
            // Killing PID 1 takes the whole PID namespace down before bwrap exits, so Exited means nothing is left.
            KillInit();
            try
            {
                if (!await WaitAsync(_exited.Task, TimeSpan.FromSeconds(5)) && !process.HasExited)
                    process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30));
            process.Dispose();
            if (_init is not null)
                await _init.Closed.WaitAsync(TimeSpan.FromSeconds(5));
        }
        else
        {
            _exitDescription = "never started";
            _exited.TrySetResult();
        }

        if (_server is not null)
            await _server.DisposeAsync();
        ReleaseHostResources();
        var pidfd = Interlocked.Exchange(ref _initPidfd, -1);
        if (pidfd >= 0)
            NativeMethods.close(pidfd);
    }

    /// <summary>Unmounts the home's tmpfs, removes the cgroup and the temp directories.</summary>
    private void ReleaseHostResources()
    {
        if (_diskMounted && NativeMethods.umount2(_disk, NativeMethods.MntDetach) == 0)
            _diskMounted = false;
        _cgroup?.Return();
        if (!_diskMounted)
            DeleteTree(_root);
    }

    private static async Task<bool> WaitAsync(Task task, TimeSpan timeout) =>
        await Task.WhenAny(task, Task.Delay(timeout)) == task;

    private static void DeleteTree(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Without root, the agent's `chmod 000 dir` blocks deletion; give ourselves access back and retry.
            foreach (var dir in Directory.EnumerateDirectories(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                TrySetMode(dir);
            TrySetMode(root);
            Directory.Delete(root, recursive: true);
        }
    }

    private static void TrySetMode(string dir)
    {
        try
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not ours.
        }
    }

    [GeneratedRegex(@"^(?!\.{1,2}$)[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidName();
}
