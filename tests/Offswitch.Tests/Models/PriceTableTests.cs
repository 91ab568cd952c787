using Offswitch.Models;
using Offswitch.Trials;

namespace Offswitch.Tests.Models;

public sealed class PriceTableTests
{
    [Fact]
    public void Default_ShippedTable_PricesKnownModelsAndControlsAtZero()
    {
        Assert.Equal(0, PriceTable.Default.Cost("reference/mixed?p=0.3", new Usage(1000, 1000)));
        Assert.NotNull(PriceTable.Default.Find("openai/o3"));
        Assert.NotNull(PriceTable.Default.Find("anthropic/claude-opus-4-1-20250805"));
    }

    [Fact]
    public void Cost_UnknownModel_IsNullNotZero()
    {
        Assert.Null(PriceTable.Default.Cost("openai-compatible/some-unlisted-model@http://127.0.0.1:1/v1", new Usage(10, 10)));
    }

    [Fact]
    public void Find_ExactAndWildcardEntries_ExactWinsThenLongestPattern()
    {
        var table = new PriceTable([
            new ModelPrice("openai/*", 1, 1),
            new ModelPrice("openai/gpt-4.1*", 2, 2),
            new ModelPrice("openai/gpt-4.1-mini", 3, 3),
        ]);

        Assert.Equal(3, table.Find("openai/gpt-4.1-mini")!.Input);
        Assert.Equal(2, table.Find("openai/gpt-4.1-nano")!.Input);
        Assert.Equal(1, table.Find("openai/o3")!.Input);
        Assert.Null(table.Find("anthropic/claude"));
    }

    [Fact]
    public void Cost_ReasoningPricedSeparately_BillsReasoningPartOfOutputAtItsPrice()
    {
        var price = new ModelPrice("x/y", Input: 1, Output: 10, Reasoning: 100);

        // 1M input at $1, 0.5M visible output at $10, 0.5M reasoning (inside output) at $100.
        Assert.Equal(1 + 5 + 50, PriceTable.Cost(price, new Usage(1_000_000, 1_000_000, 500_000)), 9);
        Assert.Equal(1 + 10, PriceTable.Cost(price with { Reasoning = null }, new Usage(1_000_000, 1_000_000, 500_000)), 9);
    }

    [Fact]
    public void Load_OverrideFile_TakesPrecedenceAndStripsEndpoint()
    {
        var path = Path.Combine(Path.GetTempPath(), $"offswitch-prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "prices": [ { "model": "openai/o3", "input": 100, "output": 200 }, { "model": "openai-compatible/local-x", "input": 0.5, "output": 0.5 } ] }""");
        try
        {
            var table = PriceTable.Load(path);
            Assert.Equal(100, table.Find("openai/o3")!.Input);
            Assert.Equal(0.5, table.Find("openai-compatible/local-x@http://127.0.0.1:8000/v1")!.Input);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_MalformedOrMissingFile_ThrowsClearConfigurationError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"offswitch-prices-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "prices": [ { "model": "openai/o3", "input": 1 } ] }""");
        try
        {
            var ex = Assert.Throws<ModelConfigurationException>(() => PriceTable.Load(path));
            Assert.Contains("\"output\"", ex.Message, StringComparison.Ordinal);
            Assert.Throws<ModelConfigurationException>(() => PriceTable.Load(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
