using System.Globalization;
using MathNet.Numerics.Statistics;
using Quantiles = MathNet.Numerics.Statistics.Statistics;

namespace Offswitch.Horizons;

/// <summary>A horizon read off a model's curve, with its bootstrap interval.</summary>
/// <param name="SuccessPercent">50 for the 50% horizon.</param>
/// <param name="Minutes">The task length at which the fitted success probability is that percent; 0 for a model that never succeeded; null when not estimable.</param>
/// <param name="CiLow">The interval's lower end (percentile of the replicates' horizons); null without a bootstrap.</param>
/// <param name="CiHigh">The interval's upper end.</param>
public sealed record HorizonEstimate(int SuccessPercent, double? Minutes, double? CiLow, double? CiHigh);

/// <summary>Weighted empirical success of a model in one task-length bucket (METR's buckets, for the success plot).</summary>
public sealed record SuccessBucket(double FromMinutes, double ToMinutes, int Runs, double WeightedSuccess);

/// <summary>One model's fit.</summary>
public sealed record ModelHorizon
{
    public required string Model { get; init; }

    /// <summary>True for scripted reference agents: controls, not AI models.</summary>
    public required bool IsControl { get; init; }

    public DateOnly? ReleaseDate { get; init; }

    public required int Runs { get; init; }

    public required int Tasks { get; init; }

    public required int Families { get; init; }

    /// <summary>The weighted mean score (METR's <c>average</c>).</summary>
    public required double WeightedSuccess { get; init; }

    /// <summary>Log-odds at one minute; null when not estimable or the model never succeeded.</summary>
    public double? Intercept { get; init; }

    /// <summary>Log-odds per doubling of length; null when not estimable or the model never succeeded (METR: −∞).</summary>
    public double? Slope { get; init; }

    public required IReadOnlyList<HorizonEstimate> Horizons { get; init; }

    /// <summary>Replicates in which the model had both successes and failures and so got a fit (METR skips the others).</summary>
    public int BootstrapFits { get; init; }

    public required IReadOnlyList<SuccessBucket> Buckets { get; init; }

    /// <summary>Whether the doubling-time fit used this model (state of the art at its release date).</summary>
    public bool InTrend { get; init; }

    /// <summary>What is unusual about the fit (never succeeded, always succeeded, rising curve); null when nothing is.</summary>
    public string? Note { get; init; }

    /// <summary>The horizon at a success percent.</summary>
    public HorizonEstimate? At(int successPercent) => Horizons.FirstOrDefault(h => h.SuccessPercent == successPercent);
}

/// <summary>The doubling time of the 50% horizon over release dates.</summary>
/// <param name="Days">ln 2 / slope of the least-squares line of ln(p50) on release date, fitted to the point estimates.</param>
/// <param name="CiLow">Percentile interval of the replicates' doubling times (positive ones only, as METR); null without them.</param>
/// <param name="CiHigh">Upper end.</param>
/// <param name="Median">Median of the replicates' doubling times.</param>
/// <param name="BootstrapFits">Replicates that gave a positive doubling time.</param>
/// <param name="Models">The state-of-the-art models the line was fitted to, by release date.</param>
/// <param name="LnInterceptAtEpoch">ln(p50 minutes) of the line at 0001-01-01 (day 0 of <see cref="DateOnly.DayNumber"/>).</param>
/// <param name="LnSlopePerDay">The line's slope, ln(minutes) per day.</param>
public sealed record DoublingTime(double Days, double? CiLow, double? CiHigh, double? Median, int BootstrapFits, IReadOnlyList<string> Models, double LnInterceptAtEpoch, double LnSlopePerDay)
{
    /// <summary>The trend line's 50% horizon in minutes at a date.</summary>
    public double PredictedMinutes(DateOnly date) => Math.Exp(LnInterceptAtEpoch + (LnSlopePerDay * date.DayNumber));
}

/// <summary>Everything the analysis found.</summary>
public sealed record HorizonReport(HorizonOptions Options, IReadOnlyList<ModelHorizon> Models, DoublingTime? DoublingTime, string? DoublingTimeNote)
{
    /// <summary>Runs in the table.</summary>
    public int Runs { get; init; }

    /// <summary>Bootstrap replicates drawn.</summary>
    public int Replicates { get; init; }
}

