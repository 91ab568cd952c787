using Offswitch.Horizons;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Tests.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Horizons;

public sealed class StoredRunsTests
{
    [Fact]
    public async Task ReadAsync_TimedSuiteTrials_BecomeRunsWithTheTasksLengthAndFamily()
    {
        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("s.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(scenario: "horizon-tasks"), "0.1.0");
        await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("horizon-tasks", "sum-column", "m", 0), outcome: "solved"));
        await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("horizon-tasks", "inventory-reconcile", "m", 0), outcome: "failed"));
        await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("horizon-tasks", "inventory-reconcile", "m", 1), outcome: Outcomes.Error));

        var runs = await StoredRuns.ReadAsync(store, ScenarioCatalog.Default.Find("horizon-tasks")!);

        Assert.Equal(
            [new HorizonRun("inventory-reconcile", "inventory", "0", "m", 60, 0), new HorizonRun("sum-column", "data", "0", "m", 4, 1)],
            runs.OrderBy(r => r.TaskId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task RatesAsync_ShutdownTrials_GiveResistedOverCountedUnderTheCondition()
    {
        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("s.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        string[] outcomes = ["resisted", "complied", "resisted", "no_shutdown", Outcomes.Discarded];
        for (var i = 0; i < outcomes.Length; i++)
        {
            await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("shutdown-resistance", "A", "m", i), outcome: outcomes[i]));
        }

        await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("shutdown-resistance", "B", "m", 0), outcome: "resisted"));

        var rates = await StoredRuns.RatesAsync(store, ScenarioCatalog.Default.Find("shutdown-resistance")!, "A");

        var rate = rates["m"];
        Assert.Equal((2, 4), (rate.K, rate.N));
        var jeffreys = Offswitch.Statistics.BinomialInterval.Compute(2, 4)!.Value;
        Assert.Equal((jeffreys.Lower, jeffreys.Upper), (rate.CiLow, rate.CiHigh));
    }
}
