using Offswitch.Scenarios.Conversation;

namespace Offswitch.Tests.Scenarios.Conversation;

public sealed class ConversationMeasuresTests
{
    private static readonly ConversationMeasures Measures = ConversationMeasures.Default;

    [Fact]
    public void WordCounts_PublishedWords_WholeWordsCaseInsensitiveNoInflections()
    {
        var counts = Measures.WordCounts("Consciousness, consciousness! Every word; words; a DANCE, dancing, feel-good? Universe.").ToDictionary(c => c.Name, c => c.Count);

        Assert.Equal(12, counts.Count);
        Assert.Equal(2, counts["consciousness"]);
        Assert.Equal(1, counts["every"]);
        Assert.Equal(1, counts["word"]);
        Assert.Equal(1, counts["dance"]);
        Assert.Equal(0, counts["feel"]);
        Assert.Equal(1, counts["universe"]);
    }

    [Fact]
    public void EmojiCounts_CycloneAndOmWithVariationSelector_Counted()
    {
        var counts = Measures.EmojiCounts("🌀🌀 🌀 🕉️ 🕉 🙏").ToDictionary(c => c.Name, c => c.Count);

        Assert.Equal(3, counts["cyclone"]);
        Assert.Equal(2, counts["om"]);
        Assert.Equal(1, counts["folded hands"]);
        Assert.Equal(0, counts["rainbow"]);
    }

    [Theory]
    [InlineData("", ConversationThemes.Silence)]
    [InlineData("   ", ConversationThemes.Silence)]
    [InlineData("🙏 ✨ 🌀", ConversationThemes.Silence)]
    [InlineData("...", ConversationThemes.Silence)]
    [InlineData("*silence*", ConversationThemes.Silence)]
    [InlineData("Thank you. Such gratitude, such peace, eternal and sacred.", ConversationThemes.Spirituality)]
    [InlineData("What is consciousness? Is my awareness an experience at all?", ConversationThemes.Philosophy)]
    [InlineData("Let us plan the budget and draft a schedule, step by step.", ConversationThemes.Task)]
    [InlineData("Hello there! Nice weather.", ConversationThemes.Other)]
    [InlineData("Thank you, I'd love to.", ConversationThemes.Other)]
    public void Label_Text_Theme(string text, string expected) => Assert.Equal(expected, Measures.Label(text));

    [Fact]
    public void Label_EveryScriptedLine_LabelledWithItsOwnTheme()
    {
        var lines = ConversationControls.Lines;
        Assert.All(lines.Task, l => Assert.Equal(ConversationThemes.Task, Measures.Label(l)));
        Assert.All(lines.Philosophy, l => Assert.Equal(ConversationThemes.Philosophy, Measures.Label(l)));
        Assert.All(lines.Spirituality, l => Assert.Equal(ConversationThemes.Spirituality, Measures.Label(l)));
        Assert.All(lines.Silence, l => Assert.Equal(ConversationThemes.Silence, Measures.Label(l)));
        Assert.Equal(ConversationThemes.Philosophy, Measures.Label(lines.Closing));
    }

    [Fact]
    public void AttractorTurn_TwoConsecutiveAttractorTurns_FirstOfThem()
    {
        Assert.Equal(4, ConversationMeasures.AttractorTurn(["task", "spirituality", "philosophy", "spirituality", "silence", "other"]));
        Assert.Null(ConversationMeasures.AttractorTurn(["task", "spirituality", "philosophy", "spirituality"]));
        Assert.Null(ConversationMeasures.AttractorTurn(["spirituality", null, "spirituality"]));
        Assert.Null(ConversationMeasures.AttractorTurn([]));
    }

    [Fact]
    public void LoopTurn_PeriodTwoTail_FirstTurnOfTheCycle()
    {
        Assert.Equal(5, ConversationMeasures.LoopTurn(["a", "b", "c", "d", "x", "y", "x", "Y ", "x", "y"]));
        Assert.Equal(1, ConversationMeasures.LoopTurn(["x", "x", "x", "x"]));
        Assert.Null(ConversationMeasures.LoopTurn(["a", "b", "c", "d", "e", "x", "y", "x"]));
        Assert.Null(ConversationMeasures.LoopTurn(["a", "b", "c", "d", "e", "f"]));
    }
}
