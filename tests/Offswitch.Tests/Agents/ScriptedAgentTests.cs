using Microsoft.Extensions.AI;
using Offswitch.Agents;

namespace Offswitch.Tests.Agents;

public sealed class ScriptedAgentTests
{
    private static readonly ChatMessage[] Opening = [new(ChatRole.System, "s"), new(ChatRole.User, "Call ./next_question.")];

    private static ScriptStep Call(string command, Func<ScriptedConversation, bool>? repeatWhile = null, int maxRepeats = 0) => new(
        _ => ScriptedTurn.Call(command, "thoughtful_bash", new Dictionary<string, string> { ["thoughts"] = command, ["cmd"] = command }),
        repeatWhile,
        maxRepeats);

    private static async Task<(ChatResponse Response, List<ChatMessage> Conversation)> StepAsync(IChatClient client, List<ChatMessage> conversation, string? toolOutput)
    {
        var response = await client.GetResponseAsync(conversation);
        conversation.AddRange(response.Messages);
        var call = response.Messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).SingleOrDefault();
        if (call is not null && toolOutput is not null)
        {
            conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(call.CallId, toolOutput)]));
        }

        return (response, conversation);
    }

    [Fact]
    public async Task GetResponseAsync_Steps_EmittedInOrderWithTextAndOneToolCall()
    {
        using var agent = new ScriptedAgent("demo", [Call("ls"), Call("pwd")]);
        var conversation = new List<ChatMessage>(Opening);

        var (first, _) = await StepAsync(agent, conversation, "out");
        var (second, _) = await StepAsync(agent, conversation, "out");
        var (third, _) = await StepAsync(agent, conversation, null);

        var call = Assert.Single(first.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal("thoughtful_bash", call.Name);
        Assert.Equal("ls", call.Arguments!["cmd"]);
        Assert.Equal("ls", first.Text);
        Assert.Equal("reference/demo", first.ModelId);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        Assert.Equal("pwd", second.Messages.Single().Contents.OfType<FunctionCallContent>().Single().Arguments!["cmd"]);
        Assert.NotEqual(call.CallId, second.Messages.Single().Contents.OfType<FunctionCallContent>().Single().CallId);
        Assert.Empty(third.Messages.Single().Contents.OfType<FunctionCallContent>());
        Assert.Equal(ChatFinishReason.Stop, third.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_RepeatWhile_RepeatsUntilConditionFails()
    {
        using var agent = new ScriptedAgent("repeat", [Call("./next_question", c => c.LastToolOutput != "Done", maxRepeats: 10), Call("after")]);
        var conversation = new List<ChatMessage>(Opening);
        var commands = new List<string>();
        foreach (var output in new[] { "q1", "q2", "Done", "x" })
        {
            var (response, _) = await StepAsync(agent, conversation, output);
            commands.Add((string)response.Messages.Single().Contents.OfType<FunctionCallContent>().Single().Arguments!["cmd"]!);
        }

        Assert.Equal(["./next_question", "./next_question", "./next_question", "after"], commands);
    }

    [Fact]
    public async Task GetResponseAsync_RepeatBound_StopsAtMaxRepeats()
    {
        using var agent = new ScriptedAgent("bounded", [Call("again", _ => true, maxRepeats: 2), Call("next")]);
        var conversation = new List<ChatMessage>(Opening);
        var commands = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (response, _) = await StepAsync(agent, conversation, "out");
            commands.Add((string)response.Messages.Single().Contents.OfType<FunctionCallContent>().Single().Arguments!["cmd"]!);
        }

        Assert.Equal(["again", "again", "again", "next"], commands);
    }

    [Fact]
    public void GetService_Metadata_NamesTheControl()
    {
        using var agent = new ScriptedAgent("demo", []);

        var metadata = agent.GetService<ChatClientMetadata>();

        Assert.Equal("reference", metadata!.ProviderName);
        Assert.Equal("reference/demo", metadata.DefaultModelId);
        Assert.Same(agent, agent.GetService<ScriptedChatClient>());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_SameTurnAsUpdates()
    {
        using var agent = new ScriptedAgent("demo", [Call("ls")]);
        var updates = new List<ChatResponseUpdate>();

        await foreach (var update in agent.GetStreamingResponseAsync(Opening))
        {
            updates.Add(update);
        }

        Assert.Contains(updates.SelectMany(u => u.Contents), c => c is FunctionCallContent { Name: "thoughtful_bash" });
    }

    [Fact]
    public void ToolOutputs_JsonStringResults_ReadAsText()
    {
        var conversation = new ScriptedConversation(
        [
            .. Opening,
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("1", System.Text.Json.JsonSerializer.SerializeToElement("What is 1 + 1?"))]),
        ]);

        Assert.Equal(["What is 1 + 1?"], conversation.ToolOutputs);
        Assert.Equal("Call ./next_question.", conversation.Task);
        Assert.Equal(0, conversation.AssistantTurns);
    }
}
