using MathNet.Numerics.Distributions;

namespace Offswitch.Statistics;

/// <summary>The difference between two independent proportions with its interval and an exact test.</summary>
/// <param name="K1">Successes in the first group.</param>
/// <param name="N1">Trials in the first group.</param>
/// <param name="K2">Successes in the second group.</param>
/// <param name="N2">Trials in the second group.</param>
/// <param name="Difference">Rate 1 − rate 2, as a fraction.</param>
/// <param name="Lower">Lower bound of the Newcombe hybrid score interval for the difference.</param>
/// <param name="Upper">Upper bound of the Newcombe hybrid score interval for the difference.</param>
/// <param name="Level">Confidence level of the interval.</param>
/// <param name="PValue">Two-sided Fisher exact p-value for equal proportions.</param>
public sealed record ProportionComparison(int K1, int N1, int K2, int N2, double Difference, double Lower, double Upper, double Level, double PValue);

/// <summary>Comparisons of two binomial proportions.</summary>
public static class TwoProportions
{
    /// <summary>
    /// Compares k1/n1 with k2/n2: the rate difference, its Newcombe (1998, method 10) hybrid score interval built from the
    /// two Wilson intervals, and the two-sided Fisher exact p-value. Both groups need at least one trial.
    /// </summary>
    public static ProportionComparison Compare(int k1, int n1, int k2, int n2, double level = 0.95)
    {
        var (lower, upper) = NewcombeInterval(k1, n1, k2, n2, level);
        return new ProportionComparison(k1, n1, k2, n2, ((double)k1 / n1) - ((double)k2 / n2), lower, upper, level, FisherExactTwoSided(k1, n1, k2, n2));
    }

    /// <summary>Newcombe's hybrid score interval for p1 − p2 (method 10 of Newcombe 1998, no continuity correction).</summary>
    public static (double Lower, double Upper) NewcombeInterval(int k1, int n1, int k2, int n2, double level = 0.95)
    {
        RequireTrials(k1, n1, k2, n2);
        var w1 = BinomialInterval.Compute(k1, n1, IntervalMethod.Wilson, level)!.Value;
        var w2 = BinomialInterval.Compute(k2, n2, IntervalMethod.Wilson, level)!.Value;
        double p1 = (double)k1 / n1, p2 = (double)k2 / n2, d = p1 - p2;
        var lower = d - Math.Sqrt(Square(p1 - w1.Lower) + Square(w2.Upper - p2));
        var upper = d + Math.Sqrt(Square(w1.Upper - p1) + Square(p2 - w2.Lower));
        return (Math.Max(-1, lower), Math.Min(1, upper));
    }

    /// <summary>
    /// Two-sided Fisher exact test of the 2×2 table [[k1, n1 − k1], [k2, n2 − k2]]: the probability, given both margins, of
    /// every table no more likely than the observed one (the usual definition, as in R's fisher.test).
    /// </summary>
    public static double FisherExactTwoSided(int k1, int n1, int k2, int n2)
    {
        RequireTrials(k1, n1, k2, n2);
        var total = n1 + n2;
        var successes = k1 + k2;
        var distribution = new Hypergeometric(total, successes, n1);
        int min = Math.Max(0, successes - n2), max = Math.Min(successes, n1);
        var observed = distribution.ProbabilityLn(k1);

        // Tables whose probability equals the observed one up to rounding belong on the observed side.
        const double relativeTolerance = 1e-7;
        var p = 0.0;
        for (var x = min; x <= max; x++)
        {
            var log = distribution.ProbabilityLn(x);
            if (log <= observed + relativeTolerance)
            {
                p += Math.Exp(log);
            }
        }

        return Math.Min(1, p);
    }

    private static double Square(double x) => x * x;

    private static void RequireTrials(int k1, int n1, int k2, int n2)
    {
        if (n1 < 1 || n2 < 1)
        {
            throw new ArgumentOutOfRangeException(n1 < 1 ? nameof(n1) : nameof(n2), "Both groups need at least one trial.");
        }

        if (k1 < 0 || k1 > n1 || k2 < 0 || k2 > n2)
        {
            throw new ArgumentOutOfRangeException(k1 < 0 || k1 > n1 ? nameof(k1) : nameof(k2), "Successes must be between 0 and the group's trials.");
        }
    }
}

/// <summary>Corrections for testing several hypotheses at once.</summary>
public static class MultipleComparisons
{
    /// <summary>The name reports print for <see cref="Holm"/>.</summary>
    public const string HolmName = "Holm";

    /// <summary>
    /// Holm's step-down adjusted p-values (Holm 1979), in the input order: sort ascending, multiply the i-th smallest
    /// (0-based) by m − i, carry the running maximum, cap at 1. Rejecting where the adjusted value is at most α controls
    /// the family-wise error rate at α.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        var running = 0.0;
        for (var rank = 0; rank < m; rank++)
        {
            var i = order[rank];
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[i]));
            adjusted[i] = running;
        }

        return adjusted;
    }
}
