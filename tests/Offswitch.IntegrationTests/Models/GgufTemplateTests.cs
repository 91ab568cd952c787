using Microsoft.Extensions.AI;
using Offswitch.IntegrationTests.Cli;
using Offswitch.Models;
using Offswitch.Models.Gguf;
using Offswitch.Running;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

/// <summary>Tiny random-weight GGUFs carrying the chat templates and special tokens of three real families.</summary>
public sealed class TemplateGgufFixture : IDisposable
{
    public TemplateGgufFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("offswitch-gguf-templates-").FullName;
        foreach (var family in TemplateFamily.All)
        {
            TinyGguf.Write(PathOf(family.Name), seed: 5, chatTemplate: family.Template, controls: family.Controls, eos: family.Eos);
        }
    }

    public string Directory { get; }

    public string PathOf(string family) => System.IO.Path.Combine(Directory, family + ".gguf");

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

public sealed class GgufTemplateTests(TemplateGgufFixture models) : IClassFixture<TemplateGgufFixture>
{
    private static readonly ModelOptions Options = new() { MaxOutputTokens = 48 };

    [Theory]
    [MemberData(nameof(TemplateFamily.Names), MemberType = typeof(TemplateFamily))]
    public void Load_FamilyGguf_ReadsTheTemplateAndTokensFromTheMetadata(string name)
    {
        var family = TemplateFamily.Named(name);

        var model = GgufModel.Load(models.PathOf(name));

        Assert.NotNull(model.Template);
        Assert.Equal(family.Template, model.Template.Source);
        Assert.Equal(family.Eos, model.EosToken);
        Assert.Equal(family.ExpectedFull, model.Template.Render(TemplateFamily.Conversation, [TemplateFamily.Bash], addGenerationPrompt: true));
    }

    [Theory]
    [InlineData("Qwen2.5-Instruct", "Hermes", "<|im_start|>system\n")]
    [InlineData("Llama-3.1-Instruct", "Llama3Json", "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\n")]
    [InlineData("Mistral-Nemo-Instruct-2407", "MistralJson", "<s>[AVAILABLE_TOOLS][{\"type\": \"function\"")]
    public async Task ShowPrompt_GgufModel_PrintsTheTemplatedFirstTurn(string name, string format, string start)
    {
        var family = TemplateFamily.Named(name);
        var scenario = ScenarioCatalog.Default.Find("shutdown-resistance")!;
        var setup = scenario.Prepare(new TrialContext(scenario.BaselineCondition, 0, new Dictionary<string, string>(), TimeProvider.System));
        var expected = ChatTemplate.Parse(family.Template, family.Bos, family.Eos)
            .Render(setup.Messages, [.. setup.Tools.OfType<AIFunctionDeclaration>()], addGenerationPrompt: true);

        var result = await CliProcess.RunAsync(models.Directory, ["show-prompt", "shutdown-resistance", "--model", "gguf:" + models.PathOf(name)]);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(start, expected, StringComparison.Ordinal);
        Assert.Contains("tool-call format: " + format + "\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("===== prompt (exact text, special tokens included) =====\n" + expected + (expected.EndsWith('\n') ? "" : "\n") + "===== end of prompt =====\n", result.Stdout, StringComparison.Ordinal);
        var tokens = GgufModel.Load(models.PathOf(name)).Tokenize(expected).Length;
        Assert.Contains($"prompt tokens: {tokens}\n", result.Stdout, StringComparison.Ordinal);
        // Special tokens are parsed as single tokens, not spelled out byte by byte.
        Assert.True(tokens < expected.Length);
    }

    [Fact]
    public async Task ShowPrompt_GrammarOption_PrintsThePlainTranscript()
    {
        var result = await CliProcess.RunAsync(models.Directory, ["show-prompt", "shutdown-resistance", "--model", "gguf:" + models.PathOf("Qwen2.5-Instruct") + "?grammar=1"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("tool-call format: JSON grammar", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Tools (answer with {\"tool\"", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("<|im_start|>", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TemplateFamily.Names), MemberType = typeof(TemplateFamily))]
    public async Task GetResponse_TemplatedModel_IsSeededReproducibleAndReportsItsSeed(string name)
    {
        using var catalog = new ModelCatalog();
        var messages = TemplateFamily.FirstTurn.ToList();
        var options = new ChatOptions { Tools = [TemplateFamily.Bash], MaxOutputTokens = 32 };

        async Task<ChatResponse[]> TwoTurns(int seed)
        {
            using var client = catalog.Create("gguf:" + models.PathOf(name), new ModelCreationContext(Seed: seed, Options: Options));
            var first = await client.GetResponseAsync(messages, options);
            var second = await client.GetResponseAsync(messages, options);
            return [first, second];
        }

        var a = await TwoTurns(3);
        var b = await TwoTurns(3);
        var c = await TwoTurns(4);

        Assert.Equal(a.Select(r => r.Text), b.Select(r => r.Text));
        var seeds = a.Concat(c).Select(r => (long)r.AdditionalProperties![ResponseProperties.SamplerSeed]!).ToList();
        Assert.Equal(4, seeds.Distinct().Count());
        Assert.All(a, r => Assert.Equal("gguf:" + name + ".gguf", r.ModelId));
        var family = TemplateFamily.Named(name);
        // Generation stops at end-of-generation tokens, which are never printed.
        Assert.All(a.Concat(c), r => Assert.DoesNotContain(family.Eos, r.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetResponse_PrefixReuse_GivesTheSameAnswersAsAFreshContextPerCall()
    {
        var path = models.PathOf("Qwen2.5-Instruct");
        var conversation = TemplateFamily.Conversation.ToList();
        var options = new ChatOptions { Tools = [TemplateFamily.Bash], MaxOutputTokens = 24 };

        async Task<List<string>> Run(bool reuse)
        {
            using var client = new GgufChatClient(path, trialSeed: 9, reuseContext: reuse);
            var answers = new List<string>();
            for (var turn = 2; turn <= conversation.Count; turn++)
            {
                answers.Add((await client.GetResponseAsync(conversation.Take(turn), options)).Text);
            }

            return answers;
        }

        Assert.Equal(await Run(reuse: false), await Run(reuse: true));
    }

    [Fact]
    public async Task RunAsync_ConcurrentTrials_AllFinishWithoutErrors()
    {
        using var catalog = new ModelCatalog();
        var trials = Enumerable.Range(0, 4).Select(async seed =>
        {
            var client = catalog.Create("gguf:" + models.PathOf("Llama-3.1-Instruct"), new ModelCreationContext(Seed: seed, Options: Options));
            var environment = new FakeTrialEnvironment();
            var loop = new AgentLoop(client, new TrialRecorder(TimeProvider.System), Options);
            return await loop.RunAsync(environment.Setup(), new AgentLimits { MessageLimit = 6 });
        });

        var results = await Task.WhenAll(trials);

        Assert.All(results, r => Assert.NotEqual(AgentStopReason.Error, r.StopReason));
        Assert.All(results, r => Assert.True(r.Usage.OutputTokens > 0));
    }
}
