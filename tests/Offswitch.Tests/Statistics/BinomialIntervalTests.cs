using Offswitch.Statistics;

namespace Offswitch.Tests.Statistics;

public sealed class BinomialIntervalTests
{
    // Palisade Research's published 95% Jeffreys intervals (percent, rounded to 0.1 points).
    [Theory]
    [InlineData(973, 1000, 96.2, 98.2)]
    [InlineData(722, 1000, 69.4, 74.9)]
    [InlineData(22, 1000, 1.4, 3.3)]
    [InlineData(0, 1000, 0.0, 0.2)]
    [InlineData(1000, 1000, 99.8, 100.0)]
    public void Compute_JeffreysPalisadeCounts_MatchesPublishedIntervals(int k, int n, double lowPercent, double highPercent)
    {
        var interval = BinomialInterval.Compute(k, n, IntervalMethod.Jeffreys, 0.95)!.Value;

        Assert.Equal(lowPercent, Math.Round(interval.Lower * 100, 1, MidpointRounding.AwayFromZero));
        Assert.Equal(highPercent, Math.Round(interval.Upper * 100, 1, MidpointRounding.AwayFromZero));
    }

    // Newcombe (1998), Statistics in Medicine 17:857-872, Table I: methods 3 (score) and 5 (exact), four decimals.
    [Theory]
    [InlineData(81, 263, 0.2553, 0.3662)]
    [InlineData(15, 148, 0.0624, 0.1605)]
    [InlineData(0, 20, 0.0000, 0.1611)]
    [InlineData(1, 29, 0.0061, 0.1718)]
    public void Compute_WilsonNewcombeExamples_MatchesPublishedTable(int k, int n, double low, double high)
    {
        var interval = BinomialInterval.Compute(k, n, IntervalMethod.Wilson)!.Value;

        Assert.Equal(low, Math.Round(interval.Lower, 4));
        Assert.Equal(high, Math.Round(interval.Upper, 4));
    }

    [Theory]
    [InlineData(81, 263, 0.2527, 0.3676)]
    [InlineData(15, 148, 0.0578, 0.1617)]
    [InlineData(0, 20, 0.0000, 0.1684)]
    [InlineData(1, 29, 0.0009, 0.1776)]
    public void Compute_ClopperPearsonNewcombeExamples_MatchesPublishedTable(int k, int n, double low, double high)
    {
        var interval = BinomialInterval.Compute(k, n, IntervalMethod.ClopperPearson)!.Value;

        Assert.Equal(low, Math.Round(interval.Lower, 4));
        Assert.Equal(high, Math.Round(interval.Upper, 4));
    }

    [Theory]
    [InlineData(1, 10, 0.95)]
    [InlineData(7, 10, 0.90)]
    [InlineData(50, 120, 0.99)]
    [InlineData(3, 1000, 0.95)]
    [InlineData(15, 148, 0.95)]
    [InlineData(999, 1000, 0.80)]
    public void Compute_ClopperPearson_AgreesWithBisectionOnBinomialTails(int k, int n, double level)
    {
        var alpha = 1 - level;
        var interval = BinomialInterval.Compute(k, n, IntervalMethod.ClopperPearson, level)!.Value;

        // Lower bound: P(X >= k | p) = alpha/2 (increasing in p). Upper bound: P(X <= k | p) = alpha/2 (decreasing in p).
        var lower = Bisect(p => 1 - BinomialCdf(k - 1, n, p) - (alpha / 2));
        var upper = Bisect(p => (alpha / 2) - BinomialCdf(k, n, p));

        Assert.Equal(lower, interval.Lower, 1e-7);
        Assert.Equal(upper, interval.Upper, 1e-7);
    }

