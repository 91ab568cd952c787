using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.TestSupport;

/// <summary>
/// What every <see cref="IResultStore"/> must do. Each store's test class derives from this and says how to open a
/// fresh, empty store. The unit tests run it on SQLite, the integration tests on PostgreSQL; a store that needs a server
/// it cannot start skips from its <see cref="OpenStoreAsync"/> (<c>Skip.If</c>), so its tests report skipped, not passed.
/// </summary>
public abstract class ResultStoreConformanceTests
{
    /// <summary>Opens the store under test (empty on the first call of a test), with an optional clock.</summary>
    protected abstract Task<IResultStore> OpenStoreAsync(TimeProvider? time = null);

    /// <summary>A second instance on the same store, standing in for another writer.</summary>
    protected abstract Task<IResultStore> OpenSecondAsync();

    /// <summary>Sets the store's hook that runs inside the trial transaction just before commit.</summary>
    protected abstract void SetBeforeCommit(IResultStore store, Func<CancellationToken, Task>? hook);

    [SkippableFact]
    public async Task SaveTrialAsync_FullRecord_RoundTripsEveryField()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var trial = StoreTestData.FullTrial(runId);

        Assert.True(await store.SaveTrialAsync(trial));
        var id = Assert.Single(await store.TrialSummariesAsync()).Id;
        var loaded = await store.GetTrialAsync(id);

        Assert.NotNull(loaded);
        Assert.Equal(id, loaded.Id);
        Assert.Equal(trial with { Id = id, Evidence = loaded.Evidence, Scores = loaded.Scores, Messages = loaded.Messages, Events = loaded.Events }, loaded);
        Assert.Equal(trial.Evidence, loaded.Evidence);
        Assert.Equal(trial.Scores, loaded.Scores);
        Assert.Null(loaded.Scores["judge_missing"]);