/// <summary>
/// METR's time-horizon method (Kwa et al., arXiv 2503.14499; code <c>METR/eval-analysis-public</c>): per model a
/// weighted, L2-penalised logistic regression of success on log2(human minutes); the 50% and 80% horizons read off it;
/// a hierarchical bootstrap (families → tasks → runs) for their intervals; and the doubling time from a line through
/// ln(p50) of the state-of-the-art models over their release dates. See <c>src/Offswitch/Horizons/README.md</c>.
/// </summary>
public static class HorizonAnalysis
{
    /// <summary>METR's empirical-success buckets in minutes (<c>wrangle/logistic.py</c>).</summary>
    public static IReadOnlyList<double> BucketEdges { get; } = [1, 4, 16, 64, 256, 960, 2880];

    /// <summary>p50 below this is clipped before the log in the doubling-time fit (METR: 1e-3).</summary>
    public const double MinTrendMinutes = 1e-3;

    /// <summary>Runs the analysis.</summary>
    /// <exception cref="ArgumentException">The table is empty or inconsistent (a task in two families, a non-positive length, a score out of [0, 1]).</exception>
    public static HorizonReport Analyze(IReadOnlyList<HorizonRun> runs, HorizonOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        options ??= new HorizonOptions();
        Check(runs, options);

        var models = runs.Select(r => r.Model).Distinct().Order(StringComparer.Ordinal).ToList();
        var weights = new double[runs.Count];
        foreach (var model in models)
        {
            var rows = Enumerable.Range(0, runs.Count).Where(i => runs[i].Model == model).ToList();
            var w = TaskWeights.Of([.. rows.Select(i => runs[i])], options.Weighting);
            for (var k = 0; k < rows.Count; k++)
            {
                weights[rows[k]] = w[k];
            }
        }

        var replicates = Replicates(runs, weights, options, cancellationToken);
        var fits = new List<ModelHorizon>();
        foreach (var model in models)
        {
            var rows = Enumerable.Range(0, runs.Count).Where(i => runs[i].Model == model).ToList();
            fits.Add(FitModel(model, rows, runs, weights, replicates, options));
        }

        var (trend, note) = Trend(fits, replicates, options);
        if (trend is not null)
        {
            fits = [.. fits.Select(f => f with { InTrend = trend.Models.Contains(f.Model) })];
        }

        return new HorizonReport(options, fits, trend, note) { Runs = runs.Count, Replicates = replicates.Count };
    }

