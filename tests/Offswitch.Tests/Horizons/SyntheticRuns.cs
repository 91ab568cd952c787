using Offswitch.Horizons;

namespace Offswitch.Tests.Horizons;

/// <summary>A model with a known success curve: P(success) = σ(slope · (log2 minutes − log2 h50)).</summary>
internal sealed record TrueCurve(string Model, double H50, double Slope, DateOnly? Released = null)
{
    public double Probability(double minutes) => 1 / (1 + Math.Exp(-Slope * (Math.Log2(minutes) - Math.Log2(H50))));

    /// <summary>The true horizon at success probability q: log2 h_q = log2 h50 + logit(q) / slope.</summary>
    public double Horizon(double q) => Math.Pow(2, Math.Log2(H50) + (Math.Log(q / (1 - q)) / Slope));
}

/// <summary>Seeded synthetic runs tables: families of tasks with log-uniform lengths, Bernoulli successes from a known curve.</summary>
internal static class SyntheticRuns
{
    public static List<HorizonRun> Generate(IReadOnlyList<TrueCurve> models, int families, int tasksPerFamily, int runsPerTask, double minMinutes, double maxMinutes, int seed)
    {
        var random = new Random(seed);
        var tasks = new List<(string Family, string Task, double Minutes)>();
        for (var f = 0; f < families; f++)
        {
            for (var t = 0; t < tasksPerFamily; t++)
            {
                var log2 = Math.Log2(minMinutes) + (random.NextDouble() * (Math.Log2(maxMinutes) - Math.Log2(minMinutes)));
                tasks.Add(($"family-{f:00}", $"family-{f:00}/task-{t}", Math.Pow(2, log2)));
            }
        }

        var runs = new List<HorizonRun>();
        foreach (var model in models)
        {
            foreach (var (family, task, minutes) in tasks)
            {
                for (var r = 0; r < runsPerTask; r++)
                {
                    runs.Add(new HorizonRun(task, family, $"{model.Model}/{task}/{r}", model.Model, minutes, random.NextDouble() < model.Probability(minutes) ? 1 : 0)
                    {
                        ReleaseDate = model.Released,
                    });
                }
            }
        }

        return runs;
    }
}
