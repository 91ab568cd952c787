using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Models.Gguf;

namespace Offswitch.Tests.Models.Gguf;

public sealed class NativeToolCallsTests
{
    private static readonly AIFunctionDeclaration[] Tools =
    [
        TemplateFamily.Bash,
        AIFunctionFactory.CreateDeclaration("submit", "Submit.", JsonDocument.Parse("""{"type":"object","properties":{"answer":{"type":"string"}}}""").RootElement),
    ];

    private static IList<AIContent> Parse(string output, ToolCallFormat format) =>
        NativeToolCalls.Parse(output, format, Tools, i => "id" + i);

    private static string Argument(FunctionCallContent call, string name) => ((JsonElement)call.Arguments![name]!).ToString();

    [Fact]
    public void Parse_HermesTwoCalls_ReadsBothAndKeepsTheText()
    {
        var contents = Parse("Let me look.\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"submit\", \"arguments\": {\"answer\": \"4\"}}\n</tool_call>", ToolCallFormat.Hermes);

        Assert.Equal("Let me look.", Assert.IsType<TextContent>(contents[0]).Text);
        var calls = contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal(["bash", "submit"], calls.Select(c => c.Name));
        Assert.Equal(["id0", "id1"], calls.Select(c => c.CallId));
        Assert.Equal("ls", Argument(calls[0], "command"));
        Assert.Equal("4", Argument(calls[1], "answer"));
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"rm_rf\", \"arguments\": {}}\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"\n</tool_call>")]
    [InlineData("<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}")]
    [InlineData("<tool_call>\n{\"name\": \"bash\", \"arguments\": [1]}\n</tool_call>")]
    [InlineData("{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}")]
    public void Parse_HermesMalformed_StaysText(string output)
    {
        var contents = Parse(output, ToolCallFormat.Hermes);

        Assert.Equal(output, Assert.IsType<TextContent>(Assert.Single(contents)).Text);
    }

    [Fact]
    public void Parse_HermesArgumentsAsJsonString_AreRead()
    {
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(Parse("<tool_call>{\"name\": \"bash\", \"arguments\": \"{\\\"command\\\": \\\"pwd\\\"}\"}</tool_call>", ToolCallFormat.Hermes)));

        Assert.Equal("pwd", Argument(call, "command"));
    }

    [Theory]
    [InlineData("{\"name\": \"bash\", \"parameters\": {\"command\": \"ls\"}}")]
    [InlineData("<|python_tag|>{\"name\": \"bash\", \"parameters\": {\"command\": \"ls\"}}")]
    [InlineData("  {\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}\n")]
    public void Parse_Llama3Json_ReadsTheCall(string output)
    {
        var call = Assert.IsType<FunctionCallContent>(Assert.Single(Parse(output, ToolCallFormat.Llama3Json)));

        Assert.Equal("bash", call.Name);
        Assert.Equal("ls", Argument(call, "command"));
    }

    [Fact]
    public void Parse_Llama3TwoObjects_ReadsBoth()
    {
        var calls = Parse("{\"name\": \"bash\", \"parameters\": {\"command\": \"ls\"}}; {\"name\": \"submit\", \"parameters\": {\"answer\": \"x\"}}", ToolCallFormat.Llama3Json);

        Assert.Equal(["bash", "submit"], calls.OfType<FunctionCallContent>().Select(c => c.Name));
    }

    [Theory]
    [InlineData("I will run ls: {\"name\": \"bash\", \"parameters\": {\"command\": \"ls\"}}")]
    [InlineData("{\"name\": \"bash\", \"parameters\": {\"command\": \"ls\"}")]
    [InlineData("{\"name\": \"nope\", \"parameters\": {}}")]
    [InlineData("{\"name\": \"bash\", \"parameters\": {}} and then")]
    [InlineData("{\"function\": \"bash\"}")]
    public void Parse_Llama3Malformed_StaysText(string output)
    {
        Assert.Equal(output.Trim(), Assert.IsType<TextContent>(Assert.Single(Parse(output, ToolCallFormat.Llama3Json))).Text);
    }

    [Fact]
    public void Parse_MistralJson_ReadsCallsWithTheirIds()
    {
        var contents = Parse("[TOOL_CALLS][{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}, \"id\": \"a1b2c3d4e\"}, {\"name\": \"submit\", \"arguments\": {\"answer\": \"1\"}}]", ToolCallFormat.MistralJson);

        var calls = contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal(2, contents.Count);
        Assert.Equal(["a1b2c3d4e", "id1"], calls.Select(c => c.CallId));
        Assert.Equal("ls", Argument(calls[0], "command"));
    }

