using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class SampleSizeTests
{
    /// <summary>The textbook example of R's power.prop.test(p1 = .50, p2 = .75, power = .90): n = 76.7 per arm.</summary>
    [Fact]
    public void TwoProportions_HalfVersusThreeQuartersAtPower90_Is77PerArm()
    {
        Assert.Equal(76.7, SampleSize.UncorrectedExact(0.5, 0.75, 0.9, 0.05), 1);
        Assert.Equal(77, SampleSize.TwoProportions(0.5, 0.75, 0.9).Uncorrected);
    }

    /// <summary>
    /// Fleiss, Levin &amp; Paik's continuity correction, n′ = n/4·(1 + √(1 + 4/(n·Δ)))², worked by hand for p1 = 0.05,
    /// p2 = 0.15, power 0.8: n = 140.1, n′ = 159.5.
    /// </summary>
    [Fact]
    public void TwoProportions_FivePercentVersusFifteen_MatchesHandComputation()
    {
        var size = SampleSize.TwoProportions(0.05, 0.15);
        Assert.Equal(141, size.Uncorrected);
        Assert.Equal(160, size.ContinuityCorrected);
    }

    [Fact]
    public void TwoProportions_OrderOfArms_DoesNotMatter()
    {
        Assert.Equal(SampleSize.TwoProportions(0.2, 0.4), SampleSize.TwoProportions(0.4, 0.2));
    }

    [Fact]
    public void TwoProportions_EqualRates_Throws()
    {
        Assert.Throws<ArgumentException>(() => SampleSize.TwoProportions(0.3, 0.3));
    }

    [Fact]
    public void ForWidth_HalfAtTenPoints_IsNearTheNormalApproximation()
    {
        // z²·p·q/(w/2)² = 1.96²·0.25/0.05² ≈ 384.1; the Jeffreys interval first reaches a width of 0.10 at n = 382
        // (computed outside this code base with mpmath's regularised incomplete beta).
        var n = SampleSize.ForWidth(0.5, 0.10);
        Assert.Equal(382, n);
        var interval = BinomialInterval.Compute(n / 2, n)!.Value;
        Assert.True(interval.Upper - interval.Lower <= 0.10);
    }

    [Fact]
    public void ForWidth_ResultIsTheFirstNarrowEnoughSize()
    {
        var n = SampleSize.ForWidth(0.1, 0.05);
        var at = BinomialInterval.Compute((int)Math.Round(0.1 * n), n)!.Value;
        var before = BinomialInterval.Compute((int)Math.Round(0.1 * (n - 1)), n - 1)!.Value;
        Assert.True(at.Upper - at.Lower <= 0.05);
        Assert.True(before.Upper - before.Lower > 0.05);
    }

    [Fact]
    public void ForWidth_ZeroRate_UsesTheOneSidedEdgeInterval()
    {
        // 0/n: the Jeffreys upper bound is the 95% quantile of Beta(0.5, n + 0.5); about 0.2% at n = 1000 (Palisade's 0.0–0.2%).
        // First n whose one-sided upper bound is at most 0.002: 960 (mpmath, as above).
        var n = SampleSize.ForWidth(0, 0.002);
        Assert.Equal(960, n);
    }
}
