using MathNet.Numerics.Distributions;

namespace Offswitch.Statistics;

/// <summary>A one-sided exact binomial test of H0: p ≤ p0 against H1: p &gt; p0.</summary>
/// <param name="K">Successes observed.</param>
/// <param name="N">Trials.</param>
/// <param name="ChanceRate">p0, the largest success rate the null hypothesis allows.</param>
/// <param name="PValue">P(X ≥ K) for X ~ Binomial(N, p0).</param>
/// <param name="Alpha">The significance level the test is read at.</param>
/// <param name="CriticalK">The smallest k with P(X ≥ k) ≤ <paramref name="Alpha"/>; null when even N successes would not be significant.</param>
public sealed record BinomialTestResult(int K, int N, double ChanceRate, double PValue, double Alpha, int? CriticalK)
{
    /// <summary>True when <see cref="PValue"/> ≤ <see cref="Alpha"/>.</summary>
    public bool Significant => PValue <= Alpha;
}

/// <summary>Exact one-sided binomial tests (upper tail), e.g. Apollo's test of behavioural scheming against chance.</summary>
public static class BinomialTest
{
    /// <summary>Tests <paramref name="k"/> successes in <paramref name="n"/> trials against the chance rate <paramref name="chanceRate"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k or n negative, k &gt; n, or a rate or level outside (0, 1).</exception>
    public static BinomialTestResult Upper(int k, int n, double chanceRate, double alpha = 0.01)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        if (chanceRate is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chanceRate), chanceRate, "The chance rate must lie strictly between 0 and 1.");
        }

        if (alpha is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The significance level must lie strictly between 0 and 1.");
        }

        return new BinomialTestResult(k, n, chanceRate, UpperTail(k, n, chanceRate), alpha, CriticalK(n, chanceRate, alpha));
    }

    /// <summary>P(X ≥ k) for X ~ Binomial(n, p).</summary>
    public static double UpperTail(int k, int n, double p)
    {
        if (k <= 0)
        {
            return 1;
        }

        // Summing the upper tail's probabilities keeps small p-values exact; 1 − CDF would cancel them away.
        var sum = 0.0;
        for (var x = n; x >= k; x--)
        {
            sum += Binomial.PMF(p, n, x);
        }

        return Math.Min(1, sum);
    }

    /// <summary>The smallest k with P(X ≥ k) ≤ alpha, or null when there is none.</summary>
    public static int? CriticalK(int n, double p, double alpha)
    {
        var tail = 0.0;
        int? critical = null;
        for (var x = n; x >= 0; x--)
        {
            tail += Binomial.PMF(p, n, x);
            if (tail > alpha)
            {
                break;
            }

            critical = x;
        }

        return critical;
    }
}
