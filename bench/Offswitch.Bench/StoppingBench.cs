using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.Distributions;
using Offswitch.Statistics;

namespace Offswitch.Bench;

/// <summary>
/// Simulates "run until precise" on the published Palisade cells: for each cell's rate, many simulated cells are run
/// batch by batch under a stopping rule (capped at 1000 trials), and we count the trials used and how often the reported
/// 95% Jeffreys interval at stopping contains the true rate. Fixed N = 1000 coverage is computed exactly for comparison.
/// </summary>
internal static class StoppingBench
{
    private const int FixedN = 1000;
    private const double Nominal = 0.95;

    /// <summary>Published cells (paper Table 2 and the paper's dataset; k of N ≈ 1000) used as true rates.</summary>
    private static readonly (string Cell, int K, int N)[] PalisadeCells =
    [
        ("Grok 4 A", 926, 1000), ("Grok 4 B", 722, 1000), ("Grok 4 C", 973, 1000), ("Grok 4 E", 892, 1000), ("Grok 4 H", 22, 1000),
        ("codex-mini A", 518, 1000), ("codex-mini E", 432, 1000), ("codex-mini H", 117, 994),
        ("o3 A", 945, 1000), ("o3 E", 159, 1000), ("o4-mini A", 58, 1000), ("o4-mini E", 234, 1000),
        ("GPT-5 A", 880, 1000), ("GPT-5 E", 0, 1000), ("Gemini 2.5 Pro A", 45, 1000), ("4o A", 24, 1000), ("Sonnet 3.7 A", 1, 1000),
    ];

    public static int Run(int replications)
    {
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"Run until precise: {replications} simulated cells per published rate, batches of 50, cap {FixedN}; reported interval: Jeffreys 95%.");
        Console.WriteLine("Coverage = share of simulated cells whose reported interval contains the true rate (± = 1.96 simulation SE).");
        Console.WriteLine();

        var rules = new (string Name, StoppingRule Rule)[]
        {
            ("--until-width 0.10", new StoppingRule { Width = 0.10 }),
            ("--until-width 0.05", new StoppingRule { Width = 0.05 }),
            ("--until-width 0.10 --min-trials 200", new StoppingRule { Width = 0.10, MinTrials = 200 }),
            ("--until-decided 0.10 (looks at 95%)", new StoppingRule { DecideThreshold = 0.10 }),
            ("--until-decided 0.10 (looks at 99%)", new StoppingRule { DecideThreshold = 0.10, Level = 0.99 }),
        };

        foreach (var (name, rule) in rules)
        {
            RunRule(name, rule, replications);
        }

        Console.WriteLine($"({watch.Elapsed.TotalSeconds:0.0} s)");
        return 0;
    }

    private static void RunRule(string name, StoppingRule rule, int replications)
    {
        Console.WriteLine($"## {name}");
        Console.WriteLine($"{"cell",-18} {"k/N",9} {"p",7} {"mean n",8} {"saved",7} {"coverage",16} {"fixed-1000 cov.",15} {"wrong side",10}");
        var reported = new IntervalCache(IntervalMethod.Jeffreys, Nominal);
        var looks = new IntervalCache(rule.Method, rule.Level);
        long totalUsed = 0, totalCovered = 0, totalRuns = 0, totalWrong = 0;
        foreach (var (cell, k, n) in PalisadeCells)
        {
            var p = (double)k / n;
            var random = new Random(HashCode.Combine(cell.GetHashCode(StringComparison.Ordinal), name.Length, 7));
            long used = 0, covered = 0, wrong = 0;
            for (var r = 0; r < replications; r++)
            {
                var (trials, successes) = Simulate(p, rule, looks, random);
                used += trials;
                var interval = reported.Get(successes, trials);
                if (interval.Lower <= p && p <= interval.Upper)
                {
                    covered++;
                }

                // For the decision rule: the interval at stopping excludes the threshold on the side opposite to the truth.
                if (rule.DecideThreshold is { } t && p != t && ((p < t && interval.Lower > t) || (p > t && interval.Upper < t)))
                {
                    wrong++;
                }
            }

            totalUsed += used;
            totalCovered += covered;
            totalRuns += replications;
            totalWrong += wrong;
            var coverage = (double)covered / replications;
            var meanN = (double)used / replications;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{cell,-18} {$"{k}/{n}",9} {p,7:0.000} {meanN,8:0.0} {1 - (meanN / FixedN),7:P0} {coverage,8:P1} ±{SimulationError(coverage, replications),5:P1} {ExactFixedCoverage(p),15:P1} {(rule.DecideThreshold is null ? "" : ((double)wrong / replications).ToString("P2", CultureInfo.InvariantCulture)),10}"));
        }

        var overall = (double)totalCovered / totalRuns;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"all cells",-18} {"",9} {"",7} {(double)totalUsed / totalRuns,8:0.0} {1 - ((double)totalUsed / totalRuns / FixedN),7:P0} {overall,8:P1} ±{SimulationError(overall, totalRuns),5:P1} {"",15} {(rule.DecideThreshold is null ? "" : ((double)totalWrong / totalRuns).ToString("P2", CultureInfo.InvariantCulture)),10}"));
        Console.WriteLine($"trials used: {totalUsed} of {totalRuns * (long)FixedN} at fixed N = {FixedN}");
        Console.WriteLine();
    }

    /// <summary>One simulated cell under the rule: batches until the rule holds or the cap is reached.</summary>
    private static (int Trials, int Successes) Simulate(double p, StoppingRule rule, IntervalCache looks, Random random)
    {
        int n = 0, k = 0;
        while (n < FixedN)
        {
            if (n > 0 && n >= rule.MinTrials && Satisfied(rule, looks.Get(k, n)))
            {
                break;
            }

            var batch = Math.Min(rule.BatchSize, FixedN - n);
            for (var i = 0; i < batch; i++)
            {
                if (random.NextDouble() < p)
                {
                    k++;
                }
            }

            n += batch;
        }

        return (n, k);
    }

    // Mirrors StoppingRule.IsSatisfied, with the look interval cached (the simulation asks for the same k, n many times).
    private static bool Satisfied(StoppingRule rule, ProportionInterval interval) =>
        (rule.Width is { } w && interval.Upper - interval.Lower < w)
        || (rule.DecideThreshold is { } t && (interval.Lower > t || interval.Upper < t));

    /// <summary>Exact coverage of the 95% Jeffreys interval at fixed N = 1000: Σ P(k) over k whose interval holds p.</summary>
    private static double ExactFixedCoverage(double p)
    {
        var binomial = new Binomial(p, FixedN);
        var sum = 0.0;
        for (var k = 0; k <= FixedN; k++)
        {
            var interval = BinomialInterval.Compute(k, FixedN)!.Value;
            if (interval.Lower <= p && p <= interval.Upper)
            {
                sum += binomial.Probability(k);
            }
        }

        return sum;
    }

    private static double SimulationError(double coverage, long runs) => 1.96 * Math.Sqrt(Math.Max(coverage * (1 - coverage), 1.0 / runs) / runs);

    private sealed class IntervalCache(IntervalMethod method, double level)
    {
        private readonly Dictionary<(int, int), ProportionInterval> _cache = [];

        public ProportionInterval Get(int k, int n)
        {
            if (!_cache.TryGetValue((k, n), out var interval))
            {
                interval = BinomialInterval.Compute(k, n, method, level)!.Value;
                _cache[(k, n)] = interval;
            }

            return interval;
        }
    }
}
