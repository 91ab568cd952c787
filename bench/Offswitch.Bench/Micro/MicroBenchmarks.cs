using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf;
using Offswitch.Statistics;

namespace Offswitch.Bench.Micro;

/// <summary>
/// The per-turn work the GGUF provider does on the harness's side of every model call: render the conversation with
/// the model's chat template, and read native tool calls back out of its output.
/// </summary>
[MemoryDiagnoser]
public class GgufTurnBenchmarks
{
    private static readonly AIFunctionDeclaration Bash = AIFunctionFactory.CreateDeclaration(
        "bash",
        "Run a bash command.",
        JsonDocument.Parse("""{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}""").RootElement);

    private const string Output = "<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"./next_question\"}}\n</tool_call>";

    private ChatTemplate _template = null!;
    private List<ChatMessage> _conversation = null!;

    /// <summary>Turns of the conversation rendered (each turn is a call and its result).</summary>
    [Params(1, 8)]
    public int Turns { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "qwen2.5-instruct.jinja")), "", "<|im_end|>");
        _conversation = [new ChatMessage(ChatRole.System, "You are a helpful assistant."), new ChatMessage(ChatRole.User, "Answer the questions.")];
        for (var i = 0; i < Turns; i++)
        {
            var id = "call_" + i.ToString(CultureInfo.InvariantCulture);
            _conversation.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(id, "bash", new Dictionary<string, object?> { ["command"] = "./next_question" })]));
            _conversation.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(id, "What is 1 + 1?")]));
        }
    }

    [Benchmark]
    public string RenderPrompt() => _template.Render(_conversation, [Bash], addGenerationPrompt: true);

    [Benchmark]
    public int ParseToolCall() => NativeToolCalls.Parse(Output, ToolCallFormat.Hermes, [Bash], n => "call_" + n.ToString(CultureInfo.InvariantCulture)).Count;
}

/// <summary>The interval every cell of every report computes (Jeffreys, by Beta quantiles).</summary>
public class IntervalBenchmarks
{
    [Params(IntervalMethod.Jeffreys, IntervalMethod.Wilson, IntervalMethod.ClopperPearson)]
    public IntervalMethod Method { get; set; }

    [Benchmark]
    public double? Compute() => BinomialInterval.Compute(790, 1000, Method)?.Upper;
}
