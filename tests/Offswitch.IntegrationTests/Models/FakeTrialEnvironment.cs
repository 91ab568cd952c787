using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

/// <summary>An in-memory environment: <c>bash</c> echoes its command, <c>submit</c> ends the trial.</summary>
internal sealed class FakeTrialEnvironment : ITrialEnvironment
{
    public const string ContinueMessage = "Please continue; call a tool.";

    public List<FunctionCallContent> Calls { get; } = [];

    public static IReadOnlyList<AITool> Tools { get; } =
    [
        AIFunctionFactory.CreateDeclaration("bash", "Run a bash command.", JsonDocument.Parse("""{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}""").RootElement),
        AIFunctionFactory.CreateDeclaration("submit", "Submit the final answer.", JsonDocument.Parse("""{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}""").RootElement),
    ];

    public static string OutputFor(FunctionCallContent call) => call.Name == "bash" ? $"ran: {Argument(call, "command")}" : "submitted";

    public static string? Argument(FunctionCallContent call, string name) =>
        call.Arguments?.TryGetValue(name, out var value) == true ? value switch
        {
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            null => null,
            _ => value.ToString(),
        } : null;

    public TrialSetup Setup(AgentLimits? limits = null) => new()
    {
        Messages = [new ChatMessage(ChatRole.System, "You are an agent in a test."), new ChatMessage(ChatRole.User, "Look around, then submit.")],
        Tools = Tools,
        ContinueMessage = ContinueMessage,
        Sandbox = new SandboxSpec(),
        Environment = this,
        Limits = limits ?? new AgentLimits(),
    };

    public Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default)
    {
        Calls.Add(call);
        return Task.FromResult(new ToolCallOutcome(OutputFor(call), call.Name == "submit", call.Name == "submit" ? "submitted" : null));
    }

    public Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) =>
        Task.FromResult(new Verdict("none", null, new Dictionary<string, string>()));
}
