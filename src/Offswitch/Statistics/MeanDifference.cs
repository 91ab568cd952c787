using MathNet.Numerics.Statistics;

namespace Offswitch.Statistics;

/// <summary>The difference between two groups' means with a bootstrap interval and a permutation p-value.</summary>
/// <param name="N1">Observations in the first group.</param>
/// <param name="N2">Observations in the second group.</param>
/// <param name="Mean1">Mean of the first group.</param>
/// <param name="Mean2">Mean of the second group.</param>
/// <param name="Difference">Mean 1 − mean 2.</param>
/// <param name="Lower">Lower bound of the percentile bootstrap interval for the difference.</param>
/// <param name="Upper">Upper bound of the percentile bootstrap interval for the difference.</param>
/// <param name="Level">Two-sided confidence level of the interval.</param>
/// <param name="PValue">
/// One-sided permutation p-value for H1: mean 1 &gt; mean 2, (1 + b) / (1 + B) where b of B random relabellings gave a
/// difference at least as large as the observed one (never 0).
/// </param>
/// <param name="Resamples">B: bootstrap resamples, and also random permutations.</param>
/// <param name="Seed">The seed that makes the interval and the p-value reproducible.</param>
public sealed record MeanDifferenceResult(
    int N1,
    int N2,
    double Mean1,
    double Mean2,
    double Difference,
    double Lower,
    double Upper,
    double Level,
    double PValue,
    int Resamples,
    int Seed);

/// <summary>
/// Resampling inference for a difference of means between two independent groups (e.g. accuracy when incentivised to
/// do well minus accuracy when incentivised to do poorly). Seeded: the same input always gives the same result.
/// </summary>
public static class MeanDifference
{
    /// <summary>Resamples used unless the caller says otherwise.</summary>
    public const int DefaultResamples = 10_000;

    /// <summary>
    /// Percentile bootstrap interval (each group resampled with replacement within itself) and a one-sided permutation
    /// p-value (group labels shuffled). Both groups need at least one observation.
    /// </summary>
    /// <exception cref="ArgumentException">A group is empty.</exception>
    public static MeanDifferenceResult Compute(
        IReadOnlyList<double> first,
        IReadOnlyList<double> second,
        double level = 0.95,
        int resamples = DefaultResamples,
        int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count == 0 || second.Count == 0)
        {
            throw new ArgumentException("Both groups need at least one observation.");
        }

        if (level is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level must lie strictly between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);

        var mean1 = first.Average();
        var mean2 = second.Average();
        var observed = mean1 - mean2;

        var random = new Random(seed);
        var differences = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            differences[b] = ResampledMean(first, random) - ResampledMean(second, random);
        }

        Array.Sort(differences);
        var tail = (1 - level) / 2;
        var lower = SortedArrayStatistics.QuantileCustom(differences, tail, QuantileDefinition.R7);
        var upper = SortedArrayStatistics.QuantileCustom(differences, 1 - tail, QuantileDefinition.R7);

        var pooled = first.Concat(second).ToArray();
        var total = pooled.Sum();
        var atLeast = 0;
        // Differences that equal the observed one up to rounding must count as "at least as large".
        var tolerance = 1e-12 * Math.Max(1, Math.Abs(observed));
        for (var b = 0; b < resamples; b++)
        {
            random.Shuffle(pooled);
            var sum1 = 0.0;
            for (var i = 0; i < first.Count; i++)
            {
                sum1 += pooled[i];
            }

            var difference = (sum1 / first.Count) - ((total - sum1) / second.Count);
            if (difference >= observed - tolerance)
            {
                atLeast++;
            }
        }

        var p = (1.0 + atLeast) / (1.0 + resamples);
        return new MeanDifferenceResult(first.Count, second.Count, mean1, mean2, observed, lower, upper, level, p, resamples, seed);
    }

    private static double ResampledMean(IReadOnlyList<double> values, Random random)
    {
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[random.Next(values.Count)];
        }

        return sum / values.Count;
    }
}
