using Offswitch.Experiments;
using Offswitch.Storage;
using Offswitch.Storage.Postgres;

namespace Offswitch.IntegrationTests.Postgres;

public sealed class PostgresResultStoreTests : ResultStoreConformanceTests
{
    private string? _database;

    protected override async Task<IResultStore> OpenStoreAsync(TimeProvider? time = null)
    {
        Skip.If(PostgresServer.SkipReason is not null, PostgresServer.SkipReason);
        return await PostgresResultStore.OpenAsync(_database ??= await PostgresServer.CreateDatabaseAsync(), time);
    }

    protected override async Task<IResultStore> OpenSecondAsync() => await OpenStoreAsync();

    protected override void SetBeforeCommit(IResultStore store, Func<CancellationToken, Task>? hook) => ((PostgresResultStore)store).BeforeTrialCommit = hook;

    [PostgresFact]
    public async Task OpenAsync_TwoStoresAtOnceOnEmptyDatabase_MigrateOnce()
    {
        var database = await PostgresServer.CreateDatabaseAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresResultStore.OpenAsync(database)));
        await using var check = new Npgsql.NpgsqlConnection(database);
        await check.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM schema_version", check);
        var versions = (long)(await command.ExecuteScalarAsync())!;
        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }

        Assert.Equal(1, versions);
    }

    [PostgresFact]
    public async Task OpenAsync_DatabaseWithForeignRunsTable_RefusesAndLeavesItUntouched()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        await using (var connection = new Npgsql.NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("CREATE TABLE runs (x int)", connection);
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => PostgresResultStore.OpenAsync(database));

        Assert.Contains("no Offswitch schema version", error.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task ClaimAsync_TwoWorkersAtOnce_NeverGetTheSameTrialAndExpiredLeasesComeBack()
    {
        await using var store = await PostgresResultStore.OpenAsync(await PostgresServer.CreateDatabaseAsync());
        var plan = new ExperimentPlan { Scenario = "s", Conditions = ["A", "B"], Models = ["m"], Trials = 10, Seed = 1 };
        var queued = await store.RegisterPlanAsync(plan, "0.1.0");

        var claims = await Task.WhenAll(store.ClaimAsync("w1", queued.Id, 7, TimeSpan.FromMinutes(1)), store.ClaimAsync("w2", queued.Id, 7, TimeSpan.FromMilliseconds(1)));
        var w1 = claims[0];
        var w2 = claims[1];

        Assert.Equal(20, queued.Queued);
        Assert.Equal(14, w1.Count + w2.Count);
        Assert.Empty(w1.Select(c => c.Key).Intersect(w2.Select(c => c.Key)));
        await Task.Delay(50); // w2's 1 ms leases are past on the server's clock
        var third = await store.ClaimAsync("w3", queued.Id, 100, TimeSpan.FromMinutes(1));
        Assert.Equal(6 + w2.Count, third.Count);
        Assert.Equal(0, await store.RenewAsync("w2", w2, TimeSpan.FromMinutes(1)));
        Assert.Equal(w1.Count, await store.RenewAsync("w1", w1, TimeSpan.FromMinutes(1)));
    }
}
