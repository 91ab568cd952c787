using MathNet.Numerics.Distributions;

namespace Offswitch.Statistics;

/// <summary>Trials per arm to detect a difference between two proportions.</summary>
/// <param name="Uncorrected">Normal-approximation size (pooled variance under H0), rounded up.</param>
/// <param name="ContinuityCorrected">Fleiss's continuity-corrected size, rounded up: the more conservative, usual table value.</param>
public sealed record TwoArmSampleSize(int Uncorrected, int ContinuityCorrected);

/// <summary>Sample-size planning for binomial experiments.</summary>
public static class SampleSize
{
    /// <summary>
    /// Trials per arm for a two-sided test of p1 = p2 at <paramref name="alpha"/> with the given power (Fleiss, Levin &amp;
    /// Paik 2003, §4.2): n = [z(1−α/2)·√(2·p̄·q̄) + z(power)·√(p1·q1 + p2·q2)]² / (p1 − p2)², and its continuity-corrected
    /// form n′ = n/4·(1 + √(1 + 4/(n·|p1 − p2|)))².
    /// </summary>
    public static TwoArmSampleSize TwoProportions(double p1, double p2, double power = 0.8, double alpha = 0.05)
    {
        RequireProportion(p1, nameof(p1));
        RequireProportion(p2, nameof(p2));
        RequireOpenUnit(power, nameof(power));
        RequireOpenUnit(alpha, nameof(alpha));
        if (p1 == p2)
        {
            throw new ArgumentException("p1 and p2 must differ: no sample size detects a zero difference.", nameof(p2));
        }

        var n = UncorrectedExact(p1, p2, power, alpha);
        var delta = Math.Abs(p1 - p2);
        var corrected = n / 4 * Math.Pow(1 + Math.Sqrt(1 + (4 / (n * delta))), 2);
        return new TwoArmSampleSize(CeilingWithTolerance(n), CeilingWithTolerance(corrected));
    }

    /// <summary>The unrounded normal-approximation size per arm (see <see cref="TwoProportions"/>).</summary>
    public static double UncorrectedExact(double p1, double p2, double power, double alpha)
    {
        var zAlpha = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var zBeta = Normal.InvCDF(0, 1, power);
        var mean = (p1 + p2) / 2;
        var root = (zAlpha * Math.Sqrt(2 * mean * (1 - mean))) + (zBeta * Math.Sqrt((p1 * (1 - p1)) + (p2 * (1 - p2))));
        return root * root / ((p1 - p2) * (p1 - p2));
    }

    /// <summary>
    /// The smallest n whose interval (method and level as given) for the expected count round(p·n) is no wider than
    /// <paramref name="width"/> (upper − lower, as a fraction). Searches with the real interval, so edge effects near 0
    /// and 1 are honoured; the normal approximation z²·p·q/(w/2)² only seeds the search.
    /// </summary>
    public static int ForWidth(double p, double width, IntervalMethod method = IntervalMethod.Jeffreys, double level = 0.95, int limit = 10_000_000)
    {
        RequireProportion(p, nameof(p));
        if (!(width > 0 && width < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "The target width must be strictly between 0 and 1.");
        }

        bool Narrow(int n)
        {
            var k = (int)Math.Round(p * n, MidpointRounding.AwayFromZero);
            var interval = BinomialInterval.Compute(k, n, method, level)!.Value;
            return interval.Upper - interval.Lower <= width;
        }

        // Width is not strictly monotone in n (k is rounded), so bisect for a narrow n, then step back while still narrow.
        int low = 1, high = 2;
        while (!Narrow(high))
        {
            low = high;
            high = checked(high * 2);
            if (high > limit)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, $"More than {limit} trials would be needed.");
            }
        }

        while (high - low > 1)
        {
            var mid = low + ((high - low) / 2);
            if (Narrow(mid))
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        return high;
    }

    private static int CeilingWithTolerance(double n) => (int)Math.Ceiling(n - 1e-9);

    private static void RequireProportion(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(name, p, "A proportion must be between 0 and 1.");
        }
    }

    private static void RequireOpenUnit(double x, string name)
    {
        if (!(x > 0 && x < 1))
        {
            throw new ArgumentOutOfRangeException(name, x, "Must be strictly between 0 and 1.");
        }
    }
}
