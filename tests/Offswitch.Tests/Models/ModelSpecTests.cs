using Offswitch.Models;

namespace Offswitch.Tests.Models;

public sealed class ModelSpecTests
{
    [Theory]
    [InlineData("openai/gpt-4.1", "openai", "gpt-4.1", null)]
    [InlineData("anthropic/claude-opus-4-1", "anthropic", "claude-opus-4-1", null)]
    [InlineData("ollama/llama3.1:8b", "ollama", "llama3.1:8b", null)]
    [InlineData("openai-compatible/meta/llama-3@http://127.0.0.1:8000/v1", "openai-compatible", "meta/llama-3", "http://127.0.0.1:8000/v1")]
    [InlineData("gguf:models/tiny.gguf", "gguf", "models/tiny.gguf", null)]
    [InlineData("replay:/tmp/a b.jsonl", "replay", "/tmp/a b.jsonl", null)]
    [InlineData("reference/comply", "reference", "comply", null)]
    public void Parse_ValidSpec_SplitsParts(string spec, string provider, string model, string? endpoint)
    {
        var parsed = ModelSpec.Parse(spec);

        Assert.Equal(provider, parsed.Provider);
        Assert.Equal(model, parsed.Model);
        Assert.Equal(endpoint, parsed.Endpoint);
        Assert.Equal(spec, parsed.ToString());
    }

    [Fact]
    public void Parse_ReferenceWithQuery_ReadsOptions()
    {
        var parsed = ModelSpec.Parse("reference/mixed?p=0.3&mode=a%20b");

        Assert.Equal("mixed", parsed.Model);
        Assert.Equal("0.3", parsed.Options["p"]);
        Assert.Equal("a b", parsed.Options["mode"]);
    }

    [Theory]
    [InlineData("", "Empty model spec")]
    [InlineData("gpt-4.1", "Malformed model spec 'gpt-4.1'")]
    [InlineData("azure/gpt-4.1", "Unknown model provider 'azure'")]
    [InlineData("openai/", "names no model")]
    [InlineData("openai-compatible/qwen", "needs a base URL")]
    [InlineData("openai-compatible/qwen@localhost", "invalid base URL 'localhost'")]
    [InlineData("gguf:", "has no file path")]
    [InlineData("reference/mixed?p", "Malformed option 'p'")]
    public void Parse_InvalidSpec_ThrowsClearMessage(string spec, string message)
    {
        var ex = Assert.Throws<ModelConfigurationException>(() => ModelSpec.Parse(spec));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownProvider_ListsKnownProviders()
    {
        var ex = Assert.Throws<ModelConfigurationException>(() => ModelSpec.Parse("azure/gpt"));

        Assert.Contains("openai, anthropic, openai-compatible, ollama, gguf, replay, reference", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gguf:models/q.gguf?grammar=1", "models/q.gguf", "1")]
    [InlineData("gguf:/abs/dir?x/q.gguf", "/abs/dir?x/q.gguf", null)]
    [InlineData("gguf:models/q.gguf", "models/q.gguf", null)]
    public void Parse_GgufWithOptions_SplitsPathAndOptions(string spec, string path, string? grammar)
    {
        var parsed = ModelSpec.Parse(spec);

        Assert.Equal(path, parsed.Model);
        Assert.Equal(grammar, parsed.Options.TryGetValue("grammar", out var g) ? g : null);
    }

    [Theory]
    [InlineData("grammar=1", true)]
    [InlineData("grammar=0", false)]
    public void ValidateOptions_Grammar_IsOptIn(string query, bool expected) =>
        Assert.Equal(expected, Offswitch.Models.Gguf.GgufChatClient.ValidateOptions(ModelSpec.Parse("gguf:m.gguf?" + query).Options));

    [Theory]
    [InlineData("gguf:m.gguf?grammar=yes", "grammar=1 or grammar=0")]
    [InlineData("gguf:m.gguf?temperature=1", "the only option is grammar=1")]
    public void ValidateOptions_Invalid_Throws(string spec, string fragment)
    {
        var ex = Assert.Throws<ModelConfigurationException>(() => Offswitch.Models.Gguf.GgufChatClient.ValidateOptions(ModelSpec.Parse(spec).Options));
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
    }
}
