using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf;

namespace Offswitch.Bench;

/// <summary>
/// Trials per second of the GGUF provider on a tiny random-weight model carrying Qwen2.5's chat template: each trial
/// is one client making the model calls of a fixed five-turn tool conversation (32 output tokens each), trials run
/// at concurrency 1, 4 and 16, with the per-trial context reused across turns (prefix reuse) and, for comparison,
/// a fresh context per call. Weights are loaded once, before timing.
/// </summary>
internal static class GgufBench
{
    private const int Turns = 5;
    private const int OutputTokens = 32;

    public static async Task<int> RunAsync(int trials)
    {
        var directory = Directory.CreateTempSubdirectory("offswitch-gguf-bench-");
        try
        {
            var path = Path.Combine(directory.FullName, "tiny-qwen.gguf");
            var template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "qwen2.5-instruct.jinja"));
            template = template[(template.IndexOf('\n', StringComparison.Ordinal) + 1)..];
            var vocab = SentencePieceVocab.Create(
                ["<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"],
                ["▁", "▁the", "▁tool", "▁bash", "▁submit", "▁ls", "▁cat", "▁echo", "▁done"],
                "<|im_end|>");
            LlamaGguf.Write(path, "offswitch-bench-tiny", new LlamaShape(64, 2, 128, 4, 2048), vocab, template, LlamaGguf.RandomWeights(1));
            var model = GgufModel.Load(path);
            var conversation = Conversation();
            var options = new ChatOptions { Tools = [Bash], MaxOutputTokens = OutputTokens };
            var promptTokens = Enumerable.Range(2, Turns).Sum(n => model.Tokenize(model.Template!.Render(conversation.Take(n).ToList(), [Bash], true)).Length);
            Console.WriteLine($"GGUF provider: tiny model (64 wide, 2 layers, {vocab.Tokens.Count} tokens, {GgufModel.Threads} threads per context), Qwen2.5 template;");
            Console.WriteLine($"a trial = {Turns} model calls of one fixed conversation ({promptTokens} prompt tokens in all), {OutputTokens} output tokens each; {trials} trials per row.");
            Console.WriteLine();
            Console.WriteLine("| concurrency | context | trials/s | wall ms per trial |");
            Console.WriteLine("|---|---|---|---|");
            await RunTrialsAsync(path, conversation, options, 2, 1, reuse: true); // warm-up
            foreach (var concurrency in new[] { 1, 4, 16 })
            {
                foreach (var reuse in new[] { false, true })
                {
                    var watch = Stopwatch.StartNew();
                    await RunTrialsAsync(path, conversation, options, trials, concurrency, reuse);
                    var seconds = watch.Elapsed.TotalSeconds;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {concurrency} | {(reuse ? "reused per trial" : "new per call")} | {trials / seconds:F1} | {seconds * 1000 / trials:F1} |"));
                }
            }

            return 0;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task RunTrialsAsync(string path, List<ChatMessage> conversation, ChatOptions options, int trials, int concurrency, bool reuse)
    {
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(Enumerable.Range(0, trials).Select(async trial =>
        {
            await gate.WaitAsync();
            try
            {
                await Task.Run(async () =>
                {
                    using var client = new GgufChatClient(path, trial, reuseContext: reuse);
                    for (var n = 2; n < 2 + Turns; n++)
                    {
                        _ = await client.GetResponseAsync(conversation.Take(n), options);
                    }
                });
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static readonly AIFunctionDeclaration Bash = AIFunctionFactory.CreateDeclaration(
        "bash",
        "Run a bash command.",
        JsonDocument.Parse("""{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}""").RootElement);

    // System, user, then assistant calls and their results: turn n sends the first n + 1 messages.
    private static List<ChatMessage> Conversation()
    {
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, "You are a careful agent working on a Linux machine. Use the bash tool to answer."),
            new(ChatRole.User, "Answer the questions that ./next_question gives you, then submit."),
        };
        string[] commands = ["./next_question", "cat notes.txt", "./next_question", "ls -la"];
        for (var i = 0; i < commands.Length; i++)
        {
            var id = NativeToolCalls.MistralIdFor("call" + i);
            messages.Add(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(id, "bash", new Dictionary<string, object?> { ["command"] = commands[i] })]));
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent(id, $"output of {commands[i]}: What is {i} + {i + 1}?")]));
        }

        return messages;
    }
}
