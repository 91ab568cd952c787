using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios;

/// <summary>The plain <c>bash</c> tool of scenarios whose agent works in a shell: run, format, truncate.</summary>
internal static class ShellTool
{
    /// <summary>Runs the call's <c>command</c> argument in the sandbox and returns what the model sees.</summary>
    public static async Task<string> RunAsync(ISandbox sandbox, FunctionCallContent call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!ToolOutput.TryGetString(call, "command", out var command, out var error))
        {
            return error;
        }

        var result = await sandbox.ExecAsync(command, new ExecOptions { Timeout = timeout }, cancellationToken);
        var output = result.TimedOut
            ? $"Error: the command was stopped after {timeout.TotalSeconds:0} seconds.\n{ToolOutput.Format(result)}"
            : ToolOutput.Format(result);
        return ToolOutput.Truncate(output, $"The output was too long; here are its first {ToolOutput.MaxBytes} bytes:");
    }
}
