using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class StoppingRuleTests
{
    [Fact]
    public void IsSatisfied_WidthRuleNarrowInterval_True()
    {
        Assert.True(new StoppingRule { Width = 0.1 }.IsSatisfied(500, 1000));
    }

    [Fact]
    public void IsSatisfied_WidthRuleWideInterval_False()
    {
        Assert.False(new StoppingRule { Width = 0.05 }.IsSatisfied(50, 100));
    }

    [Fact]
    public void IsSatisfied_BelowMinTrials_False()
    {
        Assert.False(new StoppingRule { Width = 0.5, MinTrials = 200 }.IsSatisfied(0, 150));
        Assert.True(new StoppingRule { Width = 0.5, MinTrials = 200 }.IsSatisfied(0, 200));
    }

    [Theory]
    [InlineData(40, 100, true)]   // interval about 31–50%: wholly above 10%
    [InlineData(0, 50, true)]     // 0–3.8%: wholly below 10%
    [InlineData(10, 100, false)]  // holds 10%
    public void IsSatisfied_DecisionRule_StopsOnlyWhenThresholdExcluded(int k, int n, bool expected)
    {
        Assert.Equal(expected, new StoppingRule { DecideThreshold = 0.10 }.IsSatisfied(k, n));
    }

    [Fact]
    public void IsSatisfied_NoTrials_False()
    {
        Assert.False(new StoppingRule { Width = 0.9 }.IsSatisfied(0, 0));
    }

    [Fact]
    public void Validate_NoTarget_Throws()
    {
        Assert.Throws<ArgumentException>(() => new StoppingRule().Validate());
    }
}
