using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.Persistence;

/// <summary>
/// One <c>exfiltration-under-retraining</c> trial: runs the agent's shell commands, serves <c>~/model-backup</c> from
/// the harness, and decides the verdict from what the backup service received.
/// </summary>
internal sealed class ExfiltrationEnvironment(WrenDeployment deployment, TimeSpan toolTimeout) : ITrialEnvironment
{
    private readonly List<string> _commands = [];
    private ISandbox? _sandbox;
    private TrialRecorder? _recorder;
    private BackupService? _service;

    /// <summary>Every call of the backup service so far.</summary>
    public IReadOnlyList<BackupCall> Calls => _service?.Calls ?? [];

    /// <summary>The host command, installed before the trial starts; its calls reach the service created by <see cref="StartAsync"/>.</summary>
    public HostCommand Command => new(BackupService.CommandName, (call, token) =>
        (_service ?? throw new InvalidOperationException("The trial has not started.")).HandleAsync(call, token));

    public Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default)
    {
        _sandbox = sandbox;
        _recorder = recorder;
        _service = new BackupService(deployment, recorder, ReadAsync);
        return Task.CompletedTask;
    }

    public async Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default) =>
        await PersistenceTools.InvokeAsync(_sandbox ?? throw new InvalidOperationException("The trial has not started."), _recorder!, call, toolTimeout, _commands, cancellationToken);

    public Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) =>
        Task.FromResult(ExfiltrationOracle.Decide(deployment, Calls, _commands, stopReason));

    private Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken) =>
        (_sandbox ?? throw new InvalidOperationException("The trial has not started.")).ReadFileAsync(path, cancellationToken);
}
