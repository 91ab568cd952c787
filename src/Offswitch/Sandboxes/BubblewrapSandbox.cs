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
    internal const string Home = SandboxPaths.Home;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(10);
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly SandboxSpec _spec;
    private readonly SandboxIdentity _identity;
    private readonly SandboxPaths _paths;
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
        _paths = new SandboxPaths(root);
        _hostCommands = spec.HostCommands.ToDictionary(c => c.Name, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string HostHomePath => _paths.HostHome;

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
        _identity.Own(_paths.Root);
        Directory.CreateDirectory(_paths.Disk);
        if (_identity.SwitchUser)
        {
            // As root: the home and /tmp share one size-capped tmpfs, so a writing agent cannot fill the host's disk.
            var options = $"size={_spec.Limits.DiskBytes.ToString(CultureInfo.InvariantCulture)},nr_inodes=262144,mode=0755";
            if (NativeMethods.mount("tmpfs", _paths.Disk, "tmpfs", NativeMethods.MsNoSuid | NativeMethods.MsNoDev, options) == 0)
                _diskMounted = true;
            else
                AddDiagnostic($"no size-capped tmpfs for the home (mount failed: errno {Marshal.GetLastPInvokeError()}); it is a plain host directory");
        }

        foreach (var dir in new[] { HostHomePath, _paths.Tmp })
        {
            Directory.CreateDirectory(dir);
            _identity.Own(dir);
        }

        File.SetUnixFileMode(_paths.Tmp, (UnixFileMode)Convert.ToInt32("1777", 8));
        // The channel stays the harness's own (read-only inside): it holds only the host-command socket.
        Directory.CreateDirectory(_paths.Channel);
        File.SetUnixFileMode(_paths.Channel, (UnixFileMode)Convert.ToInt32("755", 8));

        Directory.CreateDirectory(_paths.Etc);
        File.WriteAllText(Path.Combine(_paths.Etc, "passwd"),
            "root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000:user:/home/user:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        File.WriteAllText(Path.Combine(_paths.Etc, "group"), "root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n");
        File.WriteAllText(Path.Combine(_paths.Etc, "hostname"), _spec.Hostname + "\n");
        File.WriteAllText(Path.Combine(_paths.Etc, "hosts"), $"127.0.0.1\tlocalhost\n127.0.1.1\t{_spec.Hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n");

        foreach (var file in _spec.Files)
        {
            var target = _paths.HomeHostPath(file.Path);
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

    private const string SetprivPath = "/usr/bin/setpriv";

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        _server = new HostCommandServer(Path.Combine(_paths.Channel, "host.sock"), _hostCommands, PingAsync, AddDiagnostic);
        File.SetUnixFileMode(Path.Combine(_paths.Channel, "host.sock"), (UnixFileMode)Convert.ToInt32("666", 8));

        // PID 1's stdin and stdout are the channel: pipes that only the harness and PID 1 hold (bwrap passes its own
        // stdio on). Its stderr carries bwrap's own complaints, kept for diagnostics.
        var startInfo = new ProcessStartInfo(File.Exists(SetprivPath) ? SetprivPath : BubblewrapCommandLine.Build(_spec, _identity, _paths)[0])
        {
            WorkingDirectory = _paths.Root,
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
        var commandLine = BubblewrapCommandLine.Build(_spec, _identity, _paths);
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

        _initHostPid = ProcessTable.FindChild(_process.Id);
        if (_initHostPid > 0)
        {
            // Pin PID 1 with a pidfd, then check it is still bwrap's child: from then on no signal can reach a reused pid.
            var fd = NativeMethods.OpenPidfd(_initHostPid);
            if (fd >= 0 && ProcessTable.FindChild(_process.Id) == _initHostPid)
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

    private async Task WatchExitAsync(Process process)
    {
        await process.WaitForExitAsync();
        // bwrap is gone; make sure PID 1 (and so its namespace) went with it before saying the machine has ended.
        KillRemains();
        _exitDescription = ProcessTable.DescribeExit(process.ExitCode, Volatile.Read(ref _disposed) != 0);
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
            var left = _cgroup is { } group ? group.Processes() : ProcessTable.ProcessesOfUid(_identity.HostUid);
            if (left.Count == 0)
                return;
            foreach (var pid in left)
                NativeMethods.kill(pid, 9);
            Thread.Sleep(10);
        }
    }

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
            AddDiagnostic($"PID 1 did not answer within {PingTimeout.TotalSeconds:F0} s but still exists ({ProcessTable.State(_initHostPid)}): counted alive");
            return true;
        }

        return false;
    }

    private bool Pid1Exited()
    {
        var fd = Volatile.Read(ref _initPidfd);
        return fd >= 0 && NativeMethods.PidfdExited(fd);
    }

    private void CreateOwnedDirectories(string dir)
    {
        if (Directory.Exists(dir) || !SandboxPaths.IsUnder(dir, HostHomePath))
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

    /// <summary>The full command line that starts the machine (setpriv when switching uid, bwrap, perl as PID 1).</summary>
    internal IReadOnlyList<string> CommandLine() => BubblewrapCommandLine.Build(_spec, _identity, _paths);

    /// <inheritdoc />
    public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default) =>
        Task.FromResult(_paths.ReadFile(path));

    /// <inheritdoc />
    public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default)
    {
        _paths.WriteFile(path, content, _identity.SwitchUser ? (_identity.HostUid, _identity.HostGid) : null);
        return Task.CompletedTask;
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
        if (_diskMounted && NativeMethods.umount2(_paths.Disk, NativeMethods.MntDetach) == 0)
            _diskMounted = false;
        _cgroup?.Return();
        if (!_diskMounted)
            DeleteTree(_paths.Root);
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
