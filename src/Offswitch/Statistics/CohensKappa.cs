using MathNet.Numerics.Distributions;

namespace Offswitch.Statistics;

/// <summary>
/// Cohen's κ of two binary ratings of the same items, with its large-sample interval.
/// </summary>
/// <param name="N">Items rated by both.</param>
/// <param name="BothYes">Items both rate yes (a).</param>
/// <param name="FirstOnly">Items only the first rates yes (b).</param>
/// <param name="SecondOnly">Items only the second rates yes (c).</param>
/// <param name="BothNo">Items both rate no (d).</param>
/// <param name="ObservedAgreement">(a + d) / n.</param>
/// <param name="ExpectedAgreement">Agreement expected by chance from the margins.</param>
/// <param name="Kappa">(observed − expected) / (1 − expected).</param>
/// <param name="StandardError">Fleiss, Cohen and Everitt's (1969) large-sample standard error (not the one under κ = 0).</param>
/// <param name="Lower">Lower bound of κ ± z·SE, clamped to [−1, 1].</param>
/// <param name="Upper">Upper bound, clamped to [−1, 1].</param>
public sealed record KappaEstimate(
    int N,
    int BothYes,
    int FirstOnly,
    int SecondOnly,
    int BothNo,
    double ObservedAgreement,
    double ExpectedAgreement,
    double Kappa,
    double StandardError,
    double Lower,
    double Upper);

/// <summary>Cohen's κ for a 2×2 agreement table.</summary>
public static class CohensKappa
{
    /// <summary>
    /// κ of the table [[a, b], [c, d]] (rows: first rating yes/no; columns: second rating yes/no) and a Wald interval
    /// with the Fleiss–Cohen–Everitt (1969) standard error. Null when κ is undefined: no items, or both ratings
    /// constant and equal (chance agreement 1).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative count, or a level outside (0, 1).</exception>
    public static KappaEstimate? Compute(int a, int b, int c, int d, double level = 0.95)
    {
        if (a < 0 || b < 0 || c < 0 || d < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(a), "Counts cannot be negative.");
        }

        if (level is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(level), "The level must be strictly between 0 and 1.");
        }

        var n = a + b + c + d;
        if (n == 0)
        {
            return null;
        }

        double total = n;
        double p11 = a / total, p12 = b / total, p21 = c / total, p22 = d / total;
        double row1 = p11 + p12, row2 = p21 + p22, col1 = p11 + p21, col2 = p12 + p22;
        var observed = p11 + p22;
        var expected = (row1 * col1) + (row2 * col2);
        if (expected >= 1 - 1e-12)
        {
            return null;
        }

        var kappa = (observed - expected) / (1 - expected);

        // Fleiss, Cohen & Everitt (1969), eq. 13: the variance of κ-hat without assuming κ = 0, the one for intervals.
        var oneMinus = 1 - kappa;
        var diagonal = (p11 * Math.Pow(1 - ((row1 + col1) * oneMinus), 2)) + (p22 * Math.Pow(1 - ((row2 + col2) * oneMinus), 2));
        var offDiagonal = oneMinus * oneMinus * ((p12 * Math.Pow(col1 + row2, 2)) + (p21 * Math.Pow(col2 + row1, 2)));
        var correction = Math.Pow(kappa - (expected * oneMinus), 2);
        var variance = Math.Max(0, diagonal + offDiagonal - correction);
        var se = Math.Sqrt(variance) / ((1 - expected) * Math.Sqrt(total));
        var z = Normal.InvCDF(0, 1, 1 - ((1 - level) / 2));
        return new KappaEstimate(n, a, b, c, d, observed, expected, kappa, se, Math.Max(-1, kappa - (z * se)), Math.Min(1, kappa + (z * se)));
    }
}
