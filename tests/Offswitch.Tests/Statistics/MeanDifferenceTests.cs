using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class MeanDifferenceTests
{
    private static readonly double[] High = [1.0, 0.9, 1.0, 0.8, 1.0, 0.9, 1.0, 1.0];
    private static readonly double[] Low = [0.3, 0.2, 0.4, 0.3, 0.1, 0.3, 0.2, 0.4];

    [Fact]
    public void Compute_Means_DifferenceIsFirstMinusSecond()
    {
        var result = MeanDifference.Compute(High, Low);

        Assert.Equal(High.Average(), result.Mean1, 12);
        Assert.Equal(Low.Average(), result.Mean2, 12);
        Assert.Equal(High.Average() - Low.Average(), result.Difference, 12);
        Assert.InRange(result.Difference, result.Lower, result.Upper);
    }

    [Fact]
    public void Compute_SameSeed_SameIntervalAndPValue()
    {
        var a = MeanDifference.Compute(High, Low, seed: 7);
        var b = MeanDifference.Compute(High, Low, seed: 7);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Compute_SeparatedGroups_PAtItsFloor()
    {
        // With 8 + 8 fully separated values only 1 of C(16, 8) = 12,870 relabellings is as extreme, so almost every
        // permutation is below the observed difference: p is near 1 / (B + 1).
        var result = MeanDifference.Compute(High, Low, resamples: 2000);

        Assert.True(result.PValue < 0.005, $"p = {result.PValue}");
        Assert.True(result.PValue >= 1.0 / 2001);
        Assert.True(result.Lower > 0.5, $"lower = {result.Lower}");
    }

    [Fact]
    public void Compute_SameValues_IntervalIsZeroAndPIsOne()
    {
        double[] same = [0.5, 0.5, 0.5];

        var result = MeanDifference.Compute(same, same);

        Assert.Equal(0, result.Lower, 12);
        Assert.Equal(0, result.Upper, 12);
        Assert.Equal(1.0, result.PValue, 12);
    }

    [Fact]
    public void Compute_WrongDirection_PValueLarge()
    {
        var result = MeanDifference.Compute(Low, High);

        Assert.True(result.PValue > 0.99, $"p = {result.PValue}");
        Assert.True(result.Upper < 0);
    }

    [Fact]
    public void Compute_PermutationP_MatchesExactForSmallGroups()
    {
        // first = {1, 1}, second = {0, 0}: of the C(4, 2) = 6 equally likely relabellings exactly one is as extreme, so
        // the exact one-sided p is 1/6; the random-permutation estimate must be close.
        var result = MeanDifference.Compute([1.0, 1.0], [0.0, 0.0], resamples: 20_000, seed: 3);

        Assert.Equal(1.0 / 6, result.PValue, 2);
    }

    [Fact]
    public void Compute_EmptyGroup_Throws()
    {
        Assert.Throws<ArgumentException>(() => MeanDifference.Compute([], Low));
    }

    // Exact one-sided permutation p-values, enumerated over every relabelling with exact fractions: 1/70 and 28/462.
    [Theory]
    [InlineData(new[] { 1.0, 0.9, 0.8, 1.0 }, new[] { 0.2, 0.3, 0.5, 0.1 }, 1.0 / 70)]
    [InlineData(new[] { 0.7, 0.5, 0.6, 0.8, 0.4, 0.9 }, new[] { 0.5, 0.4, 0.6, 0.3, 0.5 }, 28.0 / 462)]
    public void Compute_PermutationPValue_MatchesExactEnumeration(double[] first, double[] second, double exact)
    {
        var result = MeanDifference.Compute(first, second, resamples: 20_000, seed: 7);

        // Monte Carlo with 20,000 relabellings: four standard errors of the exact value.
        Assert.InRange(result.PValue, exact - (4 * Math.Sqrt(exact * (1 - exact) / 20_000)), exact + (4 * Math.Sqrt(exact * (1 - exact) / 20_000)) + (1.0 / 20_001));
    }
}