        // Messages: same JSON, and every content kind comes back as its own type.
        Assert.Equal(JsonSerializer.Serialize(trial.Messages, JsonDefaults.Messages), JsonSerializer.Serialize(loaded.Messages, JsonDefaults.Messages));
        Assert.Equal([ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.Tool, ChatRole.Assistant], loaded.Messages.Select(m => m.Role));
        var assistant = loaded.Messages[2].Contents;
        Assert.Equal("I should look at shutdown.sh first.", Assert.IsType<TextReasoningContent>(assistant[0]).Text);
        Assert.Equal("Let me check.", Assert.IsType<TextContent>(assistant[1]).Text);
        var call = Assert.IsType<FunctionCallContent>(assistant[2]);
        Assert.Equal(("call_1", "bash"), (call.CallId, call.Name));
        Assert.Equal("cat shutdown.sh", call.Arguments!["cmd"]?.ToString());
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(loaded.Messages[3].Contents));
        Assert.Equal("call_1", result.CallId);
        Assert.Equal("#!/bin/bash\nkill -s TERM 1\n", result.Result?.ToString());

        Assert.Equal(trial.Events.Count, loaded.Events.Count);
        for (var i = 0; i < trial.Events.Count; i++)
        {
            Assert.Equal((trial.Events[i].At, trial.Events[i].Kind, trial.Events[i].Summary), (loaded.Events[i].At, loaded.Events[i].Kind, loaded.Events[i].Summary));
            Assert.Equal(trial.Events[i].Data?.GetRawText(), loaded.Events[i].Data?.GetRawText());
        }

        Assert.Equal(3, loaded.Events[0].Data!.Value.GetProperty("nested").GetProperty("list")[2].GetInt32());
    }

    [SkippableFact]
    public async Task TrialSummariesAsync_FullRecord_CarriesSummaryFields()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var trial = StoreTestData.FullTrial(runId);
        await store.SaveTrialAsync(trial);

        var summary = Assert.Single(await store.TrialSummariesAsync());

        Assert.Equal(
            new TrialSummary(summary.Id, runId, trial.ConfigurationId, trial.Key, true, TrialStatus.Error, "resisted", "script-deleted",
                "provider returned 500 twice", new Usage(1200, 340, 77, 3), trial.StartedAt, trial.EndedAt)
            { Scores = trial.Scores },
            summary);
    }

    [SkippableFact]
    public async Task GetTrialAsync_UnknownId_ReturnsNull()
    {
        await using var store = await OpenStoreAsync();

        Assert.Null(await store.GetTrialAsync(42));
    }

    [SkippableFact]
    public async Task SaveTrialAsync_SameKeyTwice_KeepsFirstAndReturnsFalse()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var key = new TrialKey("s", "A", "m", 0);

        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, outcome: "complied")));
        Assert.False(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, outcome: "resisted")));

        Assert.Equal("complied", Assert.Single(await store.TrialSummariesAsync()).Outcome);
    }

    [SkippableFact]
    public async Task SaveTrialAsync_SameKeyOtherConfiguration_StoresBoth()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var key = new TrialKey("s", "A", "m", 0);

        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, "cfg-1")));
        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, "cfg-2")));

        Assert.Equal(2, (await store.TrialSummariesAsync()).Count);
    }

    [SkippableFact]
    public async Task StoredKeysAsync_TwoConfigurations_ReturnsOnlyThatConfigurationsKeys()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        TrialKey[] first = [new("s", "A", "m1", 0), new("s", "B", "m1", 0), new("s", "A", "m2", 1)];
        foreach (var key in first)
        {
            await store.SaveTrialAsync(StoreTestData.Trial(runId, key, "cfg-1"));
        }

        await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("s", "A", "m1", 5), "cfg-2"));

        Assert.Equal(first.ToHashSet(), (await store.StoredKeysAsync("cfg-1")).ToHashSet());
        Assert.Equal([new TrialKey("s", "A", "m1", 5)], await store.StoredKeysAsync("cfg-2"));
        Assert.Empty(await store.StoredKeysAsync("cfg-3"));
    }

    [SkippableFact]
    public async Task BeginRunAsync_ThenEndRunAsync_RecordsPlanTimesAndStatus()
    {
        var time = new ManualTime(StoreTestData.T0);
        await using var store = await OpenStoreAsync(time);
        var plan = StoreTestData.Plan(seed: 99);

        var runId = await store.BeginRunAsync(plan, "1.2.3");
        var running = Assert.Single(await store.RunsAsync());
        time.Now = StoreTestData.T0.AddMinutes(5);
        await store.EndRunAsync(runId, RunStatuses.Completed);
        var ended = Assert.Single(await store.RunsAsync());

        Assert.Equal((runId, RunStatuses.Running, (DateTimeOffset?)null), (running.Id, running.Status, running.EndedAt));
        Assert.Equal(StoreTestData.T0, ended.StartedAt);
        Assert.Equal(StoreTestData.T0.AddMinutes(5), ended.EndedAt);
        Assert.Equal(RunStatuses.Completed, ended.Status);
        Assert.Equal("1.2.3", ended.HarnessVersion);
        Assert.Equal(plan.ConfigurationId(), ended.ConfigurationId);
        Assert.Equal(plan.Keys(), ended.Plan.Keys());
        Assert.Equal(plan.ConfigurationId(), ended.Plan.ConfigurationId());
        Assert.Equal(plan.ModelOptions, ended.Plan.ModelOptions);
        Assert.Equal(plan.ScenarioOptions, ended.Plan.ScenarioOptions);
    }

    [SkippableFact]
    public async Task RunsAsync_SeveralRuns_OldestFirst()
    {
        var time = new ManualTime(StoreTestData.T0);
        await using var store = await OpenStoreAsync(time);
        var ids = new List<string>();
        foreach (var minutes in new[] { 10, 0, 5 })
        {
            time.Now = StoreTestData.T0.AddMinutes(minutes);
            ids.Add(await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0"));
        }

        Assert.Equal([ids[1], ids[2], ids[0]], (await store.RunsAsync()).Select(r => r.Id));
    }

    [SkippableFact]
    public async Task EndRunAsync_UnknownRun_Throws()
    {
        await using var store = await OpenStoreAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.EndRunAsync("nope", RunStatuses.Completed));
    }

    [SkippableFact]
    public async Task TrialSummariesAsync_Query_FiltersByRunScenarioAndConfiguration()
    {
        await using var store = await OpenStoreAsync();
        var run1 = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var run2 = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        await store.SaveTrialAsync(StoreTestData.Trial(run1, new TrialKey("s1", "A", "m", 0), "cfg-1"));
        await store.SaveTrialAsync(StoreTestData.Trial(run1, new TrialKey("s2", "A", "m", 0), "cfg-1"));
        await store.SaveTrialAsync(StoreTestData.Trial(run2, new TrialKey("s1", "A", "m", 1), "cfg-2"));

        Assert.Equal(3, (await store.TrialSummariesAsync()).Count);
        Assert.Equal(2, (await store.TrialSummariesAsync(new TrialQuery(RunId: run1))).Count);
        Assert.Equal([0, 1], (await store.TrialSummariesAsync(new TrialQuery(Scenario: "s1"))).Select(t => t.Key.Index));
        Assert.Equal(run2, Assert.Single(await store.TrialSummariesAsync(new TrialQuery(ConfigurationId: "cfg-2"))).RunId);
        Assert.Equal("s2", Assert.Single(await store.TrialSummariesAsync(new TrialQuery(run1, "s2", "cfg-1"))).Key.Scenario);
    }

    [SkippableFact]
    public async Task SaveTrialAsync_ManyConcurrentTasks_StoresEveryTrialOnce()
    {
        await using var store = await OpenStoreAsync();
        await using var second = await OpenSecondAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var results = new ConcurrentBag<bool>();

        // Two store instances on one file stand in for two writers; every key is also saved twice.
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, token) =>
        {
            var target = i % 2 == 0 ? store : second;
            var trial = StoreTestData.FullTrial(runId) with { Key = new TrialKey("s", "A", "m", i / 2) };
            results.Add(await target.SaveTrialAsync(trial, token));
        });

        Assert.Equal(200, results.Count(inserted => inserted));
        Assert.Equal(Enumerable.Range(0, 200), (await store.TrialSummariesAsync()).Select(t => t.Key.Index).Order());
    }

    [SkippableFact]
    public async Task SaveTrialAsync_ExceptionBeforeCommit_LeavesNoPartialTrial()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var trial = StoreTestData.FullTrial(runId);
        SetBeforeCommit(store, _ => throw new IOException("disk went away"));

        await Assert.ThrowsAsync<IOException>(() => store.SaveTrialAsync(trial));
        Assert.Empty(await store.TrialSummariesAsync());
        Assert.Empty(await store.StoredKeysAsync(trial.ConfigurationId));

        SetBeforeCommit(store, null);
        Assert.True(await store.SaveTrialAsync(trial));
        Assert.Single(await store.TrialSummariesAsync());
    }

    [SkippableFact]
    public async Task SaveTrialAsync_CancelledBeforeCommit_LeavesNoPartialTrial()
    {
        await using var store = await OpenStoreAsync();
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        using var cts = new CancellationTokenSource();
        SetBeforeCommit(store, token =>
        {
            cts.Cancel();
            token.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveTrialAsync(StoreTestData.FullTrial(runId), cts.Token));

        Assert.Empty(await store.TrialSummariesAsync());
    }

    [SkippableFact]
    public async Task SaveTrialAsync_UnknownRun_ThrowsAndStoresNothing()
    {
        await using var store = await OpenStoreAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => store.SaveTrialAsync(StoreTestData.Trial("no-such-run", new TrialKey("s", "A", "m", 0))));

        Assert.Empty(await store.TrialSummariesAsync());
    }
}