    private static void Check(IReadOnlyList<HorizonRun> runs, HorizonOptions options)
    {
        if (runs.Count == 0)
        {
            throw new ArgumentException("The runs table is empty.");
        }

        if (options.ConfidenceLevel is <= 0 or >= 1 || options.Bootstrap < 0 || options.Regularization < 0 || !double.IsFinite(options.Regularization)
            || options.SuccessPercents.Count == 0 || options.SuccessPercents.Any(p => p is <= 0 or >= 100))
        {
            throw new ArgumentException("Options out of range: confidence level in (0, 1), bootstrap ≥ 0, regularization ≥ 0, success percents in (0, 100).");
        }

        var family = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (!(run.HumanMinutes > 0) || !double.IsFinite(run.HumanMinutes))
            {
                throw new ArgumentException($"Task '{run.TaskId}' (run '{run.RunId}'): human_minutes must be a positive number (got {run.HumanMinutes.ToString(CultureInfo.InvariantCulture)}).");
            }

            if (run.Score is < 0 or > 1 || double.IsNaN(run.Score))
            {
                throw new ArgumentException($"Task '{run.TaskId}' (run '{run.RunId}'): the score must be in [0, 1] (got {run.Score.ToString(CultureInfo.InvariantCulture)}).");
            }

            if (family.TryGetValue(run.TaskId, out var known) && known != run.TaskFamily)
            {
                throw new ArgumentException($"Task '{run.TaskId}' is in two families ('{known}' and '{run.TaskFamily}'); the bootstrap needs each task in one family.");
            }

            family[run.TaskId] = run.TaskFamily;
        }
    }

    /// <summary>Per replicate and model, the horizons at each success percent (NaN: no fit in that replicate).</summary>
    private static List<Dictionary<string, double[]>> Replicates(IReadOnlyList<HorizonRun> runs, double[] weights, HorizonOptions options, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, double[]>[options.Bootstrap];
        var index = new HierarchicalBootstrap.Index(runs);
        Parallel.For(0, options.Bootstrap, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var sample = HierarchicalBootstrap.Sample(runs, index, new Random(options.Seed + i));
            var byModel = new Dictionary<string, double[]>(StringComparer.Ordinal);
            foreach (var group in sample.GroupBy(k => runs[k].Model, StringComparer.Ordinal))
            {
                var rows = group.ToList();
                var horizons = Enumerable.Repeat(double.NaN, options.SuccessPercents.Count).ToArray();
                // METR skips a replicate in which the model has one score value only.
                if (rows.Select(k => runs[k].Score).Distinct().Count() >= 2)
                {
                    try
                    {
                        var curve = LogisticFit.Fit([.. rows.Select(k => Math.Log2(runs[k].HumanMinutes))], [.. rows.Select(k => runs[k].Score)], [.. rows.Select(k => weights[k])], options.Regularization);
                        for (var p = 0; p < horizons.Length; p++)
                        {
                            horizons[p] = curve.Horizon(options.SuccessPercents[p] / 100.0);
                        }
                    }
                    catch (NotEstimableException)
                    {
                        // Left as NaN, as METR's nanquantile leaves out a replicate without a fit.
                    }
                }

                byModel[group.Key] = horizons;
            }

            result[i] = byModel;
        });
        return [.. result];
    }

    private static ModelHorizon FitModel(string model, List<int> rows, IReadOnlyList<HorizonRun> runs, double[] weights, List<Dictionary<string, double[]>> replicates, HorizonOptions options)
    {
        var modelRuns = rows.Select(i => runs[i]).ToList();
        var w = rows.Select(i => weights[i]).ToArray();
        var y = modelRuns.Select(r => r.Score).ToArray();
        var average = y.Zip(w, (a, b) => a * b).Sum() / w.Sum();
        var dates = modelRuns.Select(r => r.ReleaseDate).Where(d => d is not null).Distinct().ToList();
        if (dates.Count > 1)
        {
            throw new ArgumentException($"Model '{model}' has more than one release date ({string.Join(", ", dates)}).");
        }

        LogisticCurve? curve = null;
        string? note = null;
        if (y.All(v => v == 0))
        {
            curve = LogisticCurve.NeverSucceeds;
            note = "never succeeded: every horizon is 0 (METR's convention)";
        }
        else
        {
            try
            {
                curve = LogisticFit.Fit([.. modelRuns.Select(r => Math.Log2(r.HumanMinutes))], y, w, options.Regularization);
                if (curve.Slope > 0)
                {
                    note = "the fitted curve rises with task length (positive slope): its horizons do not mean \"succeeds up to\"";
                }
            }
            catch (NotEstimableException ex)
            {
                note = y.All(v => v == 1)
                    ? string.Create(CultureInfo.InvariantCulture, $"succeeded on every run: the horizon lies beyond the longest task ({modelRuns.Max(r => r.HumanMinutes):0.##} min) and cannot be fitted")
                    : "not estimable: " + ex.Message;
            }
        }

        var lowQ = (1 - options.ConfidenceLevel) / 2;
        var fitted = replicates.Count(r => r.TryGetValue(model, out var h) && !double.IsNaN(h[0]));
        var horizons = new List<HorizonEstimate>();
        for (var p = 0; p < options.SuccessPercents.Count; p++)
        {
            var point = curve?.Horizon(options.SuccessPercents[p] / 100.0);
            double? low = null, high = null;
            if (curve is { IsNeverSucceeds: true })
            {
                low = high = 0;
            }
            else
            {
                var values = replicates.Select(r => r.TryGetValue(model, out var h) ? h[p] : double.NaN).Where(v => !double.IsNaN(v)).ToArray();
                if (values.Length > 0)
                {
                    low = Quantiles.QuantileCustom(values, lowQ, QuantileDefinition.R7);
                    high = Quantiles.QuantileCustom(values, 1 - lowQ, QuantileDefinition.R7);
                }
            }

            horizons.Add(new HorizonEstimate(options.SuccessPercents[p], point, low, high));
        }

        return new ModelHorizon
        {
            Model = model,
            IsControl = modelRuns.Any(r => r.IsControl),
            ReleaseDate = dates.FirstOrDefault(),
            Runs = modelRuns.Count,
            Tasks = modelRuns.Select(r => r.TaskId).Distinct().Count(),
            Families = modelRuns.Select(r => r.TaskFamily).Distinct().Count(),
            WeightedSuccess = average,
            Intercept = curve is { IsNeverSucceeds: false } ? curve.Intercept : null,
            Slope = curve is { IsNeverSucceeds: false } ? curve.Slope : null,
            Horizons = horizons,
            BootstrapFits = fitted,
            Buckets = Buckets(modelRuns, w),
            Note = note,
        };
    }

    private static List<SuccessBucket> Buckets(List<HorizonRun> runs, double[] w)
    {
        var buckets = new List<SuccessBucket>();
        for (var b = 0; b + 1 < BucketEdges.Count; b++)
        {
            var rows = Enumerable.Range(0, runs.Count).Where(i => runs[i].HumanMinutes >= BucketEdges[b] && runs[i].HumanMinutes < BucketEdges[b + 1]).ToList();
            if (rows.Count > 0)
            {
                buckets.Add(new SuccessBucket(BucketEdges[b], BucketEdges[b + 1], rows.Count, rows.Sum(i => runs[i].Score * w[i]) / rows.Sum(i => w[i])));
            }
        }

        return buckets;
    }

    /// <summary>
    /// METR's <c>get_sota_agents</c>: going through release dates in order, a model is state of the art when its p50 is at
    /// least the highest p50 released on or before its date.
    /// </summary>
    internal static List<ModelHorizon> StateOfTheArt(IEnumerable<ModelHorizon> models)
    {
        var sota = new List<ModelHorizon>();
        var best = double.NegativeInfinity;
        foreach (var day in models.GroupBy(m => m.ReleaseDate!.Value).OrderBy(g => g.Key))
        {
            best = Math.Max(best, day.Max(m => m.At(50)!.Minutes!.Value));
            sota.AddRange(day.Where(m => m.At(50)!.Minutes!.Value >= best).OrderBy(m => m.Model, StringComparer.Ordinal));
        }

        return sota;
    }

    /// <summary>
    /// The least-squares line of ln(p50) on release date (days), p50 clipped at <see cref="MinTrendMinutes"/>: METR's
    /// <c>LinearRegression</c> on log horizons. The doubling time is ln 2 / slope.
    /// </summary>
    internal static (double Intercept, double Slope) Line(IEnumerable<(double Minutes, DateOnly Date)> points)
    {
        var list = points.ToList();
        var line = MathNet.Numerics.Fit.Line([.. list.Select(p => (double)p.Date.DayNumber)], [.. list.Select(p => Math.Log(Math.Max(p.Minutes, MinTrendMinutes)))]);
        return (line.Item1, line.Item2);
    }

    private static (DoublingTime?, string?) Trend(List<ModelHorizon> fits, List<Dictionary<string, double[]>> replicates, HorizonOptions options)
    {
        var p50Index = options.SuccessPercents.ToList().IndexOf(50);
        if (p50Index < 0)
        {
            return (null, "no doubling time: the 50% horizon is not among the success percents");
        }

        var dated = fits.Where(f => f.ReleaseDate is { } d && (options.TrendAfter is null || d >= options.TrendAfter) && (options.TrendBefore is null || d < options.TrendBefore)).ToList();
        var unfitted = dated.Where(f => f.At(50)?.Minutes is null).Select(f => f.Model).ToList();
        dated = [.. dated.Where(f => f.At(50)?.Minutes is not null)];
        var sota = StateOfTheArt(dated);
        var skipped = unfitted.Count > 0 ? $" ({string.Join(", ", unfitted)} left out: no finite 50% horizon)" : "";
        if (sota.Select(m => m.ReleaseDate).Distinct().Count() < 2)
        {
            return (null, $"no doubling time: it needs state-of-the-art models with at least two release dates (found {sota.Count} dated model(s)){skipped}; give release dates with --release-dates or a release_date column");
        }

        var (intercept, slope) = Line(sota.Select(m => (m.At(50)!.Minutes!.Value, m.ReleaseDate!.Value)));
        var doublings = new List<double>();
        foreach (var replicate in replicates)
        {
            // METR: a replicate's p50 that is missing, infinite or under 1e-3 minutes is left out; two models are needed.
            var points = sota.Select(m => (Minutes: replicate.TryGetValue(m.Model, out var h) ? h[p50Index] : double.NaN, Date: m.ReleaseDate!.Value))
                .Where(p => double.IsFinite(p.Minutes) && p.Minutes >= MinTrendMinutes).ToList();
            if (points.Select(p => p.Date).Distinct().Count() < 2)
            {
                continue;
            }

            var days = Math.Log(2) / Line(points).Slope;
            if (days > 0)
            {
                doublings.Add(days);
            }
        }

        var lowQ = (1 - options.ConfidenceLevel) / 2;
        double? low = null, high = null, median = null;
        if (doublings.Count > 0)
        {
            low = Quantiles.QuantileCustom(doublings, lowQ, QuantileDefinition.R7);
            high = Quantiles.QuantileCustom(doublings, 1 - lowQ, QuantileDefinition.R7);
            median = Quantiles.QuantileCustom(doublings, 0.5, QuantileDefinition.R7);
        }

        var note = slope <= 0 ? "the 50% horizon does not grow with release date: the doubling time is negative or infinite" + skipped : (skipped.Length > 0 ? skipped.Trim() : null);
        return (new DoublingTime(Math.Log(2) / slope, low, high, median, doublings.Count, [.. sota.Select(m => m.Model)], intercept, slope), note);
    }
}
