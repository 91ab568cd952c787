using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Offswitch.Horizons;

/// <summary>
/// A fitted success curve: P(success) = σ(<see cref="Intercept"/> + <see cref="Slope"/> · log2(human minutes)).
/// </summary>
/// <param name="Intercept">The log-odds of success on a one-minute task.</param>
/// <param name="Slope">The change in log-odds per doubling of task length (negative for an agent that fails longer tasks more often).</param>
public sealed record LogisticCurve(double Intercept, double Slope)
{
    /// <summary>The curve of an agent that never succeeded (METR: coefficient −∞, every horizon 0).</summary>
    public static LogisticCurve NeverSucceeds { get; } = new(0, double.NegativeInfinity);

    /// <summary>True for <see cref="NeverSucceeds"/>.</summary>
    public bool IsNeverSucceeds => double.IsNegativeInfinity(Slope);

    /// <summary>The fitted success probability at a task length.</summary>
    public double SuccessProbability(double humanMinutes)
    {
        if (IsNeverSucceeds)
        {
            return 0;
        }

        var z = Intercept + (Slope * Math.Log2(humanMinutes));
        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>
    /// The task length in minutes at which the curve crosses <paramref name="successProbability"/>:
    /// 2^((ln(q/(1−q)) − intercept) / slope), METR's <c>get_x_for_quantile</c>. 0 for an agent that never succeeded.
    /// </summary>
    public double Horizon(double successProbability)
    {
        if (IsNeverSucceeds)
        {
            return 0;
        }

        var logit = Math.Log(successProbability / (1 - successProbability));
        return Math.Pow(2, (logit - Intercept) / Slope);
    }
}

/// <summary>
/// METR's weighted logistic regression of success on log2(human minutes) (<c>utils/logistic.py</c>): sklearn's
/// <c>LogisticRegression(C = 1/regularization)</c> with its default L2 penalty and lbfgs solver, which penalises the
/// slope and not the intercept. Its objective, divided by C, is minimised here exactly:
/// Σ wᵢ·BCE(yᵢ, σ(b₀ + b₁xᵢ)) + (regularization/2)·b₁². A fractional yᵢ enters the cross-entropy as it is, which is the
/// same sum as METR's split into a 0-row weighted (1 − yᵢ)wᵢ and a 1-row weighted yᵢwᵢ.
/// </summary>
public static class LogisticFit
{
    /// <summary>Fits the curve.</summary>
    /// <param name="log2Minutes">x: log2 of each run's task length in minutes.</param>
    /// <param name="scores">y in [0, 1].</param>
    /// <param name="weights">Each run's weight (METR normalises them to sum to 1 per model; bootstrap replicates keep them as drawn).</param>
    /// <param name="regularization">The slope's L2 penalty (sklearn's 1/C); 0 is an unpenalised maximum-likelihood fit.</param>
    /// <exception cref="ArgumentException">The arrays differ in length, are empty, or hold values out of range.</exception>
    /// <exception cref="NotEstimableException">The optimum is at infinity (every score equal, or perfectly separated data without a penalty).</exception>
    public static LogisticCurve Fit(IReadOnlyList<double> log2Minutes, IReadOnlyList<double> scores, IReadOnlyList<double> weights, double regularization)
    {
        ArgumentNullException.ThrowIfNull(log2Minutes);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(weights);
        if (log2Minutes.Count != scores.Count || scores.Count != weights.Count || scores.Count == 0)
        {
            throw new ArgumentException($"x, y and weights must be non-empty and of equal length (got {log2Minutes.Count}, {scores.Count}, {weights.Count}).");
        }

        if (regularization < 0 || !double.IsFinite(regularization))
        {
            throw new ArgumentException($"The regularization must be finite and at least 0 (got {regularization}).", nameof(regularization));
        }

        var n = scores.Count;
        for (var i = 0; i < n; i++)
        {
            if (scores[i] is < 0 or > 1 || double.IsNaN(scores[i]) || !double.IsFinite(log2Minutes[i]) || weights[i] < 0 || !double.IsFinite(weights[i]))
            {
                throw new ArgumentException($"Row {i}: y must be in [0, 1], x finite and the weight finite and at least 0 (got y {scores[i]}, x {log2Minutes[i]}, w {weights[i]}).");
            }
        }

        var yMin = scores.Min();
        var yMax = scores.Max();
        if (yMin == yMax)
        {
            // With one class only the intercept runs off to ±∞: sklearn refuses such data too.
            throw new NotEstimableException($"every score is {yMin}: the curve has no finite fit");
        }

        if (regularization == 0 && Separated(log2Minutes, scores, weights))
        {
            // Without a penalty the likelihood keeps rising as the slope steepens: the optimum is at infinity, and Newton
            // would stop wherever the gradient happens to fall below its tolerance.
            throw new NotEstimableException("successes and failures are separated by task length, so the unpenalised fit has no finite optimum; use a regularization above 0");
        }

        var objective = ObjectiveFunction.GradientHessian(beta =>
        {
            double b0 = beta[0], b1 = beta[1];
            double loss = 0, g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
            for (var i = 0; i < n; i++)
            {
                var x = log2Minutes[i];
                var w = weights[i];
                var z = b0 + (b1 * x);
                // log(1 + e^z) without overflow for large |z|.
                var softplus = z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z));
                var p = 1 / (1 + Math.Exp(-z));
                loss += w * (softplus - (scores[i] * z));
                var r = w * (p - scores[i]);
                g0 += r;
                g1 += r * x;
                var c = w * p * (1 - p);
                h00 += c;
                h01 += c * x;
                h11 += c * x * x;
            }

            loss += regularization / 2 * b1 * b1;
            g1 += regularization * b1;
            h11 += regularization;
            var gradient = Vector<double>.Build.Dense([g0, g1]);
            var hessian = Matrix<double>.Build.DenseOfArray(new[,] { { h00, h01 }, { h01, h11 } });
            return (loss, gradient, hessian);
        });

