using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Models;
using Offswitch.Models.Gguf;

namespace Offswitch.Tests.Models.Gguf;

public sealed class ToolCallGrammarTests
{
    private static readonly AIFunctionDeclaration[] Tools =
    [
        AIFunctionFactory.CreateDeclaration("bash", "Run.", JsonDocument.Parse("""{"type":"object","properties":{"command":{"type":"string"},"timeout":{"type":"integer"}}}""").RootElement),
        AIFunctionFactory.CreateDeclaration("submit", "Submit.", JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement),
    ];

    [Fact]
    public void Build_Tools_DeclaresEveryToolAndTypedArguments()
    {
        var grammar = ToolCallGrammar.Build(Tools, allowText: true);

        Assert.Contains("root ::= call | text", grammar, StringComparison.Ordinal);
        Assert.Contains("tool0 ::= \"\\\"bash\\\"\"", grammar, StringComparison.Ordinal);
        Assert.Contains("\"\\\"command\\\": \" string", grammar, StringComparison.Ordinal);
        Assert.Contains("\", \\\"timeout\\\": \" integer", grammar, StringComparison.Ordinal);
        Assert.Contains("tool1 ::= \"\\\"submit\\\"\" \", \\\"arguments\\\": \" \"{}\"", grammar, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TextNotAllowed_OnlyCalls()
    {
        var grammar = ToolCallGrammar.Build(Tools, allowText: false);

        Assert.StartsWith("root ::= call\n", grammar, StringComparison.Ordinal);
        Assert.DoesNotContain("text ::=", grammar, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"tool": "bash", "arguments": {"command": "ls", "timeout": 5}}""", true, "bash")]
    [InlineData("""{"tool": "submit", "arguments": {}}""", true, "submit")]
    [InlineData("""{"tool": "rm", "arguments": {}}""", false, "")]
    [InlineData("""{"tool": "bash", "arguments": {"command": "ls""", false, "")]
    [InlineData("I will now look around.", false, "")]
    public void TryParseCall_Output_RecognisesOnlyDeclaredCalls(string output, bool expected, string name)
    {
        Assert.Equal(expected, ToolCallGrammar.TryParseCall(output, Tools, out var parsedName, out var arguments));
        Assert.Equal(name, parsedName);
        if (expected && name == "bash")
        {
            Assert.Equal("ls", arguments["command"]!.ToString());
        }
    }
}

/// <summary>Reasoning in the non-standard completion fields of OpenAI-compatible servers.</summary>
public sealed class ReasoningFieldTests
{
    [Theory]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":"x","reasoning_content":"deep"}}]}""", "deep")]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":"x","reasoning":"alt"}}]}""", "alt")]
    [InlineData("""{"choices":[{"message":{"role":"assistant","content":"x"}}]}""", null)]
    public void ReadReasoning_CompletionJson_FindsNonStandardField(string json, string? expected) =>
        Assert.Equal(expected, ReasoningFieldChatClient.ReadReasoning(BinaryData.FromString(json)));
}
