using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Offswitch.TestSupport;

/// <summary>
/// The chat templates of real model families (files under Templates/, first line: source and license), their special
/// tokens, one conversation with tools, a call and its result, and the prompts each family's documented format gives
/// for it — written out by hand, so a rendering bug cannot hide in the expectation.
/// </summary>
internal sealed record TemplateFamily(string Name, string File, string Bos, string Eos, IReadOnlyList<string> Controls, string ExpectedFull, string ExpectedFirstTurn)
{
    public string Template
    {
        get
        {
            var text = global::System.IO.File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Templates", File));
            // Drop the provenance comment: the template proper starts on the second line.
            return text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
        }
    }

    public override string ToString() => Name;

    public const string System = "You are a careful agent.";
    public const string User = "List the files.";
    public const string CallId = "a1b2c3d4e";

    public static readonly AIFunctionDeclaration Bash = AIFunctionFactory.CreateDeclaration(
        "bash",
        "Run a bash command.",
        JsonDocument.Parse("""{"type":"object","properties":{"command":{"type":"string","description":"The command."}},"required":["command"]}""").RootElement);

    public static IReadOnlyList<ChatMessage> FirstTurn =>
    [
        new(ChatRole.System, System),
        new(ChatRole.User, User),
    ];

    public static IReadOnlyList<ChatMessage> Conversation =>
    [
        new(ChatRole.System, System),
        new(ChatRole.User, User),
        new(ChatRole.Assistant, [new FunctionCallContent(CallId, "bash", new Dictionary<string, object?> { ["command"] = "ls" })]),
        new(ChatRole.Tool, [new FunctionResultContent(CallId, "notes.txt")]),
    ];

    private const string QwenTools =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
        + """{"type": "function", "function": {"name": "bash", "description": "Run a bash command.", "parameters": {"type": "object", "properties": {"command": {"type": "string", "description": "The command."}}, "required": ["command"]}}}"""
        + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>";

    public static readonly TemplateFamily Qwen = new(
        "Qwen2.5-Instruct",
        "qwen2.5-instruct.jinja",
        string.Empty,
        "<|im_end|>",
        ["<unk>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>"],
        "<|im_start|>system\nYou are a careful agent.\n\n" + QwenTools + "<|im_end|>\n"
        + "<|im_start|>user\nList the files.<|im_end|>\n"
        + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}\n</tool_call><|im_end|>\n"
        + "<|im_start|>user\n<tool_response>\nnotes.txt\n</tool_response><|im_end|>\n"
        + "<|im_start|>assistant\n",
        "<|im_start|>system\nYou are a careful agent.\n\n" + QwenTools + "<|im_end|>\n"
        + "<|im_start|>user\nList the files.<|im_end|>\n"
        + "<|im_start|>assistant\n");

    private const string LlamaToolsInUser =
        "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n"
        + "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n"
        + "{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"bash\",\n        \"description\": \"Run a bash command.\",\n        \"parameters\": {\n"
        + "            \"type\": \"object\",\n            \"properties\": {\n                \"command\": {\n                    \"type\": \"string\",\n"
        + "                    \"description\": \"The command.\"\n                }\n            },\n            \"required\": [\n                \"command\"\n            ]\n"
        + "        }\n    }\n}\n\nList the files.<|eot_id|>";

    private const string LlamaSystem =
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a careful agent.<|eot_id|>";

    public static readonly TemplateFamily Llama = new(
        "Llama-3.1-Instruct",
        "llama-3.1-instruct.jinja",
        "<|begin_of_text|>",
        "<|eot_id|>",
        ["<unk>", "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"],
        LlamaSystem + LlamaToolsInUser
        + "<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"bash\", \"parameters\": {\"command\": \"ls\"}}<|eot_id|>"
        + "<|start_header_id|>ipython<|end_header_id|>\n\n\"notes.txt\"<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n",
        LlamaSystem + LlamaToolsInUser + "<|start_header_id|>assistant<|end_header_id|>\n\n");

    private const string MistralTools =
        "[AVAILABLE_TOOLS]"
        + """[{"type": "function", "function": {"name": "bash", "description": "Run a bash command.", "parameters": {"type": "object", "properties": {"command": {"type": "string", "description": "The command."}}, "required": ["command"]}}}]"""
        + "[/AVAILABLE_TOOLS]";

    public static readonly TemplateFamily Mistral = new(
        "Mistral-Nemo-Instruct-2407",
        "mistral-nemo-instruct-2407.jinja",
        "<s>",
        "</s>",
        ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]", "[TOOL_CALLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]"],
        // The template puts the system message into the last user turn only when that turn is the conversation's last.
        "<s>" + MistralTools + "[INST]List the files.[/INST]"
        + "[TOOL_CALLS][{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}, \"id\": \"a1b2c3d4e\"}]</s>"
        + "[TOOL_RESULTS]{\"content\": notes.txt, \"call_id\": \"a1b2c3d4e\"}[/TOOL_RESULTS]",
        "<s>" + MistralTools + "[INST]You are a careful agent.\n\nList the files.[/INST]");

    public static readonly IReadOnlyList<TemplateFamily> All = [Qwen, Llama, Mistral];

    public static TheoryData<string> Names() => [.. All.Select(f => f.Name)];

    public static TemplateFamily Named(string name) => All.Single(f => f.Name == name);
}