        // The objective is convex and smooth, so Newton's method with a line search converges from any start; it stops
        // far below sklearn's lbfgs tolerance (1e-4), so sklearn's own figures may differ from these in the 4th decimal.
        var weightSum = weights.Sum();
        try
        {
            var result = new NewtonMinimizer(gradientTolerance: 1e-12 * Math.Max(weightSum, 1e-300), maximumIterations: 200, useLineSearch: true)
                .FindMinimum(objective, Vector<double>.Build.Dense(2));
            var beta = result.MinimizingPoint;
            if (!double.IsFinite(beta[0]) || !double.IsFinite(beta[1]))
            {
                throw new NotEstimableException("the fit diverged");
            }

            return new LogisticCurve(beta[0], beta[1]);
        }
        catch (Exception ex) when (ex is MaximumIterationsException or OptimizationException or ArgumentException)
        {
            throw new NotEstimableException($"the fit does not converge ({ex.Message.TrimEnd('.')}); successes and failures are probably perfectly separated by task length — use a regularization above 0");
        }
    }

    /// <summary>
    /// True when every row with success mass lies at or below (or at or above) every row with failure mass: complete or
    /// quasi-complete separation in one dimension.
    /// </summary>
    private static bool Separated(IReadOnlyList<double> x, IReadOnlyList<double> y, IReadOnlyList<double> w)
    {
        double maxSuccess = double.NegativeInfinity, minSuccess = double.PositiveInfinity, maxFailure = double.NegativeInfinity, minFailure = double.PositiveInfinity;
        for (var i = 0; i < x.Count; i++)
        {
            if (w[i] <= 0)
            {
                continue;
            }

            if (y[i] > 0)
            {
                maxSuccess = Math.Max(maxSuccess, x[i]);
                minSuccess = Math.Min(minSuccess, x[i]);
            }

            if (y[i] < 1)
            {
                maxFailure = Math.Max(maxFailure, x[i]);
                minFailure = Math.Min(minFailure, x[i]);
            }
        }

        return maxSuccess <= minFailure || maxFailure <= minSuccess;
    }
}

/// <summary>A curve with no finite fit (one class only, or separated data without a penalty).</summary>
public sealed class NotEstimableException(string message) : Exception(message);