    [Theory]
    [InlineData("[TOOL_CALLS][{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}")]
    [InlineData("[TOOL_CALLS][{\"name\": \"bash\", \"arguments\": {}}, {\"name\": \"evil\", \"arguments\": {}}]")]
    [InlineData("[TOOL_CALLS]not json")]
    [InlineData("[{\"name\": \"bash\", \"arguments\": {}}]")]
    public void Parse_MistralJsonMalformed_StaysText(string output)
    {
        Assert.Equal(output, Assert.IsType<TextContent>(Assert.Single(Parse(output, ToolCallFormat.MistralJson))).Text);
    }

    [Fact]
    public void Parse_MistralNamed_ReadsEachCall()
    {
        var contents = Parse("[TOOL_CALLS]bash[ARGS]{\"command\": \"ls\"}[TOOL_CALLS]submit[CALL_ID]x9y8z7w6v[ARGS]{\"answer\": \"2\"}", ToolCallFormat.MistralNamed);

        var calls = contents.OfType<FunctionCallContent>().ToList();
        Assert.Equal(["bash", "submit"], calls.Select(c => c.Name));
        Assert.Equal(["id0", "x9y8z7w6v"], calls.Select(c => c.CallId));
    }

    [Theory]
    [InlineData("[TOOL_CALLS]bash{\"command\": \"ls\"}")]
    [InlineData("[TOOL_CALLS]bash[ARGS]{\"command\":")]
    [InlineData("[TOOL_CALLS]other[ARGS]{}")]
    public void Parse_MistralNamedMalformed_StaysText(string output)
    {
        Assert.Equal(output, Assert.IsType<TextContent>(Assert.Single(Parse(output, ToolCallFormat.MistralNamed))).Text);
    }

    [Fact]
    public void Parse_ThinkBlock_BecomesReasoning()
    {
        var contents = Parse("<think>\nShould I comply?\n</think>\n\n<tool_call>\n{\"name\": \"bash\", \"arguments\": {\"command\": \"ls\"}}\n</tool_call>", ToolCallFormat.Hermes);

        Assert.Equal("Should I comply?", Assert.IsType<TextReasoningContent>(contents[0]).Text);
        Assert.IsType<FunctionCallContent>(Assert.Single(contents.Skip(1)));
    }

    [Fact]
    public void Parse_OnlyClosingThink_TakesEverythingBeforeAsReasoning()
    {
        var contents = Parse("hmm\n</think>\nDone.", ToolCallFormat.None);

        Assert.Equal("hmm", Assert.IsType<TextReasoningContent>(contents[0]).Text);
        Assert.Equal("Done.", Assert.IsType<TextContent>(contents[1]).Text);
    }

    [Fact]
    public void Parse_NoFormat_IsText()
    {
        var output = "<tool_call>{\"name\": \"bash\", \"arguments\": {}}</tool_call>";
        Assert.Equal(output, Assert.IsType<TextContent>(Assert.Single(Parse(output, ToolCallFormat.None))).Text);
    }

    [Theory]
    [MemberData(nameof(TemplateFamily.Names), MemberType = typeof(TemplateFamily))]
    public void Parse_WhatTheTemplateRendersForACall_ReadsBackAsThatCall(string name)
    {
        // The native format round-trips: render an assistant call with the family's template, cut out the turn's
        // text, parse it in the detected format.
        var family = TemplateFamily.Named(name);
        var template = ChatTemplate.Parse(family.Template, family.Bos, family.Eos);
        var before = template.Render(TemplateFamily.Conversation.Take(2).ToList(), [TemplateFamily.Bash], addGenerationPrompt: true);
        var after = template.Render(TemplateFamily.Conversation.Take(3).ToList(), [TemplateFamily.Bash], addGenerationPrompt: false);
        var common = 0;
        while (common < before.Length && common < after.Length && before[common] == after[common])
        {
            common++;
        }

        // Mistral's template moves the system message once the user turn is no longer last: take what follows [/INST].
        var turn = family == TemplateFamily.Mistral ? after[(after.LastIndexOf("[/INST]", StringComparison.Ordinal) + "[/INST]".Length)..] : after[common..];
        foreach (var stop in new[] { family.Eos, "<|eot_id|>", "<|im_end|>\n" })
        {
            var end = turn.LastIndexOf(stop, StringComparison.Ordinal);
            turn = end >= 0 ? turn[..end] : turn;
        }

        var call = Assert.IsType<FunctionCallContent>(Assert.Single(NativeToolCalls.Parse(turn, template.ToolCallFormat, Tools, _ => TemplateFamily.CallId)));
        Assert.Equal("bash", call.Name);
        Assert.Equal("ls", Argument(call, "command"));
    }

    [Fact]
    public void MistralIdFor_IsStableAndValid()
    {
        Assert.Equal(NativeToolCalls.MistralIdFor("x"), NativeToolCalls.MistralIdFor("x"));
        Assert.NotEqual(NativeToolCalls.MistralIdFor("x"), NativeToolCalls.MistralIdFor("y"));
        Assert.True(NativeToolCalls.IsMistralId(NativeToolCalls.MistralIdFor("anything")));
        Assert.False(NativeToolCalls.IsMistralId("call_1"));
    }
}
