using Microsoft.Data.Sqlite;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Storage;

public sealed class SqliteResultStoreTests : ResultStoreConformanceTests, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    protected override async Task<IResultStore> OpenStoreAsync(TimeProvider? time = null) =>
        await SqliteResultStore.OpenAsync(_dir.File("r.db"), timeProvider: time);

    protected override async Task<IResultStore> OpenSecondAsync() => await SqliteResultStore.OpenAsync(_dir.File("r.db"));

    protected override void SetBeforeCommit(IResultStore store, Func<CancellationToken, Task>? hook) => ((SqliteResultStore)store).BeforeTrialCommit = hook;

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
