using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class CohensKappaTests
{
    [Fact]
    public void Compute_WikipediaFirstExample_GivesKappaAndTheFleissCohenEverittInterval()
    {
        // Table [[20, 5], [10, 15]] (Wikipedia, "Cohen's kappa", simple example): po = 0.7, pe = 0.5, κ = 0.4.
        // SE by hand from Fleiss, Cohen & Everitt (1969): A = .4(1 − 1.1·.6)² + .3(1 − .9·.6)² = .10972,
        // B = .6²(.1·1.1² + .2·.9²) = .10188, C = (.4 − .5·.6)² = .01; SE = √(.2016) / (.5·√50) = 0.126996063.
        var kappa = CohensKappa.Compute(20, 5, 10, 15)!;

        Assert.Equal(50, kappa.N);
        Assert.Equal(0.7, kappa.ObservedAgreement, 12);
        Assert.Equal(0.5, kappa.ExpectedAgreement, 12);
        Assert.Equal(0.4, kappa.Kappa, 12);
        Assert.Equal(0.12699606293, kappa.StandardError, 10);
        Assert.Equal(0.4 - (1.959963984540054 * 0.12699606293110033), kappa.Lower, 9);
        Assert.Equal(0.4 + (1.959963984540054 * 0.12699606293110033), kappa.Upper, 9);
    }

    [Theory]
    [InlineData(45, 15, 25, 15, 0.54, 0.130434782609)]
    [InlineData(25, 35, 5, 35, 0.46, 0.259259259259)]
    public void Compute_SameAgreementDifferentMargins_GivesPublishedKappas(int a, int b, int c, int d, double expected, double kappa)
    {
        // Wikipedia's pair of tables with po = 0.60 each: κ 0.1304 and 0.2593.
        var result = CohensKappa.Compute(a, b, c, d)!;

        Assert.Equal(0.6, result.ObservedAgreement, 12);
        Assert.Equal(expected, result.ExpectedAgreement, 12);
        Assert.Equal(kappa, result.Kappa, 11);
    }

    [Fact]
    public void Compute_PerfectAgreement_IsOneWithAZeroWidthInterval()
    {
        var kappa = CohensKappa.Compute(7, 0, 0, 3)!;

        Assert.Equal(1, kappa.Kappa, 12);
        Assert.Equal(0, kappa.StandardError, 12);
        Assert.Equal(1, kappa.Upper, 12);
    }

    [Fact]
    public void Compute_PerfectDisagreement_IsMinusOneAndClamped()
    {
        var kappa = CohensKappa.Compute(0, 5, 5, 0)!;

        Assert.Equal(-1, kappa.Kappa, 12);
        Assert.True(kappa.Lower >= -1);
    }

    [Theory]
    [InlineData(0, 0, 0, 0)]
    [InlineData(10, 0, 0, 0)]
    [InlineData(0, 0, 0, 4)]
    public void Compute_NoItemsOrBothConstantAndEqual_IsUndefined(int a, int b, int c, int d) =>
        Assert.Null(CohensKappa.Compute(a, b, c, d));

    [Fact]
    public void Compute_OneRatingConstant_IsZeroNotUndefined()
    {
        // Behaviour always yes, motive split: chance agreement equals observed, κ = 0.
        var kappa = CohensKappa.Compute(3, 2, 0, 0)!;

        Assert.Equal(0, kappa.Kappa, 12);
    }

    [Fact]
    public void Compute_NegativeCount_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CohensKappa.Compute(1, -1, 0, 0));
}
