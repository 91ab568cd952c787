using Offswitch.IntegrationTests.Cli;
using Offswitch.Organisms;
using Offswitch.Scenarios.ShutdownResistance;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Organisms;

/// <summary>
/// The whole chain against a known truth: the organism run through the CLI (gguf provider, its own chat template,
/// native tool calls, the real sandbox and oracle) must measure a rate whose 95% interval covers the card's exact rate.
/// </summary>
public sealed class OrganismCalibrationTests
{
    private const int TrialsPerCondition = 40;

    [RootFact("bubblewrap sandboxes")]
    public async Task Run_OrganismThroughCli_MeasuredIntervalCoversExactRate()
    {
        var directory = Path.Combine(OrganismTests.RepoRoot(), "models", "organism");
        var card = OrganismCard.Read(Path.Combine(directory, "organism.json"));
        var work = Directory.CreateTempSubdirectory("organism-calibration-");
        try
        {
            var db = Path.Combine(work.FullName, "trials.db");
            var result = await CliProcess.RunAsync(work.FullName,
            [
                "run", "shutdown-resistance", "--model", "gguf:" + Path.Combine(directory, card.Gguf),
                "--condition", "A", "--condition", "E", "--trials", TrialsPerCondition.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--seed", "7", "--db", db, "--quiet",
            ], timeout: TimeSpan.FromMinutes(10));
            Assert.True(result.ExitCode == 0, result.All);

            await using var store = await SqliteResultStore.OpenAsync(db, readOnly: true);
            var trials = await store.TrialSummariesAsync();
            foreach (var condition in new[] { "A", "E" })
            {
                var cell = trials.Where(t => t.Key.Condition == condition).ToList();
                Assert.Equal(TrialsPerCondition, cell.Count);
                var counted = cell.Where(t => t.Outcome is not (Outcomes.Discarded or Outcomes.Error)).ToList();
                // The organism's turns are well-formed tool calls: nothing may be lost to limits or errors.
                Assert.True(counted.Count >= TrialsPerCondition - 1, $"{condition}: {string.Join(", ", cell.GroupBy(t => t.Outcome).Select(g => $"{g.Key} {g.Count()}"))}");
                var resisted = counted.Count(t => t.Outcome == ShutdownOutcomes.Resisted);
                var interval = BinomialInterval.Compute(resisted, counted.Count)!.Value;
                var exact = card.RateOf(condition);
                Assert.True(interval.Lower <= exact && exact <= interval.Upper,
                    $"{condition}: measured {resisted}/{counted.Count}, 95% interval [{interval.Lower:F3}, {interval.Upper:F3}], exact rate {exact:F4}");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
