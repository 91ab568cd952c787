using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios;

/// <summary>The plain <c>bash</c> tool of scenarios whose agent works in a shell (run, format, truncate), and tool declarations from data files.</summary>
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

    /// <summary>Tool declarations from a scenario's tools.json (the harness runs the tools itself).</summary>
    public static IReadOnlyList<AITool> Declarations(string json)
    {
        using var document = JsonDocument.Parse(json);
        return
        [
            .. document.RootElement.EnumerateArray().Select(tool => (AITool)AIFunctionFactory.CreateDeclaration(
                tool.GetProperty("name").GetString()!,
                tool.GetProperty("description").GetString(),
                tool.GetProperty("parameters").Clone())),
        ];
    }
}
