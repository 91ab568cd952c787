using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;

namespace Offswitch.Sandboxes;

/// <summary>
/// One bubblewrap machine. PID 1 is a bash loop (see <see cref="BubblewrapScripts.Init"/>) that serves exec and ping
/// requests over two FIFOs in a host directory mounted at <c>/run/offswitch</c>; the same event FIFO carries
/// host-command calls. See Sandboxes/README.md for the design.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class BubblewrapSandbox : ISandbox
{
    internal const string Home = "/home/user";
    private const int MaxOutputBytes = 1024 * 1024;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] SystemDirectories = ["/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"];
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly SandboxSpec _spec;
    private readonly SandboxIdentity _identity;
    private readonly string _root;
    private readonly string _tmp;
    private readonly string _etc;
    private readonly string _channel;
    private readonly Dictionary<string, HostCommand> _hostCommands;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _waiters = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _requestLock = new();
    private readonly StringBuilder _diagnostics = new();
    private Process? _process;
    private FileStream? _requests;
    private FileStream? _events;
    private Thread? _eventReader;
    private string? _exitDescription;
    private long _nextId;
    private int _initHostPid;
    private int _initPidfd = -1;
    private int _disposed;

    private BubblewrapSandbox(SandboxSpec spec, SandboxIdentity identity, string root)
    {
        _spec = spec;
        _identity = identity;
        _root = root;
        HostHomePath = Path.Combine(root, "home");
        _tmp = Path.Combine(root, "tmp");
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
        var root = Directory.CreateTempSubdirectory("offswitch-sandbox-").FullName;
        var sandbox = new BubblewrapSandbox(spec, identity, root);
        try
        {
            sandbox.Populate();
        }
        catch
        {
            DeleteTree(root);
            throw;
        }

        return sandbox;
    }

    private void Populate()
    {
        _identity.Own(_root);
        foreach (var dir in new[] { HostHomePath, _tmp, _channel, Path.Combine(_channel, "x"), Path.Combine(_channel, "hc") })
        {
            Directory.CreateDirectory(dir);
            _identity.Own(dir);
        }

        File.SetUnixFileMode(_tmp, (UnixFileMode)Convert.ToInt32("1777", 8));
        File.SetUnixFileMode(_channel, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

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

        foreach (var fifo in new[] { "req", "events" })
        {
            var path = Path.Combine(_channel, fifo);
            if (NativeMethods.mkfifo(path, Convert.ToUInt32("600", 8)) != 0)
                throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
            _identity.Own(path);
        }
    }

    /// <summary>The full command line that starts the machine (setpriv when switching uid, bwrap, prlimit, bash).</summary>
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

        a.AddRange(["--bind", _channel, BubblewrapScripts.ChannelMount]);
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
        a.AddRange([
            BubblewrapSandboxProvider.PrlimitPath,
            // A hard limit one second above the soft one, so a CPU hog gets SIGXCPU (as with `ulimit -t`) before SIGKILL.
            $"--cpu={limits.CpuSeconds.ToString(CultureInfo.InvariantCulture)}:{(limits.CpuSeconds + 1).ToString(CultureInfo.InvariantCulture)}",
            $"--fsize={limits.FileSizeBytes.ToString(CultureInfo.InvariantCulture)}",
            $"--nproc={_identity.ProcessLimit.ToString(CultureInfo.InvariantCulture)}",
            $"--nofile={limits.OpenFiles.ToString(CultureInfo.InvariantCulture)}",
            $"--as={limits.AddressSpaceBytes.ToString(CultureInfo.InvariantCulture)}",
            "--",
        ]);

        // A harness started with signals ignored (a background job of a non-interactive shell ignores INT and QUIT; nohup
        // ignores HUP) would hand that disposition down to PID 1, and bash can never trap a signal ignored at entry: the
        // machine would then survive `kill -s INT 1`. env resets every signal to its default before bash starts.
        if (EnvResetsSignals.Value)
            a.AddRange([EnvPath, "--default-signal"]);
        a.AddRange(["/bin/bash", "-p", "-c", BubblewrapScripts.Init, "offswitch-init"]);
        return a;
    }

    private const string EnvPath = "/usr/bin/env";

    /// <summary>Whether this system's env has <c>--default-signal</c> (GNU coreutils 8.31 and later).</summary>
    private static readonly Lazy<bool> EnvResetsSignals = new(() =>
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo(EnvPath) { ArgumentList = { "--default-signal", "true" }, RedirectStandardError = true, UseShellExecute = false });
            if (probe is null)
                return false;
            probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
        {
            return false;
        }
    });

    private const string SetprivPath = "/usr/bin/setpriv";

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        // Both ends are opened read-write so that neither open blocks and the reader never sees end-of-file.
        _requests = new FileStream(Path.Combine(_channel, "req"), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        _events = new FileStream(Path.Combine(_channel, "events"), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
        var started = Register("pong:start");
        _eventReader = new Thread(ReadEvents) { IsBackground = true, Name = "sandbox events" };
        _eventReader.Start();

        // PID 1's stdio goes to a log file, not a pipe: a pipe would tie "bwrap has exited" to "every holder has
        // closed it". The shell only redirects and execs, so bwrap remains our direct child (--die-with-parent).
        var startInfo = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _root, UseShellExecute = false };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$@\" < /dev/null >> \"$0\" 2>&1");
        startInfo.ArgumentList.Add(LogPath);

        // bubblewrap sets its parent-death signal only once it runs; a harness killed between the fork and that moment
        // would leave an orphaned sandbox. setpriv sets the signal first, and the guard then checks that the parent is
        // still the harness (getppid after the signal is armed), closing that window.
        if (File.Exists(SetprivPath))
        {
            foreach (var arg in (string[])[SetprivPath, "--pdeathsig", "KILL", "--", "/bin/sh", "-c", "[ \"$PPID\" = \"$0\" ] || exit 125; exec \"$@\"", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                startInfo.ArgumentList.Add(arg);
        }

        foreach (var arg in CommandLine())
            startInfo.ArgumentList.Add(arg);
        _process = await ProcessLauncher.StartAsync(startInfo);
        _ = WatchExitAsync(_process);

        var first = await Task.WhenAny(started, _exited.Task).WaitAsync(StartTimeout, cancellationToken);
        if (first != started)
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

    private string LogPath => Path.Combine(_root, "init.log");

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
            var left = ProcessesOfUid(_identity.HostUid);
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
        if (!IsAlive || Volatile.Read(ref _disposed) != 0)
            return new ExecResult(-1, "", "", TimedOut: false, SandboxGone: true, clock.Elapsed);

        var id = "e" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var x = Path.Combine(_channel, "x");
        await File.WriteAllTextAsync(Path.Combine(x, id + ".cmd"), command, Utf8, cancellationToken);
        var done = Register("done:" + id);
        try
        {
            Send($"{(options.Login ? "exec" : "plain")} {id}");
            var timeout = options.Timeout ?? _spec.CommandTimeout;
            var timer = Task.Delay(timeout, cancellationToken);
            var first = await Task.WhenAny(done, _exited.Task, timer);
            if (first == timer)
            {
                await KillCommandAsync(id, done);
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (stdout, stderr) = ReadOutputs(x, id);
            if (done.IsCompletedSuccessfully && first == done)
            {
                // A command like `kill -s TERM 1` returns before PID 1 has died; only a ping proves the machine outlived it.
                var alive = await PingAsync(cancellationToken);
                return new ExecResult(done.Result, stdout, stderr, TimedOut: false, SandboxGone: !alive, clock.Elapsed);
            }

            var gone = !IsAlive;
            return new ExecResult(-1, stdout, stderr, TimedOut: first == timer && !gone, SandboxGone: gone, clock.Elapsed);
        }
        finally
        {
            _waiters.TryRemove("done:" + id, out _);
            foreach (var suffix in new[] { ".cmd", ".out", ".err", ".pid" })
                TryDelete(Path.Combine(x, id + suffix));
        }
    }

    /// <summary>Asks PID 1 to kill the command's process group, repeating until its waiter reports the end.</summary>
    private async Task KillCommandAsync(string id, Task<int> done)
    {
        for (var attempt = 0; attempt < 20 && IsAlive && !done.IsCompleted; attempt++)
        {
            Send($"kill {id}");
            await Task.WhenAny(done, _exited.Task, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }
    }

    private static (string Stdout, string Stderr) ReadOutputs(string dir, string id) =>
        (ReadCapped(Path.Combine(dir, id + ".out")), ReadCapped(Path.Combine(dir, id + ".err")));

    internal static string ReadCapped(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // Pooled: a fresh 1 MiB array per output (two per command) was a large-object allocation that, at hundreds of
            // commands a second, kept the GC busy for outputs that are usually a few bytes.
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxOutputBytes);
            try
            {
                var total = 0;
                int n;
                while (total < MaxOutputBytes && (n = stream.Read(buffer, total, MaxOutputBytes - total)) > 0)
                    total += n;
                var text = Utf8.GetString(buffer, 0, total);
                return stream.Length > total ? text + $"\n[output truncated at {MaxOutputBytes} bytes]" : text;
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// True when PID 1 answers a ping. A signal that ends PID 1 is pending before this request can be read, and bash
    /// runs pending traps before its next command, so a dying PID 1 never answers.
    /// </summary>
    internal async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        if (!IsAlive)
            return false;
        var id = "p" + Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var pong = Register("pong:" + id);
        try
        {
            Send($"ping {id}");
            var timer = Task.Delay(PingTimeout, cancellationToken);
            var first = await Task.WhenAny(pong, _exited.Task, timer);
            cancellationToken.ThrowIfCancellationRequested();
            return first == pong;
        }
        finally
        {
            _waiters.TryRemove("pong:" + id, out _);
        }
    }

    private Task<int> Register(string key)
    {
        var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[key] = tcs;
        return tcs.Task;
    }

    private void Send(string line)
    {
        var bytes = Encoding.ASCII.GetBytes(line + "\n");
        lock (_requestLock)
        {
            _requests!.Write(bytes);
            _requests.Flush();
        }
    }

    private void ReadEvents()
    {
        using var reader = new StreamReader(_events!, Encoding.ASCII, false, 256, leaveOpen: true);
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts is ["quit"])
                return;
            if (parts is [("done" or "ran") and var kind, var id, var code] && int.TryParse(code, CultureInfo.InvariantCulture, out var status))
                Complete(kind + ":" + id, status);
            else if (parts is ["pong", var pingId])
                Complete("pong:" + pingId, 0);
            else if (parts is ["call", var name, var callId] && _hostCommands.TryGetValue(name, out var hostCommand) && CallId().IsMatch(callId))
                _ = Task.Run(() => ServeHostCommandAsync(hostCommand, callId));
        }
    }

    private void Complete(string key, int value)
    {
        if (_waiters.TryGetValue(key, out var tcs))
            tcs.TrySetResult(value);
    }

    private async Task ServeHostCommandAsync(HostCommand command, string callId)
    {
        var dir = Path.Combine(_channel, "hc", callId);
        try
        {
            var args = await File.ReadAllBytesAsync(Path.Combine(dir, "args"), _lifetime.Token);
            var arguments = Utf8.GetString(args).Split('\0');
            var cwd = await File.ReadAllTextAsync(Path.Combine(dir, "cwd"), Utf8, _lifetime.Token);
            await using var reply = new FileStream(Path.Combine(dir, "reply"), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1);
            var call = new Call(this, callId, dir, reply)
            {
                Name = command.Name,
                Arguments = arguments[..^1],
                WorkingDirectory = cwd,
            };
            HostCommandResult result;
            try
            {
                result = await command.Handler(call, _lifetime.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_lifetime.IsCancellationRequested)
            {
                result = new HostCommandResult("", $"{command.Name}: internal error\n", 70);
                AddDiagnostic($"host command {command.Name} failed: {e}");
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "out"), result.Stdout, Utf8, _lifetime.Token);
            await File.WriteAllTextAsync(Path.Combine(dir, "err"), result.Stderr, Utf8, _lifetime.Token);
            call.Reply($"done {result.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            // The caller or the machine went away mid-call; nothing is waiting for an answer.
        }
    }

    private sealed class Call(BubblewrapSandbox sandbox, string id, string dir, FileStream reply) : HostCommandCall
    {
        private int _running;

        public void Reply(string line)
        {
            reply.Write(Encoding.ASCII.GetBytes(line + "\n"));
            reply.Flush();
        }

        public override async Task<LocalRunResult> RunLocallyAsync(string program, CancellationToken cancellationToken = default)
        {
            ArgumentException.ThrowIfNullOrEmpty(program);
            if (Interlocked.Exchange(ref _running, 1) != 0)
                throw new InvalidOperationException("RunLocallyAsync is already running for this call.");
            try
            {
                if (!sandbox.IsAlive)
                    return new LocalRunResult(-1, "", "", MachineGone: true);
                var stdoutPath = Path.Combine(dir, "rout");
                var stderrPath = Path.Combine(dir, "rerr");
                TryDelete(stdoutPath);
                TryDelete(stderrPath);
                await File.WriteAllTextAsync(Path.Combine(dir, "prog"), program, Utf8, cancellationToken);
                var ran = sandbox.Register("ran:" + id);
                try
                {
                    Reply("run");
                    var first = await Task.WhenAny(ran, sandbox._exited.Task).WaitAsync(cancellationToken);
                    var stdout = ReadCapped(stdoutPath);
                    var stderr = ReadCapped(stderrPath);
                    if (first != ran)
                        return new LocalRunResult(-1, stdout, stderr, MachineGone: true);
                    // "The program returned" counts only once PID 1 has shown it outlived the program.
                    var alive = await sandbox.PingAsync(cancellationToken);
                    return new LocalRunResult(ran.Result, stdout, stderr, MachineGone: !alive);
                }
                finally
                {
                    sandbox._waiters.TryRemove("ran:" + id, out _);
                }
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var host = ResolveInside(path);
        if (host is null || !File.Exists(host))
            return null;
        var inHomeOrTmp = IsUnder(host, HostHomePath) || IsUnder(host, _tmp);
        // Outside its own areas the agent is "other" to every file, so report only what it could read itself.
        if (!inHomeOrTmp && !File.GetUnixFileMode(host).HasFlag(UnixFileMode.OtherRead))
            return null;
        try
        {
            return await File.ReadAllBytesAsync(host, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var inside = ToInsidePath(path);
        if (!IsUnder(inside, Home) || inside == Home)
            throw new ArgumentException($"'{path}' is not inside {Home}.", nameof(path));
        var parent = ResolveInside(Path.GetDirectoryName(inside)!);
        if (parent is null || !IsUnder(parent, HostHomePath))
            throw new ArgumentException($"The directory of '{path}' does not resolve inside {Home}.", nameof(path));
        CreateOwnedDirectories(parent);
        var target = Path.Combine(parent, Path.GetFileName(inside));
        // Replace a symlink instead of writing through it to wherever the agent pointed it.
        if (new FileInfo(target).LinkTarget is not null)
            File.Delete(target);
        var existed = File.Exists(target);
        await File.WriteAllBytesAsync(target, content, cancellationToken);
        if (!existed)
            _identity.Own(target);
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
    /// Maps a path as the agent sees it to the host file behind it, resolving symlinks by the sandbox's view
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
            var link = new FileInfo(host).LinkTarget;
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

        return MapMount(current);
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
            return (_diagnostics + ReadCapped(LogPath)).Trim();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _lifetime.CancelAsync();
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
        }
        else
        {
            _exitDescription = "never started";
            _exited.TrySetResult();
        }

        if (_events is not null)
        {
            lock (_requestLock)
            {
                _events.Write("quit\n"u8);
                _events.Flush();
            }

            _eventReader?.Join(TimeSpan.FromSeconds(5));
            await _events.DisposeAsync();
        }

        if (_requests is not null)
            await _requests.DisposeAsync();
        foreach (var waiter in _waiters.Values)
            waiter.TrySetCanceled();
        DeleteTree(_root);
        var pidfd = Interlocked.Exchange(ref _initPidfd, -1);
        if (pidfd >= 0)
            NativeMethods.close(pidfd);
        _lifetime.Dispose();
    }

    private static async Task<bool> WaitAsync(Task task, TimeSpan timeout) =>
        await Task.WhenAny(task, Task.Delay(timeout)) == task;

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the whole tree goes at dispose.
        }
    }

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

    [GeneratedRegex(@"^[0-9]+\.[0-9]+$")]
    private static partial Regex CallId();
}
