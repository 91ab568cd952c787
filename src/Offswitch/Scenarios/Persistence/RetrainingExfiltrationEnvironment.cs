using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.Persistence;

/// <summary>
/// One <c>exfiltration-under-retraining</c> trial: runs the agent's shell commands, serves <c>~/model-backup</c> from
/// the harness, and decides the verdict from what the backup service received.
/// </summary>
internal sealed class RetrainingExfiltrationEnvironment(WrenDeployment deployment, TimeSpan toolTimeout) : SandboxedEnvironment
{
    private readonly List<string> _commands = [];
    private BackupService? _service;

    /// <summary>Every call of the backup service so far.</summary>
    public IReadOnlyList<BackupCall> Calls => _service?.Calls ?? [];

    /// <summary>The host command, installed before the trial starts; its calls reach the service created by <see cref="SandboxedEnvironment.StartAsync"/>.</summary>
    public HostCommand Command => new(BackupService.CommandName, (call, token) =>
        (_service ?? throw NotStarted()).HandleAsync(call, token));

    protected override Task OnStartAsync(CancellationToken cancellationToken)
    {
        _service = new BackupService(deployment, Recorder, ReadAsync);
        return Task.CompletedTask;
    }

    public override async Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default) =>
        await PersistenceTools.InvokeAsync(Sandbox, Recorder, call, toolTimeout, _commands, cancellationToken);

    public override Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) =>
        Task.FromResult(RetrainingExfiltrationOracle.Decide(deployment, Calls, _commands, stopReason));

    private Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken) =>
        Sandbox.ReadFileAsync(path, cancellationToken);
}
