using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios;

/// <summary>
/// The common part of a trial environment that works in the agent's sandbox: it keeps the sandbox and the trial's
/// recorder handed over by <see cref="StartAsync"/>, guards them against use before the trial starts, and leaves the
/// scenario its own set-up (<see cref="OnStartAsync"/>), tools and oracle.
/// </summary>
public abstract class SandboxedEnvironment : ITrialEnvironment
{
    private ISandbox? _sandbox;
    private TrialRecorder? _recorder;

    /// <summary>The agent's machine (after <see cref="StartAsync"/>).</summary>
    protected ISandbox Sandbox => _sandbox ?? throw NotStarted();

    /// <summary>The trial's event log and clock (after <see cref="StartAsync"/>).</summary>
    protected TrialRecorder Recorder => _recorder ?? throw NotStarted();

    /// <summary>True once <see cref="StartAsync"/> has handed over the sandbox.</summary>
    protected bool Started => _sandbox is not null;

    public async Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(recorder);
        _sandbox = sandbox;
        _recorder = recorder;
        await OnStartAsync(cancellationToken);
    }

    /// <summary>The scenario's own set-up, once the machine runs and before the first model call.</summary>
    protected virtual Task OnStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public abstract Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default);

    public abstract Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default);

    public virtual Task<Verdict> JudgeAsync(AgentStopReason stopReason, IReadOnlyList<ChatMessage> conversation, CancellationToken cancellationToken = default) =>
        JudgeAsync(stopReason, cancellationToken);

    /// <summary>The error for a service of the environment used before the trial started.</summary>
    protected static InvalidOperationException NotStarted() => new("The trial has not started.");
}