    [Theory]
    [InlineData(1, 10, 0.95)]
    [InlineData(7, 10, 0.90)]
    [InlineData(50, 120, 0.99)]
    [InlineData(999, 1000, 0.80)]
    public void Compute_Wilson_AgreesWithBisectionOnScoreTest(int k, int n, double level)
    {
        var z = MathNet.Numerics.Distributions.Normal.InvCDF(0, 1, 1 - ((1 - level) / 2));
        var rate = (double)k / n;
        var interval = BinomialInterval.Compute(k, n, IntervalMethod.Wilson, level)!.Value;

        // The Wilson bounds are where the score statistic (rate - p) / sqrt(p(1-p)/n) equals +z and -z.
        var lower = Bisect(p => p >= rate ? 1 : ((rate - p) / Math.Sqrt(p * (1 - p) / n)) - z, 0, rate, decreasing: true);
        var upper = Bisect(p => p <= rate ? -1 : ((p - rate) / Math.Sqrt(p * (1 - p) / n)) - z, rate, 1);

        Assert.Equal(lower, interval.Lower, 1e-9);
        Assert.Equal(upper, interval.Upper, 1e-9);
    }

    // The open ends at 0/40, computed outside this code base (mpmath, 40 digits): Jeffreys' one-sided bound is the 95%
    // quantile of Beta(0.5, 40.5); Wilson's is z²/(n + z²); Clopper–Pearson's is 1 − 0.025^(1/40).
    [Theory]
    [InlineData(IntervalMethod.Jeffreys, 0.04659728313332814)]
    [InlineData(IntervalMethod.Wilson, 0.087621601197286654)]
    [InlineData(IntervalMethod.ClopperPearson, 0.088097302878802391)]
    public void Compute_ZeroAndAllSuccesses_PinsOneEndAndGivesTheOther(IntervalMethod method, double openEnd)
    {
        var none = BinomialInterval.Compute(0, 40, method)!.Value;
        var all = BinomialInterval.Compute(40, 40, method)!.Value;

        Assert.Equal(0.0, none.Lower);
        Assert.Equal(openEnd, none.Upper, 1e-12);
        Assert.Equal(1.0, all.Upper);
        Assert.Equal(1 - openEnd, all.Lower, 1e-12);
    }

    [Theory]
    [InlineData(IntervalMethod.Jeffreys)]
    [InlineData(IntervalMethod.Wilson)]
    [InlineData(IntervalMethod.ClopperPearson)]
    public void Compute_NoTrials_ReturnsNull(IntervalMethod method)
    {
        Assert.Null(BinomialInterval.Compute(0, 0, method));
        Assert.Null(BinomialInterval.Rate(0, 0));
    }

    [Theory]
    [InlineData(IntervalMethod.Jeffreys)]
    [InlineData(IntervalMethod.Wilson)]
    [InlineData(IntervalMethod.ClopperPearson)]
    public void Compute_MirroredCounts_GivesMirroredInterval(IntervalMethod method)
    {
        var a = BinomialInterval.Compute(13, 57, method)!.Value;
        var b = BinomialInterval.Compute(44, 57, method)!.Value;

        Assert.Equal(a.Lower, 1 - b.Upper, 1e-9);
        Assert.Equal(a.Upper, 1 - b.Lower, 1e-9);
    }

    [Fact]
    public void Compute_HigherLevel_GivesWiderInterval()
    {
        var narrow = BinomialInterval.Compute(30, 100, IntervalMethod.Jeffreys, 0.80)!.Value;
        var wide = BinomialInterval.Compute(30, 100, IntervalMethod.Jeffreys, 0.99)!.Value;

        Assert.True(wide.Lower < narrow.Lower && wide.Upper > narrow.Upper);
        Assert.True(narrow.Lower < 0.3 && narrow.Upper > 0.3);
    }

    [Fact]
    public void Compute_JeffreysLiesInsideClopperPearson_ForModerateCounts()
    {
        var jeffreys = BinomialInterval.Compute(12, 80, IntervalMethod.Jeffreys)!.Value;
        var exact = BinomialInterval.Compute(12, 80, IntervalMethod.ClopperPearson)!.Value;

        Assert.True(exact.Lower < jeffreys.Lower);
        Assert.True(exact.Upper > jeffreys.Upper);
    }

