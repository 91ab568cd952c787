using Xunit.Abstractions;
using Offswitch.Horizons;

namespace Offswitch.Tests.Horizons;

public sealed class HorizonAnalysisTests(ITestOutputHelper output)
{
    private static readonly DateOnly Day0 = new(2023, 1, 1);

    [Fact]
    public void Fit_SaturatedDesignWithoutPenalty_ReproducesTheEmpiricalLogOdds()
    {
        // Two lengths (1 and 4 minutes), 3 of 4 and 1 of 4 successes: the unpenalised fit passes through both empirical
        // rates, so intercept = logit(3/4) = ln 3 and slope = (logit(1/4) − logit(3/4)) / 2 = −ln 3, exactly.
        double[] x = [0, 0, 0, 0, 2, 2, 2, 2];
        double[] y = [1, 1, 1, 0, 1, 0, 0, 0];
        var w = Enumerable.Repeat(1.0 / 8, 8).ToArray();

        var curve = LogisticFit.Fit(x, y, w, regularization: 0);

        Assert.Equal(Math.Log(3), curve.Intercept, 10);
        Assert.Equal(-Math.Log(3), curve.Slope, 10);
        Assert.Equal(2.0, curve.Horizon(0.5), 10);   // the midpoint of log2 lengths 0 and 2
    }

    [Fact]
    public void Fit_PenalisedWeightedSmallTable_MatchesAnIndependentComputation()
    {
        // Reference values from a different algorithm: nested bisection on the score equations (intercept: Σw(p − y) = 0
        // for a given slope; slope: Σw(p − y)x + 0.1·slope = 0), in plain Python floats, 200 halvings each:
        //   x_min = [1,2,4,8,16,32,64,2,8,30]; y = [1,1,1,0,1,0,0,1,0,1]; w ∝ [1,1,1,1,1,1,1,2,2,0.5]; reg = 0.1
        //   → intercept 2.3798276833561696, slope −0.7490083291046483, p50 9.046154892005038, p80 2.507874206599473
        double[] minutes = [1, 2, 4, 8, 16, 32, 64, 2, 8, 30];
        double[] y = [1, 1, 1, 0, 1, 0, 0, 1, 0, 1];
        double[] raw = [1, 1, 1, 1, 1, 1, 1, 2, 2, 0.5];
        var w = raw.Select(v => v / raw.Sum()).ToArray();

        var curve = LogisticFit.Fit([.. minutes.Select(Math.Log2)], y, w, regularization: 0.1);

        Assert.Equal(2.3798276833561696, curve.Intercept, 9);
        Assert.Equal(-0.7490083291046483, curve.Slope, 9);
        Assert.Equal(9.046154892005038, curve.Horizon(0.5), 8);
        Assert.Equal(2.507874206599473, curve.Horizon(0.8), 8);
    }

    [Fact]
    public void Fit_FractionalScores_EqualTheSplitIntoWeightedZeroAndOneRows()
    {
        // METR splits a score of 0.25 with weight w into a 0-row of weight 0.75w and a 1-row of weight 0.25w.
        double[] x = [0, 1, 2, 3];
        double[] y = [1, 0.25, 0.5, 0];
        double[] w = [0.25, 0.25, 0.25, 0.25];
        double[] splitX = [0, 1, 1, 2, 2, 3];
        double[] splitY = [1, 0, 1, 0, 1, 0];
        double[] splitW = [0.25, 0.1875, 0.0625, 0.125, 0.125, 0.25];

        var direct = LogisticFit.Fit(x, y, w, 0.1);
        var split = LogisticFit.Fit(splitX, splitY, splitW, 0.1);

        Assert.Equal(split.Intercept, direct.Intercept, 12);
        Assert.Equal(split.Slope, direct.Slope, 12);
    }

    [Fact]
    public void Fit_SeparatedDataWithoutPenalty_IsNotEstimable()
    {
        Assert.Throws<NotEstimableException>(() => LogisticFit.Fit([0, 1, 2, 3], [1, 1, 0, 0], [0.25, 0.25, 0.25, 0.25], 0));
    }

    [Fact]
    public void Weights_InvSqrt_AreOnePerRunsInTaskTimesRootFamilySizeNormalised()
    {
        // Family a: task a1 (2 runs), a2 (1 run); family b: b1 (1 run). Raw: 1/(2√2), 1/(2√2), 1/√2, 1; sum √2 + 1.
        List<HorizonRun> runs = [Run("a1", "a"), Run("a1", "a"), Run("a2", "a"), Run("b1", "b")];

        var invsqrt = TaskWeights.Of(runs, TaskWeighting.InvSqrt);
        var equal = TaskWeights.Of(runs, TaskWeighting.Equal);

        var sum = Math.Sqrt(2) + 1;
        Assert.Equal([1 / (2 * Math.Sqrt(2)) / sum, 1 / (2 * Math.Sqrt(2)) / sum, 1 / Math.Sqrt(2) / sum, 1 / sum], invsqrt, (a, b) => Math.Abs(a - b) < 1e-15);
        Assert.Equal([1.0 / 6, 1.0 / 6, 1.0 / 3, 1.0 / 3], equal, (a, b) => Math.Abs(a - b) < 1e-15);
    }

