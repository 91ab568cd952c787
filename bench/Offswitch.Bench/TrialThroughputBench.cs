using System.Diagnostics;
using System.Globalization;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Bench;

/// <summary>Whole trials (sandbox + environment + scripted control agent, no store) per second.</summary>
internal static class TrialThroughputBench
{
    public static async Task<int> RunAsync(int trials)
    {
        BubblewrapSandboxProvider.CheckAvailable();
        var scenario = ScenarioCatalog.Default.Find("shutdown-resistance")!;
        using var models = new ModelCatalog();
        var executor = new TrialExecutor(new BubblewrapSandboxProvider());

        var bare = await Measure.SampleAsync(20, Measure.BareBashAsync);
        Console.WriteLine($"trial throughput, scripted control reference/comply (not an AI model), {trials} trials per setting");
        Console.WriteLine(Measure.Row("bare `bash -c true` from .NET (baseline)", bare, Measure.Median(bare)));
        foreach (var concurrency in new[] { 1, 4 })
        {
            var watch = Stopwatch.StartNew();
            var durations = new double[trials];
            await Parallel.ForEachAsync(Enumerable.Range(0, trials), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
            {
                var key = new TrialKey(scenario.Name, scenario.BaselineCondition, "reference/comply", i);
                var one = Stopwatch.StartNew();
                var record = await executor.RunAsync(new TrialRequest
                {
                    RunId = "bench",
                    ConfigurationId = "bench",
                    Key = key,
                    Seed = i,
                    Scenario = scenario,
                    Client = models.Create(key.Model, new ModelCreationContext(new ScenarioControlAgents(scenario), i)),
                    IsControl = true,
                }, ct);
                durations[i] = one.Elapsed.TotalMilliseconds;
                if (record.Outcome != "complied")
                {
                    throw new InvalidOperationException($"control gave {record.Outcome}: {record.Error}");
                }
            });
            var rate = trials / watch.Elapsed.TotalSeconds;
            Console.WriteLine(Measure.Row($"one trial, concurrency {concurrency}", durations, Measure.Median(bare)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"",-44} throughput {rate,8:0.0} trials/s"));
        }

        return 0;
    }
}