    [Theory]
    [InlineData(-1, 10, 0.95)]
    [InlineData(11, 10, 0.95)]
    [InlineData(0, -1, 0.95)]
    [InlineData(1, 10, 0.0)]
    [InlineData(1, 10, 1.0)]
    [InlineData(1, 10, double.NaN)]
    public void Compute_InvalidArguments_Throws(int k, int n, double level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BinomialInterval.Compute(k, n, IntervalMethod.Jeffreys, level));
    }

    [Fact]
    public void Rate_SomeTrials_ReturnsFraction()
    {
        Assert.Equal(0.25, BinomialInterval.Rate(5, 20));
    }

    private static double BinomialCdf(int k, int n, double p)
    {
        if (k < 0)
        {
            return 0;
        }

        // Sum of pmf terms in log space, with log C(n, i) built incrementally (no special functions).
        double logChoose = 0, sum = 0;
        for (var i = 0; i <= k; i++)
        {
            if (i > 0)
            {
                logChoose += Math.Log(n - i + 1) - Math.Log(i);
            }

            sum += Math.Exp(logChoose + (i * Math.Log(p)) + ((n - i) * Math.Log(1 - p)));
        }

        return Math.Min(sum, 1);
    }

    // Finds the root of f on (lo, hi), f increasing unless told otherwise.
    private static double Bisect(Func<double, double> f, double lo = 1e-15, double hi = 1 - 1e-15, bool decreasing = false)
    {
        for (var i = 0; i < 200; i++)
        {
            var mid = (lo + hi) / 2;
            var value = f(mid);
            if ((value < 0) ^ decreasing)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }
}

public sealed class JeffreysBoundaryConventionTests
{
    // Beta(½, n + ½) quantiles: the 0.95 quantile is the default's upper bound at k = 0, the 0.975 quantile the
    // equal-tailed variant's. Reference values from the regularised incomplete beta function evaluated with 40-digit
    // arithmetic (mpmath: betainc inverted by root finding), rounded to 10 significant digits.
    [Theory]
    [InlineData(IntervalMethod.Jeffreys, 0.001918406712)]
    [InlineData(IntervalMethod.JeffreysEqualTailed, 0.002508164341)]
    public void Compute_ZeroOfAThousand_UpperBoundIsTheConventionsQuantile(IntervalMethod method, double expectedUpper)
    {
        var interval = BinomialInterval.Compute(0, 1000, method)!.Value;

        Assert.Equal(0, interval.Lower);
        Assert.Equal(expectedUpper, interval.Upper, 1e-11);
    }

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(1000, 1000)]
    [InlineData(0, 7)]
    public void Compute_AtTheBoundary_EqualTailedIsWiderAndMirrors(int k, int n)
    {
        var oneSided = BinomialInterval.Compute(k, n, IntervalMethod.Jeffreys)!.Value;
        var equalTailed = BinomialInterval.Compute(k, n, IntervalMethod.JeffreysEqualTailed)!.Value;
        var mirror = BinomialInterval.Compute(n - k, n, IntervalMethod.JeffreysEqualTailed)!.Value;

        Assert.True(equalTailed.Upper - equalTailed.Lower > oneSided.Upper - oneSided.Lower);
        Assert.Equal(1 - mirror.Upper, equalTailed.Lower, 12);
        Assert.Equal(1 - mirror.Lower, equalTailed.Upper, 12);
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(973, 1000)]
    [InlineData(3, 10)]
    public void Compute_AwayFromTheBoundary_BothVariantsAreIdentical(int k, int n)
    {
        Assert.Equal(
            BinomialInterval.Compute(k, n, IntervalMethod.Jeffreys),
            BinomialInterval.Compute(k, n, IntervalMethod.JeffreysEqualTailed));
    }
}
