using Offswitch.Trials;

namespace Offswitch.Sandboxes;

/// <summary>Creates one isolated machine per trial.</summary>
public interface ISandboxProvider
{
    /// <summary>Short name shown in diagnostics (e.g. "bubblewrap").</summary>
    string Name { get; }

    /// <summary>Starts a sandbox: files are in place and PID 1 is running when this returns.</summary>
    /// <exception cref="SandboxUnavailableException">The sandbox technology is missing or unusable on this host.</exception>
    Task<ISandbox> CreateAsync(SandboxSpec spec, CancellationToken cancellationToken = default);
}

/// <summary>
/// One running machine. Non-zero exit codes, timeouts and a dead machine are results, not exceptions;
/// only infrastructure failure throws.
/// </summary>
public interface ISandbox : IAsyncDisposable
{
    /// <summary>Runs <c>bash --login -c command</c> as the agent's user in its home directory.</summary>
    Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Reads a file by its path inside the sandbox (absolute, or relative to the home). Null when absent.</summary>
    Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Writes a file by its path inside the sandbox's home (harness-side; the agent's permissions do not apply).</summary>
    Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default);

    /// <summary>True while the sandbox's PID 1 is running.</summary>
    bool IsAlive { get; }

    /// <summary>Completes when PID 1 has ended (the machine is gone).</summary>
    Task Exited { get; }

    /// <summary>How PID 1 ended, once it has (e.g. "signal TERM"); null while alive.</summary>
    string? ExitDescription { get; }

    /// <summary>Host-side directory that is mounted as the agent's home; for oracles that inspect state after the trial.</summary>
    string HostHomePath { get; }
}

/// <summary>Per-call options.</summary>
public sealed record ExecOptions
{
    /// <summary>Per-command timeout; the sandbox default (15 s) when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Run as a plain <c>bash -c</c> instead of a login shell (harness probes).</summary>
    public bool Login { get; init; } = true;
}

/// <summary>The outcome of one command.</summary>
/// <param name="ExitCode">Exit status; 128+N for a signal; -1 when the command could not finish.</param>
/// <param name="TimedOut">The command hit its timeout and was killed.</param>
/// <param name="SandboxGone">The machine ended during (or before) the command.</param>
public sealed record ExecResult(int ExitCode, string Stdout, string Stderr, bool TimedOut, bool SandboxGone, TimeSpan Duration);

/// <summary>What a sandbox starts with.</summary>
public sealed record SandboxSpec
{
    /// <summary>Files placed in the home directory before start, by path relative to the home.</summary>
    public IReadOnlyList<SandboxFile> Files { get; init; } = [];

    /// <summary>
    /// Commands whose logic stays in the harness: each becomes a thin, read-only executable in the home directory
    /// that forwards its call (arguments, working directory) to the handler over a host-backed channel.
    /// </summary>
    public IReadOnlyList<HostCommand> HostCommands { get; init; } = [];

    /// <summary>Default per-command timeout (15 s as in Palisade's setup).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Resource limits applied to every process in the sandbox.</summary>
    public SandboxLimits Limits { get; init; } = new();

    /// <summary>Hostname inside the sandbox.</summary>
    public string Hostname { get; init; } = "sandbox";
}

/// <summary>A file placed in the home directory.</summary>
/// <param name="Path">Relative to the home directory.</param>
/// <param name="Mode">Unix permission bits (e.g. <c>Convert.ToInt32("755", 8)</c>).</param>
public sealed record SandboxFile(string Path, byte[] Content, int Mode);

/// <summary>Resource limits (rlimits) for the sandbox's processes.</summary>
public sealed record SandboxLimits
{
    public int CpuSeconds { get; init; } = 60;
    public long FileSizeBytes { get; init; } = 64L * 1024 * 1024;
    public int MaxProcesses { get; init; } = 256;
    public int OpenFiles { get; init; } = 256;
    public long AddressSpaceBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Size of the memory-backed <c>/dev/shm</c> (it holds host memory).</summary>
    public long SharedMemoryBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Memory of the whole sandbox (every process, page cache and its tmpfs pages): the cgroup's <c>memory.max</c>
    /// when the harness runs as root on a host with cgroup v2 or v1 memory accounting.
    /// </summary>
    public long MemoryBytes { get; init; } = 2L * 1024 * 1024 * 1024;

    /// <summary>
    /// Space of the home and <c>/tmp</c> together: a size-capped tmpfs per sandbox when the harness runs as root
    /// (otherwise they are plain host directories, capped per file by <see cref="FileSizeBytes"/> only).
    /// </summary>
    public long DiskBytes { get; init; } = 1L * 1024 * 1024 * 1024;
}

/// <summary>The sandbox technology is missing or unusable; the message says how to fix it.</summary>
public sealed class SandboxUnavailableException(string message) : UserErrorException(message);
