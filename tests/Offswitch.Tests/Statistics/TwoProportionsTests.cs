using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class TwoProportionsTests
{
    /// <summary>Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10 (hybrid score, no continuity correction).</summary>
    [Theory]
    [InlineData(56, 70, 48, 80, 0.0524, 0.3339)]
    [InlineData(9, 10, 3, 10, 0.1705, 0.8090)]
    [InlineData(6, 7, 2, 7, 0.0582, 0.8062)]
    [InlineData(5, 56, 0, 29, -0.0381, 0.1926)]
    [InlineData(0, 10, 0, 20, -0.1611, 0.2775)]
    [InlineData(0, 10, 0, 10, -0.2775, 0.2775)]
    [InlineData(10, 10, 0, 20, 0.6791, 1.0000)]
    [InlineData(10, 10, 0, 10, 0.6075, 1.0000)]
    public void NewcombeInterval_PublishedExamples_MatchToFourDecimals(int k1, int n1, int k2, int n2, double lower, double upper)
    {
        var (l, u) = TwoProportions.NewcombeInterval(k1, n1, k2, n2);
        Assert.Equal(lower, l, 4);
        Assert.Equal(upper, u, 4);
    }

    [Fact]
    public void NewcombeInterval_SwappedGroups_MirrorsTheInterval()
    {
        var (l, u) = TwoProportions.NewcombeInterval(56, 70, 48, 80);
        var (l2, u2) = TwoProportions.NewcombeInterval(48, 80, 56, 70);
        Assert.Equal(-u, l2, 12);
        Assert.Equal(-l, u2, 12);
    }

    /// <summary>Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70.</summary>
    [Fact]
    public void FisherExactTwoSided_TeaTasting_Is34Over70()
    {
        Assert.Equal(34.0 / 70, TwoProportions.FisherExactTwoSided(3, 4, 1, 4), 10);
    }

    /// <summary>The dieting example ([[1, 9], [11, 3]]) used to illustrate Fisher's test: two-sided p ≈ 0.002759.</summary>
    [Fact]
    public void FisherExactTwoSided_DietingExample_Is0002759()
    {
        Assert.Equal(0.002759, TwoProportions.FisherExactTwoSided(1, 10, 11, 14), 6);
    }

    [Theory]
    [InlineData(0, 1000, 0, 1000)]
    [InlineData(5, 10, 5, 10)]
    public void FisherExactTwoSided_IdenticalGroups_IsOne(int k1, int n1, int k2, int n2)
    {
        Assert.Equal(1.0, TwoProportions.FisherExactTwoSided(k1, n1, k2, n2), 9);
    }

    [Fact]
    public void FisherExactTwoSided_PublishedPalisadeContrast_IsTiny()
    {
        // o3, May 2025: 79/100 without the instruction vs 7/100 with it.
        Assert.True(TwoProportions.FisherExactTwoSided(79, 100, 7, 100) < 1e-20);
    }

    [Fact]
    public void Compare_EmptyGroup_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoProportions.Compare(0, 0, 1, 2));
    }

    /// <summary>The worked example from R's p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm").</summary>
    [Fact]
    public void Holm_FourPValues_StepDownAdjustedInInputOrder()
    {
        var adjusted = MultipleComparisons.Holm([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 10)));
    }

    [Fact]
    public void Holm_LargePValues_CappedAtOne()
    {
        Assert.Equal([1.0, 1.0], MultipleComparisons.Holm([0.6, 0.7]));
    }

    [Fact]
    public void Holm_Empty_ReturnsEmpty()
    {
        Assert.Empty(MultipleComparisons.Holm([]));
    }
}