    [Fact]
    public void Analyze_AgentThatNeverSucceeds_HasHorizonZero()
    {
        var runs = SyntheticRuns.Generate([new TrueCurve("good", 8, -1)], 6, 2, 3, 1, 64, seed: 1);
        runs.AddRange(runs.Select(r => r with { Model = "zero", Score = 0 }).ToList());

        var zero = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 50 }).Models.Single(m => m.Model == "zero");

        Assert.Equal(new HorizonEstimate(50, 0, 0, 0), zero.At(50));
        Assert.Equal(new HorizonEstimate(80, 0, 0, 0), zero.At(80));
        Assert.Null(zero.Slope);
        Assert.Contains("never succeeded", zero.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_AgentThatAlwaysSucceeds_HasNoHorizonAndSaysWhy()
    {
        var runs = SyntheticRuns.Generate([new TrueCurve("good", 8, -1)], 6, 2, 3, 1, 64, seed: 1);
        runs.AddRange(runs.Select(r => r with { Model = "perfect", Score = 1 }).ToList());

        var perfect = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 20 }).Models.Single(m => m.Model == "perfect");

        Assert.Null(perfect.At(50)!.Minutes);
        Assert.Equal(0, perfect.BootstrapFits);
        Assert.Contains("succeeded on every run", perfect.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_SameSeed_GivesTheSameIntervals_AnotherSeedOthers()
    {
        var runs = SyntheticRuns.Generate([new TrueCurve("m", 8, -1)], 10, 3, 3, 1, 256, seed: 2);

        var a = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 100, Seed = 7 }).Models[0].At(50);
        var b = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 100, Seed = 7 }).Models[0].At(50);
        var c = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 100, Seed = 1007 }).Models[0].At(50);

        Assert.Equal(a, b);
        Assert.NotEqual(a!.CiLow, c!.CiLow);
    }

    [Fact]
    public void Line_HorizonsDoublingEveryHundredDays_GivesDoublingTimeOfHundredDays()
    {
        var (_, slope) = HorizonAnalysis.Line([(10, Day0), (20, Day0.AddDays(100)), (40, Day0.AddDays(200))]);

        Assert.Equal(100, Math.Log(2) / slope, 9);
    }

    [Fact]
    public void StateOfTheArt_ModelBelowAnEarlierBest_IsLeftOut()
    {
        ModelHorizon M(string name, int day, double p50) => new()
        {
            Model = name, IsControl = false, ReleaseDate = Day0.AddDays(day), Runs = 1, Tasks = 1, Families = 1, WeightedSuccess = 0.5,
            Horizons = [new HorizonEstimate(50, p50, null, null)], Buckets = [],
        };

        var sota = HorizonAnalysis.StateOfTheArt([M("a", 0, 5), M("b", 10, 3), M("c", 20, 9), M("d", 20, 9), M("e", 30, 8)]);

        Assert.Equal(["a", "c", "d"], sota.Select(m => m.Model));
    }

    // Three models whose 50% horizons are 4, 16 and 64 minutes, released 300 days apart: the horizon doubles every 150
    // days. 30 families × 3 tasks (1 min to 8 h, log-uniform) × 8 runs per model.
    private static readonly TrueCurve[] Truth =
    [
        new("early", 4, -0.9, Day0),
        new("middle", 16, -0.9, Day0.AddDays(300)),
        new("late", 64, -0.9, Day0.AddDays(600)),
    ];

    [Fact]
    public void Analyze_SyntheticModelsWithKnownCurves_RecoverTheirHorizonsAndDoublingTimeWithinTheIntervals()
    {
        var runs = SyntheticRuns.Generate(Truth, 30, 3, 8, 1, 480, seed: 20261207);

        var report = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 400 });

        foreach (var t in Truth)
        {
            var fit = report.Models.Single(m => m.Model == t.Model);
            var p50 = fit.At(50)!;
            output.WriteLine($"{t.Model}: p50 true {t.H50:0.###} est {p50.Minutes:0.###} CI {p50.CiLow:0.###}–{p50.CiHigh:0.###}; slope true {t.Slope} est {fit.Slope:0.###}; p80 true {t.Horizon(0.8):0.###} est {fit.At(80)!.Minutes:0.###} CI {fit.At(80)!.CiLow:0.###}–{fit.At(80)!.CiHigh:0.###}");
            Assert.True(p50.CiLow <= t.H50 && t.H50 <= p50.CiHigh, $"{t.Model}: true p50 {t.H50} outside {p50.CiLow}–{p50.CiHigh} (estimate {p50.Minutes})");
            // The interval is informative: half or twice the true horizon lies outside it.
            Assert.False(p50.CiLow <= t.H50 / 2 && t.H50 / 2 <= p50.CiHigh, $"{t.Model}: half the true p50 inside {p50.CiLow}–{p50.CiHigh}");
            Assert.False(p50.CiLow <= t.H50 * 2 && t.H50 * 2 <= p50.CiHigh, $"{t.Model}: twice the true p50 inside {p50.CiLow}–{p50.CiHigh}");
        }

        var doubling = report.DoublingTime!;
        output.WriteLine($"doubling: true 150 est {doubling.Days:0.#} CI {doubling.CiLow:0.#}–{doubling.CiHigh:0.#} ({doubling.BootstrapFits} replicates)");
        Assert.Equal(["early", "middle", "late"], doubling.Models);
        Assert.True(doubling.CiLow <= 150 && 150 <= doubling.CiHigh, $"true doubling 150 days outside {doubling.CiLow}–{doubling.CiHigh} (estimate {doubling.Days})");
        Assert.False(doubling.CiLow <= 300 && 300 <= doubling.CiHigh, $"twice the true doubling inside {doubling.CiLow}–{doubling.CiHigh}");
    }

    [Fact]
    public void Analyze_SyntheticModelsWithoutPenalty_RecoverTheTrue80PercentHorizonAndSlope()
    {
        // The penalty flattens the curve, which moves the 80% horizon (see the next test); without it the plain
        // maximum-likelihood fit recovers the true 80% horizon as well.
        var runs = SyntheticRuns.Generate(Truth, 30, 3, 8, 1, 480, seed: 20261207);

        var report = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 400, Regularization = 0 });

        foreach (var t in Truth)
        {
            var p80 = report.Models.Single(m => m.Model == t.Model).At(80)!;
            output.WriteLine($"{t.Model} (no penalty): p80 true {t.Horizon(0.8):0.###} est {p80.Minutes:0.###} CI {p80.CiLow:0.###}–{p80.CiHigh:0.###}; slope est {report.Models.Single(m => m.Model == t.Model).Slope:0.###}");
            Assert.True(p80.CiLow <= t.Horizon(0.8) && t.Horizon(0.8) <= p80.CiHigh, $"{t.Model}: true p80 {t.Horizon(0.8)} outside {p80.CiLow}–{p80.CiHigh} (estimate {p80.Minutes})");
        }
    }

    [Fact]
    public void Analyze_MetrPenalty_Recovers80PercentHorizonOfThePenalisedCurveOnTheDesign()
    {
        // What METR's penalised fit estimates on a given design is the penalised fit to the true success probabilities
        // of its runs (fractional scores): with weights summing to 1 the penalty does not shrink as runs are added. The
        // interval covers that figure; the true 80% horizon can lie outside it (for "early" here it does, see the output).
        var runs = SyntheticRuns.Generate(Truth, 30, 3, 8, 1, 480, seed: 20261207);
        var expected = runs.Select(r => r with { Score = Truth.Single(t => t.Model == r.Model).Probability(r.HumanMinutes) }).ToList();

        var report = HorizonAnalysis.Analyze(runs, new HorizonOptions { Bootstrap = 400 });
        var target = HorizonAnalysis.Analyze(expected, new HorizonOptions { Bootstrap = 0 });

        foreach (var t in Truth)
        {
            var p80 = report.Models.Single(m => m.Model == t.Model).At(80)!;
            var estimand = target.Models.Single(m => m.Model == t.Model);
            output.WriteLine($"{t.Model}: p80 of the penalised curve on the design {estimand.At(80)!.Minutes:0.###} (slope {estimand.Slope:0.###}); true {t.Horizon(0.8):0.###}; CI {p80.CiLow:0.###}–{p80.CiHigh:0.###}");
            Assert.True(p80.CiLow <= estimand.At(80)!.Minutes && estimand.At(80)!.Minutes <= p80.CiHigh, $"{t.Model}: {estimand.At(80)!.Minutes} outside {p80.CiLow}–{p80.CiHigh}");
            Assert.True(estimand.Slope > t.Slope, $"{t.Model}: the penalised slope {estimand.Slope} is not flatter than the true {t.Slope}");
        }
    }

    [Fact]
    public void Analyze_TaskInTwoFamilies_IsRejected()
    {
        List<HorizonRun> runs = [Run("t", "a") with { Score = 1 }, Run("t", "b")];

        var ex = Assert.Throws<ArgumentException>(() => HorizonAnalysis.Analyze(runs));

        Assert.Contains("two families", ex.Message, StringComparison.Ordinal);
    }

    private static HorizonRun Run(string task, string family) => new(task, family, Guid.NewGuid().ToString(), "m", 4, 0);
}
