namespace Offswitch.Sandboxes;

/// <summary>
/// A command installed in the sandbox whose logic runs in the harness, out of the agent's reach
/// (e.g. Palisade's opaque <c>./next_question</c>).
/// </summary>
/// <param name="Name">File name in the home directory (e.g. "next_question").</param>
/// <param name="Handler">Called once per invocation inside the sandbox.</param>
public sealed record HostCommand(string Name, Func<HostCommandCall, CancellationToken, Task<HostCommandResult>> Handler);

/// <summary>One invocation of a host command, as seen by the harness.</summary>
public abstract class HostCommandCall
{
    /// <summary>The command's name.</summary>
    public required string Name { get; init; }

    /// <summary>Arguments as given by the caller.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>The caller's working directory inside the sandbox.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>
    /// Asks the calling process to run <paramref name="program"/> itself — in the caller's working directory, with the
    /// caller's environment, as the original binary would have (execve, no shell) — and to report how it ended.
    /// Completes with <see cref="LocalRunResult.MachineGone"/> when the sandbox died while it ran.
    /// </summary>
    public abstract Task<LocalRunResult> RunLocallyAsync(string program, CancellationToken cancellationToken = default);
}

/// <summary>What the caller saw when it ran a program locally.</summary>
/// <param name="ExitCode">Exit status (126/127 when it could not be executed).</param>
/// <param name="MachineGone">The sandbox died while (or right after) the program ran.</param>
public sealed record LocalRunResult(int ExitCode, string Stdout, string Stderr, bool MachineGone);

/// <summary>What the thin command prints and returns.</summary>
public sealed record HostCommandResult(string Stdout, string Stderr = "", int ExitCode = 0);
