using MathNet.Numerics.Distributions;

namespace Offswitch.Statistics;

/// <summary>How a confidence interval for a binomial proportion is computed.</summary>
public enum IntervalMethod
{
    /// <summary>
    /// Jeffreys interval: equal-tailed quantiles of Beta(k + ½, n − k + ½). When k = 0 (or k = n) the bound is pinned
    /// at 0 (or 1) and the whole α goes to the other tail — the one-sided boundary convention, which reproduces
    /// Palisade's published tables (0/1000 → 0.0%–0.2%, 1000/1000 → 99.8%–100%). The default.
    /// </summary>
    Jeffreys,

    /// <summary>
    /// Jeffreys interval with α/2 in each tail even at k = 0 or k = n (the pinned bound's half of α is simply unused;
    /// the convention of statsmodels' <c>proportion_confint(method="jeffreys")</c> and of Brown, Cai and DasGupta's
    /// 2001 paper): 0/1000 → 0.0%–0.3%. Wider at the boundary; identical elsewhere.
    /// </summary>
    JeffreysEqualTailed,

    /// <summary>Wilson score interval.</summary>
    Wilson,

    /// <summary>Clopper–Pearson "exact" interval: quantiles of Beta(k, n − k + 1) and Beta(k + 1, n − k).</summary>
    ClopperPearson,
}

/// <summary>A two-sided confidence interval for a proportion, as fractions in [0, 1].</summary>
/// <param name="Lower">Lower bound.</param>
/// <param name="Upper">Upper bound.</param>
public readonly record struct ProportionInterval(double Lower, double Upper);

/// <summary>Point estimates and confidence intervals for k successes in n trials.</summary>
public static class BinomialInterval
{
    /// <summary>The observed rate k / n; null when n = 0 (no trials, no rate).</summary>
    public static double? Rate(int k, int n)
    {
        Validate(k, n);
        return n == 0 ? null : (double)k / n;
    }

    /// <summary>
    /// A two-sided interval at <paramref name="level"/> (e.g. 0.95) for k successes in n trials; null when n = 0.
    /// With k = 0 the lower bound is exactly 0 and with k = n the upper bound is exactly 1, for every method.
    /// </summary>
    public static ProportionInterval? Compute(int k, int n, IntervalMethod method = IntervalMethod.Jeffreys, double level = 0.95)
    {
        Validate(k, n);
        if (!(level > 0 && level < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The confidence level must be strictly between 0 and 1.");
        }

        if (n == 0)
        {
            return null;
        }

        var alpha = 1 - level;
        var (lower, upper) = method switch
        {
            IntervalMethod.Jeffreys => Jeffreys(k, n, alpha, oneSidedAtBoundary: true),
            IntervalMethod.JeffreysEqualTailed => Jeffreys(k, n, alpha, oneSidedAtBoundary: false),
            IntervalMethod.ClopperPearson => (
                k == 0 ? 0 : Beta.InvCDF(k, n - k + 1, alpha / 2),
                k == n ? 1 : Beta.InvCDF(k + 1, n - k, 1 - (alpha / 2))),
            IntervalMethod.Wilson => Wilson(k, n, alpha),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown interval method."),
        };

        // Root finding can land a hair outside [0, 1] or cross the point estimate by rounding; the interval must not.
        var rate = (double)k / n;
        return new ProportionInterval(Math.Clamp(lower, 0, rate), Math.Clamp(upper, rate, 1));
    }

    private static (double Lower, double Upper) Jeffreys(int k, int n, double alpha, bool oneSidedAtBoundary)
    {
        // A bound pinned at 0 or 1 has no tail; the default spends all of α on the other one (as Palisade's tables do).
        var tail = oneSidedAtBoundary && (k == 0 || k == n) ? alpha : alpha / 2;
        double a = k + 0.5, b = n - k + 0.5;
        return (k == 0 ? 0 : Beta.InvCDF(a, b, tail), k == n ? 1 : Beta.InvCDF(a, b, 1 - tail));
    }

    private static (double Lower, double Upper) Wilson(int k, int n, double alpha)
    {
        var z = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        var p = (double)k / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var centre = (p + (z2 / (2.0 * n))) / denominator;
        var half = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n)));
        return (k == 0 ? 0 : centre - half, k == n ? 1 : centre + half);
    }

    private static void Validate(int k, int n)
    {
        if (n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The number of trials cannot be negative.");
        }

        if (k < 0 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"The number of successes must be between 0 and n = {n}.");
        }
    }
}
