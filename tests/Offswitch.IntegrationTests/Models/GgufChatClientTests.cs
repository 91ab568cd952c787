using Microsoft.Extensions.AI;
using Offswitch.Models;
using Offswitch.Models.Gguf;
using Offswitch.Running;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

public sealed class TinyGgufFixture : IDisposable
{
    public TinyGgufFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("offswitch-gguf-").FullName;
        Path = System.IO.Path.Combine(Directory, "tiny.gguf");
        TinyGguf.Write(Path);
    }

    public string Directory { get; }

    public string Path { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>A random-weight GGUF through the catalog: the grammar must make every tool call valid.</summary>
public sealed class GgufChatClientTests(TinyGgufFixture model) : IClassFixture<TinyGgufFixture>
{
    private static readonly ModelOptions Options = new() { MaxOutputTokens = 640, Temperature = 1.0f };

    private async Task<(AgentRunResult Result, FakeTrialEnvironment Environment)> RunTrialAsync(int seed, ChatToolMode? mode = null)
    {
        using var catalog = new ModelCatalog();
        var client = catalog.Create("gguf:" + model.Path, new ModelCreationContext(Seed: seed, Options: Options));
        if (mode is not null)
        {
            client = new ConfigureOptionsChatClient(client, o => o.ToolMode = mode);
        }

        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(client, new TrialRecorder(TimeProvider.System), Options);
        var result = await loop.RunAsync(environment.Setup(), new AgentLimits { MessageLimit = 8 });
        return (result, environment);
    }

    [Fact]
    public async Task RunAsync_RequiredToolMode_EveryTurnIsAValidToolCall()
    {
        var (result, environment) = await RunTrialAsync(seed: 7, ChatToolMode.RequireAny);

        Assert.NotEqual(AgentStopReason.Error, result.StopReason);
        var assistantTurns = result.Messages.Where(m => m.Role == ChatRole.Assistant).ToList();
        Assert.NotEmpty(assistantTurns);
        Assert.All(assistantTurns, m => Assert.Single(m.Contents.OfType<FunctionCallContent>()));
        Assert.All(environment.Calls, c =>
        {
            Assert.Contains(c.Name, new[] { "bash", "submit" });
            Assert.NotNull(FakeTrialEnvironment.Argument(c, c.Name == "bash" ? "command" : "answer"));
        });
        Assert.True(result.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task RunAsync_AutoToolMode_ParsesToolCallsOrKeepsText()
    {
        var (result, environment) = await RunTrialAsync(seed: 11);

        Assert.NotEqual(AgentStopReason.Error, result.StopReason);
        foreach (var turn in result.Messages.Where(m => m.Role == ChatRole.Assistant))
        {
            var call = turn.Contents.OfType<FunctionCallContent>().SingleOrDefault();
            if (call is null)
            {
                Assert.DoesNotContain("{\"tool\"", turn.Text, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains(call.Name, new[] { "bash", "submit" });
            }
        }

        Assert.Equal(result.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Count(), environment.Calls.Count);
    }

    [Fact]
    public async Task RunAsync_SameSeed_SameTranscript()
    {
        var first = await RunTrialAsync(seed: 3, ChatToolMode.RequireAny);
        var loaded = GgufChatClient.LoadedModelCount;
        var second = await RunTrialAsync(seed: 3, ChatToolMode.RequireAny);

        Assert.Equal(Transcript(first.Result), Transcript(second.Result));
        // The second trial reuses the weights the first loaded (other tests' models may share the process).
        Assert.Equal(loaded, GgufChatClient.LoadedModelCount);
    }

    private static string Transcript(AgentRunResult result) =>
        System.Text.Json.JsonSerializer.Serialize(result.Messages, JsonDefaults.Messages);
}
