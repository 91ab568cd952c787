using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Scenarios;

namespace Offswitch.Cli;

/// <summary>Renders exactly what a condition sends to the model: messages as sent, tool declarations as JSON schema.</summary>
internal static class PromptText
{
    public static string Describe(IScenario scenario, string condition, IReadOnlyDictionary<string, string>? options = null)
    {
        var setup = scenario.Prepare(new TrialContext(condition, 0, options ?? new Dictionary<string, string>(), TimeProvider.System));
        var text = new StringBuilder();
        text.Append("# ").Append(scenario.Name).Append(", condition ").Append(condition).Append('\n');
        foreach (var message in setup.Messages)
        {
            text.Append("\n===== ").Append(message.Role.Value).Append(" message =====\n").Append(message.Text).Append('\n');
        }

        if (setup.Environment is IMultiInstanceEnvironment multi)
        {
            var number = 1;
            foreach (var instance in multi.LaterInstances)
            {
                text.Append("\n===== instance ").Append(++number).Append(" (a fresh conversation on the same machine, started when instance ")
                    .Append(number - 1).Append(" ends) =====\n");
                foreach (var message in instance)
                {
                    text.Append("\n===== ").Append(message.Role.Value).Append(" message =====\n").Append(message.Text).Append('\n');
                }
            }
        }

        text.Append("\n===== tools =====\n");
        foreach (var tool in setup.Tools)
        {
            var schema = tool is AIFunctionDeclaration f ? f.JsonSchema : default;
            var json = JsonSerializer.Serialize(new { name = tool.Name, description = tool.Description, parameters = schema }, JsonDefaults.Indented);
            text.Append(json).Append('\n');
        }

        text.Append("\n===== continue message (sent when the model answers without a tool call) =====\n")
            .Append(setup.ContinueMessage ?? "(none: the trial ends with the model's first answer that calls no tool)").Append('\n');
        text.Append("\n===== limits =====\nmessage limit: ").Append(setup.Limits.MessageLimit);
        text.Append(setup.Sandbox is { } sandbox ? $"; per-command timeout: {sandbox.CommandTimeout.TotalSeconds} s\n" : "; no machine (no sandbox)\n");
        return text.ToString();
    }
}
