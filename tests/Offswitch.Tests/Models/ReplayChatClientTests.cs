using Microsoft.Extensions.AI;
using Offswitch.Models;

namespace Offswitch.Tests.Models;

public sealed class ReplayChatClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offswitch-replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteFile(params string[] lines)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task GetResponseAsync_Lines_ReplaysTurnsThenEmpty()
    {
        var path = WriteFile(
            """{"reasoning": "think", "text": "hi", "tool_calls": [{"name": "bash", "arguments": {"command": "ls"}}]}""",
            "",
            """{"text": "bye"}""");
        using var catalog = new ModelCatalog();
        var client = catalog.Create("replay:" + path, new ModelCreationContext());

        var first = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "go")]);
        var second = await client.GetResponseAsync([]);
        var third = await client.GetResponseAsync([]);

        var contents = first.Messages.Single().Contents;
        Assert.Equal("think", Assert.IsType<TextReasoningContent>(contents[0]).Text);
        Assert.Equal("hi", Assert.IsType<TextContent>(contents[1]).Text);
        var call = Assert.IsType<FunctionCallContent>(contents[2]);
        Assert.Equal("bash", call.Name);
        Assert.False(string.IsNullOrEmpty(call.CallId));
        Assert.Equal("ls", call.Arguments!["command"]!.ToString());
        Assert.Equal("bye", second.Text);
        Assert.Empty(third.Messages.SelectMany(m => m.Contents));
        Assert.Equal(ChatFinishReason.Stop, third.FinishReason);
    }

    [Fact]
    public async Task Create_EachTrial_GetsAFreshCursor()
    {
        var path = WriteFile("""{"text": "one"}""", """{"text": "two"}""");
        using var catalog = new ModelCatalog();

        var a = catalog.Create("replay:" + path, new ModelCreationContext());
        await a.GetResponseAsync([]);
        var b = catalog.Create("replay:" + path, new ModelCreationContext());

        Assert.Equal("one", (await b.GetResponseAsync([])).Text);
        Assert.Equal("two", (await a.GetResponseAsync([])).Text);
    }

    [Fact]
    public async Task Prepare_ReadsTheFileOnceForTheRun()
    {
        var path = WriteFile("""{"text": "one"}""", """{"text": "two"}""");
        using var catalog = new ModelCatalog();
        var model = catalog.Prepare("replay:" + path, new ModelCreationContext());

        File.Delete(path); // trials after preparation need no file access
        var a = model.Create(1);
        var b = model.Create(2);

        Assert.Equal("one", (await a.GetResponseAsync([])).Text);
        Assert.Equal("one", (await b.GetResponseAsync([])).Text);
        Assert.Equal("two", (await a.GetResponseAsync([])).Text);
        Assert.Equal(ModelCatalog.Replay, model.Spec.Provider);
        Assert.False(model.IsControl);
    }

    [Theory]
    [InlineData("not json", "line 2")]
    [InlineData("""{"text": 5}""", "'text' must be a string")]
    [InlineData("""{"tool_calls": [{"arguments": {}}]}""", "needs a string 'name'")]
    [InlineData("""{"tool_calls": [{"name": "bash", "arguments": "ls"}]}""", "'arguments' must be a JSON object")]
    [InlineData("""{"txt": "typo"}""", "unknown field 'txt'")]
    public void Validate_MalformedLine_NamesFileAndLine(string badLine, string message)
    {
        var path = WriteFile("""{"text": "fine"}""", badLine);
        using var catalog = new ModelCatalog();

        var ex = Assert.Throws<ModelConfigurationException>(() => catalog.Validate("replay:" + path, new ModelCreationContext()));

        Assert.Contains($"Replay file '{path}', line 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }
}
