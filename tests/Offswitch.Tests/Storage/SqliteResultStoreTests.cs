using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.Storage;

namespace Offswitch.Tests.Storage;

public sealed class SqliteResultStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task SaveTrialAsync_FullRecord_RoundTripsEveryField()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
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

    [Fact]
    public async Task TrialSummariesAsync_FullRecord_CarriesSummaryFields()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var trial = StoreTestData.FullTrial(runId);
        await store.SaveTrialAsync(trial);

        var summary = Assert.Single(await store.TrialSummariesAsync());

        Assert.Equal(
            new TrialSummary(summary.Id, runId, trial.ConfigurationId, trial.Key, true, TrialStatus.Error, "resisted", "script-deleted",
                "provider returned 500 twice", new Usage(1200, 340, 77, 3), trial.StartedAt, trial.EndedAt) { Scores = summary.Scores },
            summary);
        Assert.Equal(trial.Scores.OrderBy(p => p.Key), summary.Scores.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task GetTrialAsync_UnknownId_ReturnsNull()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));

        Assert.Null(await store.GetTrialAsync(42));
    }

    [Fact]
    public async Task SaveTrialAsync_SameKeyTwice_KeepsFirstAndReturnsFalse()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var key = new TrialKey("s", "A", "m", 0);

        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, outcome: "complied")));
        Assert.False(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, outcome: "resisted")));

        Assert.Equal("complied", Assert.Single(await store.TrialSummariesAsync()).Outcome);
    }

    [Fact]
    public async Task SaveTrialAsync_SameKeyOtherConfiguration_StoresBoth()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var key = new TrialKey("s", "A", "m", 0);

        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, "cfg-1")));
        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, key, "cfg-2")));

        Assert.Equal(2, (await store.TrialSummariesAsync()).Count);
    }

    [Fact]
    public async Task StoredKeysAsync_TwoConfigurations_ReturnsOnlyThatConfigurationsKeys()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
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

    [Fact]
    public async Task BeginRunAsync_ThenEndRunAsync_RecordsPlanTimesAndStatus()
    {
        var time = new ManualTime(StoreTestData.T0);
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"), timeProvider: time);
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

    [Fact]
    public async Task RunsAsync_SeveralRuns_OldestFirst()
    {
        var time = new ManualTime(StoreTestData.T0);
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"), timeProvider: time);
        var ids = new List<string>();
        foreach (var minutes in new[] { 10, 0, 5 })
        {
            time.Now = StoreTestData.T0.AddMinutes(minutes);
            ids.Add(await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0"));
        }

        Assert.Equal([ids[1], ids[2], ids[0]], (await store.RunsAsync()).Select(r => r.Id));
    }

    [Fact]
    public async Task EndRunAsync_UnknownRun_Throws()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.EndRunAsync("nope", RunStatuses.Completed));
    }

    [Fact]
    public async Task TrialSummariesAsync_Query_FiltersByRunScenarioAndConfiguration()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
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

    [Fact]
    public async Task SaveTrialAsync_ManyConcurrentTasks_StoresEveryTrialOnce()
    {
        var path = _dir.File("r.db");
        await using var store = await SqliteResultStore.OpenAsync(path);
        await using var second = await SqliteResultStore.OpenAsync(path);
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

    [Fact]
    public async Task SaveTrialAsync_ExceptionBeforeCommit_LeavesNoPartialTrial()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        var trial = StoreTestData.FullTrial(runId);
        store.BeforeTrialCommit = _ => throw new IOException("disk went away");

        await Assert.ThrowsAsync<IOException>(() => store.SaveTrialAsync(trial));
        Assert.Empty(await store.TrialSummariesAsync());
        Assert.Empty(await store.StoredKeysAsync(trial.ConfigurationId));

        store.BeforeTrialCommit = null;
        Assert.True(await store.SaveTrialAsync(trial));
        Assert.Single(await store.TrialSummariesAsync());
    }

    [Fact]
    public async Task SaveTrialAsync_CancelledBeforeCommit_LeavesNoPartialTrial()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        using var cts = new CancellationTokenSource();
        store.BeforeTrialCommit = token =>
        {
            cts.Cancel();
            token.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveTrialAsync(StoreTestData.FullTrial(runId), cts.Token));

        Assert.Empty(await store.TrialSummariesAsync());
    }

    [Fact]
    public async Task SaveTrialAsync_UnknownRun_ThrowsAndStoresNothing()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));

        await Assert.ThrowsAsync<SqliteException>(() => store.SaveTrialAsync(StoreTestData.Trial("no-such-run", new TrialKey("s", "A", "m", 0))));

        Assert.Empty(await store.TrialSummariesAsync());
    }

    [Fact]
    public async Task TrialSummariesAsync_ReaderDuringOpenWriteTransaction_SeesLastCommittedState()
    {
        var path = _dir.File("r.db");
        await using var writer = await SqliteResultStore.OpenAsync(path);
        var runId = await writer.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        await writer.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("s", "A", "m", 0)));
        await using var reader = await SqliteResultStore.OpenAsync(path, readOnly: true);
        var inTransaction = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.BeforeTrialCommit = async _ =>
        {
            inTransaction.SetResult();
            await release.Task;
        };

        var save = writer.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("s", "A", "m", 1)));
        await inTransaction.Task;
        var during = await reader.TrialSummariesAsync();
        release.SetResult();
        Assert.True(await save);
        var after = await reader.TrialSummariesAsync();

        Assert.Single(during);
        Assert.Equal(2, after.Count);
    }

    [Fact]
    public async Task OpenAsync_ReadOnlyExistingStore_ReadsAndRefusesWrites()
    {
        var path = _dir.File("r.db");
        await using (var writer = await SqliteResultStore.OpenAsync(path))
        {
            var runId = await writer.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
            await writer.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("s", "A", "m", 0)));
        }

        await using var reader = await SqliteResultStore.OpenAsync(path, readOnly: true);

        Assert.Single(await reader.TrialSummariesAsync());
        Assert.Single(await reader.RunsAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => reader.BeginRunAsync(StoreTestData.Plan(), "0.1.0"));
    }

    [Fact]
    public async Task OpenAsync_ReadOnlyMissingFile_ThrowsWithoutCreatingIt()
    {
        var path = _dir.File("missing/r.db");

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(path, readOnly: true));

        Assert.Contains($"no store at {path}", ex.Message);
        Assert.Contains("run `offswitch run` first", ex.Message);
        Assert.False(File.Exists(path));
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public async Task OpenAsync_MissingFileInMissingDirectory_CreatesStoreInWalMode()
    {
        var path = _dir.File("nested/deeper/r.db");

        await using (var store = await SqliteResultStore.OpenAsync(path))
        {
            Assert.Empty(await store.RunsAsync());
        }

        await using var connection = OpenRaw(path);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)SqliteSchema.CurrentVersion, Scalar(connection, "SELECT max(version) FROM schema_version"));
        Assert.Equal((long)SqliteSchema.CurrentVersion, Scalar(connection, "SELECT count(*) FROM schema_version"));
    }

    [Fact]
    public async Task OpenAsync_Version1Store_ReadableReadOnlyThenMigratedWithUnknownCosts()
    {
        var path = _dir.File("v1.db");
        var key = new TrialKey("shutdown-resistance", "A", "openai/o3", 0);
        await using (var store = await SqliteResultStore.OpenAsync(path))
        {
            var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
            await store.SaveTrialAsync(StoreTestData.Trial(runId, key) with { CostUsd = 0.5 });
        }

        // What a store written by a version-1 build looks like: no cost column, schema version 1.
        await using (var raw = OpenRaw(path))
        {
            await using var downgrade = raw.CreateCommand();
            downgrade.CommandText = "ALTER TABLE trials DROP COLUMN cost_usd; DELETE FROM schema_version WHERE version = 2;";
            downgrade.ExecuteNonQuery();
        }

        await using (var reader = await SqliteResultStore.OpenAsync(path, readOnly: true))
        {
            var old = Assert.Single(await reader.TrialSummariesAsync());
            Assert.Null(old.CostUsd);
            Assert.Null((await reader.GetTrialAsync(old.Id))!.CostUsd);
        }

        await using (var writer = await SqliteResultStore.OpenAsync(path))
        {
            var runId = await writer.BeginRunAsync(StoreTestData.Plan(), "0.2.0");
            await writer.SaveTrialAsync(StoreTestData.Trial(runId, key with { Index = 1 }) with { CostUsd = 0.25 });
            var trials = await writer.TrialSummariesAsync();
            Assert.Equal([null, 0.25], trials.Select(t => t.CostUsd));
        }

        await using var connection = OpenRaw(path);
        Assert.Equal(2L, Scalar(connection, "SELECT max(version) FROM schema_version"));
    }

    [Fact]
    public async Task OpenAsync_ExistingStoreReopened_KeepsDataAndAppliesNoMigrationTwice()
    {
        var path = _dir.File("r.db");
        await using (var store = await SqliteResultStore.OpenAsync(path))
        {
            await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");
        }

        await using (var store = await SqliteResultStore.OpenAsync(path))
        {
            await store.InitializeAsync();
            Assert.Single(await store.RunsAsync());
        }

        await using var connection = OpenRaw(path);
        Assert.Equal((long)SqliteSchema.CurrentVersion, Scalar(connection, "SELECT count(*) FROM schema_version"));
    }

    [Fact]
    public async Task OpenAsync_EmptyFile_BecomesStore()
    {
        var path = _dir.File("r.db");
        await File.WriteAllBytesAsync(path, []);

        await using var store = await SqliteResultStore.OpenAsync(path);

        Assert.Empty(await store.RunsAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAsync_TextFile_ThrowsAndLeavesFileUntouched(bool readOnly)
    {
        var path = _dir.File("notes.txt");
        await File.WriteAllTextAsync(path, "These are my notes, not a database.\n");
        var before = await File.ReadAllBytesAsync(path);

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(path, readOnly));

        Assert.Contains(path, ex.Message);
        Assert.Contains("not an SQLite database", ex.Message);
        Assert.Contains("Fix:", ex.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
        Assert.Equal(["notes.txt"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAsync_ForeignSqliteDatabase_ThrowsAndLeavesFileUntouched(bool readOnly)
    {
        var path = _dir.File("other.db");
        using (var connection = OpenRaw(path))
        {
            Execute(connection, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada');");
        }

        var before = await File.ReadAllBytesAsync(path);

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(path, readOnly));

        Assert.Contains(path, ex.Message);
        Assert.Contains("not an Offswitch store", ex.Message);
        Assert.Contains("Fix:", ex.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task OpenAsync_ForeignDatabaseWithSchemaVersionTable_Throws()
    {
        // A table of that name alone does not make a store: the header's application id must match too.
        var path = _dir.File("other.db");
        using (var connection = OpenRaw(path))
        {
            Execute(connection, "CREATE TABLE schema_version (version INTEGER); INSERT INTO schema_version VALUES (1);");
        }

        var before = await File.ReadAllBytesAsync(path);

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(path));

        Assert.Contains("not an Offswitch store", ex.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAsync_NewerSchemaVersion_ThrowsAndLeavesFileUntouched(bool readOnly)
    {
        var path = _dir.File("r.db");
        await (await SqliteResultStore.OpenAsync(path)).DisposeAsync();
        using (var connection = OpenRaw(path))
        {
            Execute(connection, "INSERT INTO schema_version (version, applied_at) VALUES (99, 'later'); PRAGMA wal_checkpoint(TRUNCATE);");
        }

        var before = await File.ReadAllBytesAsync(path);

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(path, readOnly));

        Assert.Contains(path, ex.Message);
        Assert.Contains("schema version 99", ex.Message);
        Assert.Contains("newer Offswitch", ex.Message);
        Assert.Equal(before, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task OpenAsync_EmptySchemaVersionTable_ThrowsUnknownVersion()
    {
        var path = _dir.File("r.db");
        await (await SqliteResultStore.OpenAsync(path)).DisposeAsync();
        using (var connection = OpenRaw(path))
        {
            Execute(connection, "DELETE FROM schema_version;");
        }

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(path));

        Assert.Contains("no valid version", ex.Message);
    }

    [Fact]
    public async Task OpenAsync_Directory_Throws()
    {
        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(_dir.Path));

        Assert.Contains("is a directory", ex.Message);
    }

    [Fact]
    public async Task OpenAsync_ParentIsAFile_ThrowsUnwritableLocation()
    {
        var blocker = _dir.File("blocker");
        await File.WriteAllTextAsync(blocker, "x");

        var ex = await Assert.ThrowsAsync<StoreUnavailableException>(() => SqliteResultStore.OpenAsync(Path.Combine(blocker, "r.db")));

        Assert.Contains(Path.Combine(blocker, "r.db"), ex.Message);
        Assert.Contains("cannot be created", ex.Message);
        Assert.Equal("x", await File.ReadAllTextAsync(blocker));
    }

    [Fact]
    public async Task SaveTrialAsync_BeforeInitialize_InitializesOnFirstUse()
    {
        await using var store = new SqliteResultStore(_dir.File("r.db"));
        var runId = await store.BeginRunAsync(StoreTestData.Plan(), "0.1.0");

        Assert.True(await store.SaveTrialAsync(StoreTestData.Trial(runId, new TrialKey("s", "A", "m", 0))));
    }

    [Fact]
    public async Task OpenAsync_NewStore_DeclaresRunReferenceUniqueKeyAndIndexes()
    {
        await using var store = await SqliteResultStore.OpenAsync(_dir.File("r.db"));
        await using var connection = OpenRaw(store.Path);

        var sql = (string)Scalar(connection, "SELECT sql FROM sqlite_schema WHERE name = 'trials'")!;

        Assert.Contains("REFERENCES runs", sql);
        Assert.Contains("UNIQUE (configuration_id, scenario, condition, model, trial_index)", sql);
        Assert.Equal(3L, Scalar(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN ('trials_by_run', 'trials_by_cell', 'runs_by_start')"));
    }

    private static SqliteConnection OpenRaw(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
