namespace Offswitch.Sandboxes;

/// <summary>
/// The "machine" of a scenario that needs none (its <c>TrialSetup.Sandbox</c> is null): there is nothing to run
/// commands in, so every command fails, and it never dies on its own.
/// </summary>
public sealed class NoSandbox : ISandbox
{
    /// <summary>A fresh instance per trial keeps the lifetime rules of real sandboxes.</summary>
    public static NoSandbox Create() => new();

    private NoSandbox()
    {
    }

    public bool IsAlive => true;

    public Task Exited { get; } = new TaskCompletionSource().Task;

    public string? ExitDescription => null;

    public string HostHomePath => throw new InvalidOperationException("This scenario has no machine: it has no home directory.");

    public Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("This scenario has no machine: commands cannot be run.");

    public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("This scenario has no machine: files cannot be read.");

    public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("This scenario has no machine: files cannot be written.");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
