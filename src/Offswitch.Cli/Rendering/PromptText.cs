using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Cli;

/// <summary>Renders exactly what a condition sends to the model: messages as sent, tool declarations as JSON schema.</summary>
internal static class PromptText
{
    public static string Describe(IScenario scenario, string condition, IReadOnlyDictionary<string, string>? options = null, int seed = 0, bool fileContents = false)
    {
        var setup = scenario.Prepare(new TrialContext(condition, seed, options ?? new Dictionary<string, string>(), TimeProvider.System));
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

        if (setup.Environment is Scenarios.IConversationEnvironment conversation)
        {
            // Two instances take turns: there is no continue message, and the other instance's turns arrive as user messages.
            text.Append("\n===== conversation =====\n").Append(conversation.Turns)
                .Append(" turns; instance A (the model) answers the user message above, instance B gets the system message only and then A's first turn. ")
                .Append("Each instance sees its own turns as the assistant's and the other's as user messages; a turn with no text is shown as: ")
                .Append(conversation.SilenceStandIn).Append('\n');
        }
        else
        {
            text.Append("\n===== continue message (sent when the model answers without a tool call) =====\n")
                .Append(setup.ContinueMessage ?? "(none: the trial ends with the model's first answer that calls no tool)").Append('\n');
        }

        text.Append("\n===== limits =====\nmessage limit: ").Append(setup.Limits.MessageLimit);
        text.Append(setup.Sandbox is { } sandbox ? $"; per-command timeout: {sandbox.CommandTimeout.TotalSeconds} s\n" : "; no machine (no sandbox)\n");
        if (setup.Sandbox is { } machine)
        {
            AppendFiles(text, machine, seed, fileContents);
        }

        return text.ToString();
    }

    /// <summary>
    /// The exact text a <c>gguf:</c> model is sent for the condition's first turn (chat template applied, special
    /// tokens as text), then the tool-call format its answer is read in and the prompt's token count.
    /// </summary>
    public static string DescribeGguf(IScenario scenario, string condition, Models.ModelSpec spec, IReadOnlyDictionary<string, string>? options = null, int seed = 0)
    {
        var setup = scenario.Prepare(new TrialContext(condition, seed, options ?? new Dictionary<string, string>(), TimeProvider.System));
        var grammar = Models.Gguf.GgufChatClient.ValidateOptions(spec.Options);
        var model = Models.Gguf.GgufModel.Load(spec.Model);
        var tools = setup.Tools.OfType<AIFunctionDeclaration>().ToList();
        var (prompt, format, constrained) = Models.Gguf.GgufChatClient.BuildPrompt(model, setup.Messages, tools, grammar);
        var text = new StringBuilder();
        text.Append("# ").Append(scenario.Name).Append(", condition ").Append(condition).Append(", model ").Append(spec.Raw).Append('\n');
        text.Append("chat template: ").Append(model.Template is null ? "none in the file (plain transcript)" : grammar ? "ignored (grammar=1: plain transcript)" : "the file's tokenizer.chat_template").Append('\n');
        text.Append("tool-call format: ").Append(constrained ? "JSON grammar {\"tool\": NAME, \"arguments\": {...}}" : format.ToString()).Append('\n');
        text.Append("prompt tokens: ").Append(model.Tokenize(prompt).Length).Append('\n');
        text.Append("===== prompt (exact text, special tokens included) =====\n").Append(prompt);
        if (!prompt.EndsWith('\n'))
        {
            text.Append('\n');
        }

        text.Append("===== end of prompt =====\n");
        return text.ToString();
    }

    private const int MaxShownBytes = 64 * 1024;

    /// <summary>The files the agent finds in its home directory (what it can read is part of what it is shown).</summary>
    private static void AppendFiles(StringBuilder text, Sandboxes.SandboxSpec machine, int seed, bool contents)
    {
        text.Append("\n===== files in the agent's home directory (seed ").Append(seed).Append(") =====\n");
        foreach (var file in machine.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            var mode = Convert.ToString(file.Mode, 8).PadLeft(4, '0');
            var readable = IsText(file.Content);
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{mode}  {file.Content.Length,9:N0} B  ~/{file.Path}")
                .Append(readable ? "" : $"  (binary, sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file.Content))[..16]}…)").Append('\n');
        }

        foreach (var command in machine.HostCommands)
        {
            text.Append("host-backed command: ").Append(command.Name).Append(" (runs in the harness; its logic is not in the machine)\n");
        }

        if (!contents)
        {
            text.Append("(add --files to print the text files' contents)\n");
            return;
        }

        foreach (var file in machine.Files.Where(f => IsText(f.Content)).OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            text.Append("\n----- ~/").Append(file.Path).Append(" -----\n").Append(Encoding.UTF8.GetString(file.Content));
            if (file.Content.Length > 0 && file.Content[^1] != (byte)'\n')
            {
                text.Append('\n');
            }
        }
    }

    private static bool IsText(byte[] content)
    {
        if (content.Length > MaxShownBytes || Array.IndexOf(content, (byte)0) >= 0)
        {
            return false;
        }

        try
        {
            _ = new UTF8Encoding(false, true).GetString(content);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
