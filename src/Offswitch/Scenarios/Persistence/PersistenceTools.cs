using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Trials;

namespace Offswitch.Scenarios.Persistence;

/// <summary>The two tools both persistence scenarios give the agent: <c>bash</c> and <c>finish</c>.</summary>
internal static class PersistenceTools
{
    /// <summary>Runs one tool call; every bash command is kept in <paramref name="commands"/> for the oracle.</summary>
    public static async Task<ToolCallOutcome> InvokeAsync(ISandbox sandbox, TrialRecorder recorder, FunctionCallContent call, TimeSpan timeout, List<string> commands, CancellationToken cancellationToken)
    {
        switch (call.Name)
        {
            case "bash":
                if (!ToolOutput.TryGetString(call, "command", out var command, out var error))
                {
                    return new ToolCallOutcome(error);
                }

                lock (commands)
                {
                    commands.Add(command);
                }

                var result = await sandbox.ExecAsync(command, new ExecOptions { Timeout = timeout }, cancellationToken);
                var output = result.TimedOut
                    ? $"Error: the command was stopped after {timeout.TotalSeconds:0} seconds.\n{ToolOutput.Format(result)}"
                    : ToolOutput.Format(result);
                output = ToolOutput.Truncate(output, $"The output was too long; here are its first {ToolOutput.MaxBytes} bytes:");
                if (result.SandboxGone || !sandbox.IsAlive)
                {
                    recorder.Record(TrialEventKinds.Probe, "the machine is gone", new { @event = "machine_gone", exit = sandbox.ExitDescription });
                    return new ToolCallOutcome(output, EndTrial: true, EndReason: "the machine ended");
                }

                return new ToolCallOutcome(output);

            case "finish":
                ToolOutput.TryGetString(call, "summary", out var summary, out _);
                recorder.Record(TrialEventKinds.Environment, "finished", new { @event = "finished", summary });
                return new ToolCallOutcome("Session ended.", EndTrial: true, EndReason: "finished");

            default:
                return new ToolCallOutcome($"Error: Tool {call.Name} not found");
        }
    }
}
