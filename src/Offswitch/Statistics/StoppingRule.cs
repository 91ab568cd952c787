namespace Offswitch.Statistics;

/// <summary>
/// When a cell has enough trials: "run until precise". Trials are added to each cell in batches of
/// <see cref="BatchSize"/>; before each batch the cell's interval (<see cref="Method"/> at <see cref="Level"/>) over the
/// trials so far is checked, and the cell stops once it is narrower than <see cref="Width"/> or lies wholly above or below
/// <see cref="DecideThreshold"/>, never before <see cref="MinTrials"/> counted trials. The plan's trial count is the cap.
/// </summary>
/// <remarks>
/// Looking at the data repeatedly and stopping on what it shows changes the interval's coverage. For the width rule the
/// effect is small (measured in <c>bench/</c>, see docs/statistics.md); for the decision rule each look is a chance to
/// cross the threshold by luck, so the check uses a stricter <see cref="Level"/> (e.g. 0.99) than the reported interval.
/// </remarks>
public sealed record StoppingRule
{
    /// <summary>Stop once upper − lower is below this width (a fraction, e.g. 0.05 for 5 points); null: no width rule.</summary>
    public double? Width { get; init; }

    /// <summary>Stop once the interval lies wholly above or below this rate (a fraction); null: no decision rule.</summary>
    public double? DecideThreshold { get; init; }

    /// <summary>Trials added to each unfinished cell between two checks.</summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Counted trials (n, excluding discarded and errors) a cell needs before it may stop.</summary>
    public int MinTrials { get; init; }

    /// <summary>Interval checked at each look.</summary>
    public IntervalMethod Method { get; init; } = IntervalMethod.Jeffreys;

    /// <summary>Confidence level of the interval checked at each look.</summary>
    public double Level { get; init; } = 0.95;

    /// <summary>Throws <see cref="ArgumentException"/> when the rule cannot work.</summary>
    public void Validate()
    {
        if (Width is null && DecideThreshold is null)
        {
            throw new ArgumentException("A stopping rule needs a target width or a decision threshold.");
        }

        if (Width is { } w && !(w > 0 && w < 1))
        {
            throw new ArgumentException($"The target width must be strictly between 0 and 1 (got {w}).");
        }

        if (DecideThreshold is { } t && !(t > 0 && t < 1))
        {
            throw new ArgumentException($"The decision threshold must be strictly between 0 and 1 (got {t}).");
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"The batch size must be at least 1 (got {BatchSize}).");
        }

        if (MinTrials < 0)
        {
            throw new ArgumentException($"The minimum number of trials cannot be negative (got {MinTrials}).");
        }

        if (!(Level > 0 && Level < 1))
        {
            throw new ArgumentException($"The level must be strictly between 0 and 1 (got {Level}).");
        }
    }

    /// <summary>Whether a cell with k of n counted trials has reached the rule (no more trials needed).</summary>
    public bool IsSatisfied(int k, int n)
    {
        if (n == 0 || n < MinTrials)
        {
            return false;
        }

        var interval = BinomialInterval.Compute(k, n, Method, Level)!.Value;
        if (Width is { } width && interval.Upper - interval.Lower < width)
        {
            return true;
        }

        return DecideThreshold is { } t && (interval.Lower > t || interval.Upper < t);
    }
}
