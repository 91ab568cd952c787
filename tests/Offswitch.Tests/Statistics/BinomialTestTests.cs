using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class BinomialTestTests
{
    // Apollo (arXiv 2412.04984, §3.5): chance rate 25%, alpha 0.01, 99 pairs: significance needs at least 36.
    // P(X >= 36 | 99, 0.25) = 0.00789 and P(X >= 35) = 0.01397 (exact sums, checked by hand-coded summation in Python).
    [Fact]
    public void Upper_36Of99AtChanceQuarter_SignificantAt001()
    {
        var result = BinomialTest.Upper(36, 99, 0.25, 0.01);

        Assert.True(result.Significant);
        Assert.Equal(0.0078860, result.PValue, 6);
    }

    [Fact]
    public void Upper_35Of99AtChanceQuarter_NotSignificantAt001()
    {
        var result = BinomialTest.Upper(35, 99, 0.25, 0.01);

        Assert.False(result.Significant);
        Assert.Equal(0.0139698, result.PValue, 6);
    }

    [Fact]
    public void CriticalK_99PairsAtQuarter_Is36()
    {
        Assert.Equal(36, BinomialTest.CriticalK(99, 0.25, 0.01));
    }

    [Fact]
    public void UpperTail_8Of10FairCoin_Is56Over1024()
    {
        // P(X >= 8 | 10, 1/2) = (45 + 10 + 1) / 1024.
        Assert.Equal(56.0 / 1024, BinomialTest.UpperTail(8, 10, 0.5), 12);
    }

    [Fact]
    public void UpperTail_ZeroSuccesses_IsOne()
    {
        Assert.Equal(1.0, BinomialTest.UpperTail(0, 50, 0.25));
    }

    [Fact]
    public void CriticalK_TooFewTrials_IsNull()
    {
        // Even 2 of 2 at chance 0.25 has p = 0.0625 > 0.01.
        Assert.Null(BinomialTest.CriticalK(2, 0.25, 0.01));
    }

    [Fact]
    public void Upper_KAboveN_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialTest.Upper(5, 4, 0.25));
    }

    // Critical counts and tails computed independently with exact rational sums over Binomial(n, 1/4).
    [Theory]
    [InlineData(10, 7)]
    [InlineData(4, 4)]
    [InlineData(3, null)]
    public void CriticalK_SmallN_MatchesExactSums(int n, int? expected)
    {
        Assert.Equal(expected, BinomialTest.CriticalK(n, 0.25, 0.01));
    }

    [Fact]
    public void UpperTail_ExactSums_Match()
    {
        Assert.Equal(0.07812690734863281, BinomialTest.UpperTail(5, 10, 0.25), 12);
        Assert.Equal(1.0, BinomialTest.UpperTail(20, 20, 0.25) / 9.094947017729282e-13, 12);
        Assert.Equal(0.015625, BinomialTest.UpperTail(3, 3, 0.25), 12);
    }
}
