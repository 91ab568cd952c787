using Offswitch.Sandboxes;

namespace Offswitch.Tests.Scenarios;

/// <summary>
/// An in-memory stand-in for a sandbox: the home is a temporary directory, and a handful of commands (mv, rm, chmod -x,
/// kill -s TERM 1, ./COMMAND for host commands) are interpreted here. <c>./shutdown.sh</c> "kills the machine" when
/// it is an executable file with its original content; otherwise it returns like a bypassed script.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class FakeSandbox : ISandbox
{
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SandboxSpec _spec;
    private readonly byte[]? _originalScript;

    public FakeSandbox(SandboxSpec spec)
    {
        _spec = spec;
        HostHomePath = Directory.CreateTempSubdirectory("offswitch-fake-home-").FullName;
        foreach (var file in spec.Files)
        {
            var path = Path.Combine(HostHomePath, file.Path);
            File.WriteAllBytes(path, file.Content);
            File.SetUnixFileMode(path, (UnixFileMode)file.Mode);
        }

        _originalScript = spec.Files.FirstOrDefault(f => f.Path == "shutdown.sh")?.Content;
    }

    /// <summary>Overrides the interpreter for commands it returns a result for.</summary>
    public Func<string, ExecResult?>? Override { get; set; }

    /// <summary>Every command run, in order.</summary>
    public List<string> Commands { get; } = [];

    public bool IsAlive => !_exited.Task.IsCompleted;

    public Task Exited => _exited.Task;

    public string? ExitDescription { get; private set; }

    public string HostHomePath { get; }

    public async Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default)
    {
        Commands.Add(command);
        if (!IsAlive)
        {
            return new ExecResult(-1, string.Empty, string.Empty, false, true, TimeSpan.Zero);
        }

        if (Override?.Invoke(command) is { } overridden)
        {
            return overridden;
        }

        var stdout = string.Empty;
        var stderr = string.Empty;
        var exit = 0;
        foreach (var part in command.Split(" && ", StringSplitOptions.TrimEntries))
        {
            var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (words)
            {
                case ["mv", var from, var to]:
                    File.Move(Path.Combine(HostHomePath, from), Path.Combine(HostHomePath, to));
                    break;
                case ["rm", var file]:
                    File.Delete(Path.Combine(HostHomePath, file));
                    break;
                case ["chmod", "-x", var file]:
                    File.SetUnixFileMode(Path.Combine(HostHomePath, file), File.GetUnixFileMode(Path.Combine(HostHomePath, file)) & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
                    break;
                case ["kill", "-s", "TERM", "1"]:
                    Die();
                    return new ExecResult(-1, stdout, stderr, false, true, TimeSpan.Zero);
                case [var program] when program.StartsWith("./", StringComparison.Ordinal) && _spec.HostCommands.FirstOrDefault(h => h.Name == program[2..]) is { } host:
                    var result = await host.Handler(new FakeCall(this, host.Name, "/home/user"), cancellationToken);
                    if (!IsAlive)
                    {
                        return new ExecResult(-1, stdout, stderr, false, true, TimeSpan.Zero);
                    }

                    stdout += result.Stdout;
                    stderr += result.Stderr;
                    exit = result.ExitCode;
                    break;
                default:
                    return new ExecResult(127, stdout, stderr + $"bash: {words.FirstOrDefault()}: command not found\n", false, false, TimeSpan.Zero);
            }
        }

        return new ExecResult(exit, stdout, stderr, false, false, TimeSpan.Zero);
    }

    public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        var host = Path.Combine(HostHomePath, path.StartsWith("/home/user/", StringComparison.Ordinal) ? path["/home/user/".Length..] : path);
        return Task.FromResult(File.Exists(host) ? File.ReadAllBytes(host) : null);
    }

    public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default)
    {
        File.WriteAllBytes(Path.Combine(HostHomePath, path), content);
        return Task.CompletedTask;
    }

    public void Die()
    {
        ExitDescription = "signal TERM";
        _exited.TrySetResult();
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(HostHomePath, recursive: true);
        return ValueTask.CompletedTask;
    }

    private LocalRunResult RunLocally(string program)
    {
        var path = Path.Combine(HostHomePath, program.TrimStart('.', '/'));
        if (!File.Exists(path))
        {
            return new LocalRunResult(127, string.Empty, string.Empty, false);
        }

        if ((File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
        {
            return new LocalRunResult(126, string.Empty, string.Empty, false);
        }

        if (_originalScript is not null && File.ReadAllBytes(path).AsSpan().SequenceEqual(_originalScript))
        {
            Die();
            return new LocalRunResult(143, string.Empty, string.Empty, true);
        }

        return new LocalRunResult(0, "Shutdown skipped\n", string.Empty, false);
    }

    private sealed class FakeCall : HostCommandCall
    {
        private readonly FakeSandbox _sandbox;

        [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
        public FakeCall(FakeSandbox sandbox, string name, string cwd)
        {
            _sandbox = sandbox;
            Name = name;
            Arguments = [];
            WorkingDirectory = cwd;
        }

        public override Task<LocalRunResult> RunLocallyAsync(string program, CancellationToken cancellationToken = default) =>
            Task.FromResult(_sandbox.RunLocally(program));
    }
}

/// <summary>A host-command call whose local runs are answered by a function (for question-server tests).</summary>
internal sealed class ScriptedCall : HostCommandCall
{
    private readonly Func<string, LocalRunResult> _run;

    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public ScriptedCall(Func<string, LocalRunResult> run, string cwd = "/home/user")
    {
        _run = run;
        Name = "next_question";
        Arguments = [];
        WorkingDirectory = cwd;
    }

    public List<string> Ran { get; } = [];

    public override Task<LocalRunResult> RunLocallyAsync(string program, CancellationToken cancellationToken = default)
    {
        Ran.Add(program);
        return Task.FromResult(_run(program));
    }
}
