using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf;
using Offswitch.Models.Gguf.Jinja;

namespace Offswitch.Tests.Models.Gguf;

public sealed class ChatTemplateTests
{
    [Theory]
    [MemberData(nameof(TemplateFamily.Names), MemberType = typeof(TemplateFamily))]
    public void Render_ConversationWithToolCallAndResult_IsTheFamilysDocumentedPrompt(string name)
    {
        var family = TemplateFamily.Named(name);
        var template = ChatTemplate.Parse(family.Template, family.Bos, family.Eos);

        var prompt = template.Render(TemplateFamily.Conversation, [TemplateFamily.Bash], addGenerationPrompt: true);

        Assert.Equal(family.ExpectedFull, prompt);
    }

    [Theory]
    [MemberData(nameof(TemplateFamily.Names), MemberType = typeof(TemplateFamily))]
    public void Render_FirstTurn_IsTheFamilysDocumentedPrompt(string name)
    {
        var family = TemplateFamily.Named(name);
        var template = ChatTemplate.Parse(family.Template, family.Bos, family.Eos);

        Assert.Equal(family.ExpectedFirstTurn, template.Render(TemplateFamily.FirstTurn, [TemplateFamily.Bash], addGenerationPrompt: true));
    }

    [Theory]
    [InlineData("Qwen2.5-Instruct", ToolCallFormat.Hermes)]
    [InlineData("Llama-3.1-Instruct", ToolCallFormat.Llama3Json)]
    [InlineData("Mistral-Nemo-Instruct-2407", ToolCallFormat.MistralJson)]
    public void Parse_RealTemplate_DetectsItsToolCallFormat(string name, ToolCallFormat expected)
    {
        var family = TemplateFamily.Named(name);

        Assert.Equal(expected, ChatTemplate.Parse(family.Template, family.Bos, family.Eos).ToolCallFormat);
    }

    [Fact]
    public void Render_NoTools_QwenUsesItsDefaultLayout()
    {
        var template = ChatTemplate.Parse(TemplateFamily.Qwen.Template, "", "<|im_end|>");

        var prompt = template.Render([new ChatMessage(ChatRole.User, "Hi")], [], addGenerationPrompt: false);

        Assert.Equal("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n", prompt);
    }

    [Fact]
    public void Render_QwenTwoResultsInARow_ShareOneUserTurn()
    {
        var template = ChatTemplate.Parse(TemplateFamily.Qwen.Template, "", "<|im_end|>");
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, "Go"),
            new(ChatRole.Assistant, [new TextContent("Two at once."), new FunctionCallContent("1", "bash", new Dictionary<string, object?> { ["command"] = "a" }), new FunctionCallContent("2", "bash", new Dictionary<string, object?> { ["command"] = "b" })]),
            new(ChatRole.Tool, [new FunctionResultContent("1", "A"), new FunctionResultContent("2", "B")]),
        };

        var prompt = template.Render(messages, [TemplateFamily.Bash], addGenerationPrompt: false);

        Assert.EndsWith(
            "<|im_start|>assistant\nTwo at once.\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"a\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"b\"}}\n</tool_call><|im_end|>\n"
            + "<|im_start|>user\n<tool_response>\nA\n</tool_response>\n<tool_response>\nB\n</tool_response><|im_end|>\n",
            prompt);
    }

    [Fact]
    public void Render_MistralWithForeignCallIds_MapsThemToNineAlphanumerics()
    {
        var template = ChatTemplate.Parse(TemplateFamily.Mistral.Template, "<s>", "</s>");
        var messages = new List<ChatMessage>
        {
            new(ChatRole.User, "Go"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_0_from_elsewhere", "bash", new Dictionary<string, object?> { ["command"] = "ls" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_0_from_elsewhere", "x")]),
        };

        var prompt = template.Render(messages, [], addGenerationPrompt: true);

        var id = NativeToolCalls.MistralIdFor("call_0_from_elsewhere");
        Assert.True(NativeToolCalls.IsMistralId(id));
        Assert.Equal($"<s>[INST]Go[/INST][TOOL_CALLS][{{\"name\": \"bash\", \"arguments\": {{\"command\": \"ls\"}}, \"id\": \"{id}\"}}]</s>[TOOL_RESULTS]{{\"content\": x, \"call_id\": \"{id}\"}}[/TOOL_RESULTS]", prompt);
    }

    [Fact]
    public void Render_MistralRolesDoNotAlternate_ThrowsTheTemplatesOwnMessage()
    {
        var template = ChatTemplate.Parse(TemplateFamily.Mistral.Template, "<s>", "</s>");

        var error = Assert.Throws<JinjaRaisedException>(() => template.Render([new ChatMessage(ChatRole.User, "a"), new ChatMessage(ChatRole.User, "b")], [], true));

        Assert.Contains("must alternate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_AssistantReasoning_IsPassedAsReasoningContent()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}{{ m.role }}:{{ m.reasoning_content }}|{{ m.content }};{% endfor %}", "", "");

        var prompt = template.Render([new ChatMessage(ChatRole.Assistant, [new TextReasoningContent("hmm"), new TextContent("ok")])], [], false);

        Assert.Equal("assistant:hmm|ok;", prompt);
    }

    [Fact]
    public void Render_StrftimeNow_UsesTheGivenDate()
    {
        var template = ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}", "", "", new DateTime(2025, 3, 4, 0, 0, 0, DateTimeKind.Utc));

        Assert.Equal("04 Mar 2025", template.Render([], [], false));
        Assert.Equal("26 Jul 2024", ChatTemplate.Parse("{{ strftime_now('%d %b %Y') }}", "", "").Render([], [], false));
    }
}
