using System.Diagnostics;
using System.Text;
using Npgsql;
using Offswitch.IntegrationTests.Cli;
using Offswitch.IntegrationTests.MockProviders;

namespace Offswitch.IntegrationTests.Postgres;

/// <summary>Several `offswitch worker` processes share one plan in a PostgreSQL store.</summary>
public sealed class WorkerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private MockProviderServer? _server;

    public async Task InitializeAsync()
    {
        // A model that answers after a pause and never calls a tool: each trial takes a few model calls and stops at
        // the message limit, long enough that a killed worker always dies holding trials.
        _server = await MockProviderServer.StartAsync();
        _server.Responder = _ => MockResponse.Turn("thinking about it") with { Delay = TimeSpan.FromMilliseconds(150) };
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _dir.Dispose();
    }

    [PostgresFact]
    public async Task Worker_FourWorkersOnOnePlan_StoreEveryTrialOnce()
    {
        var db = await PostgresServer.CreateDatabaseAsync();
        var address = PostgresServer.Address(db);
        var planId = await RegisterAsync(address, ["--model", "reference/comply", "--model", "reference/mixed?p=0.5", "--condition", "A", "--condition", "E", "--trials", "8"]);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            CliProcess.RunAsync(_dir.Path, ["worker", "--db", address, "--plan", planId, "--concurrency", "2", "--name", $"w{i}"], timeout: TimeSpan.FromMinutes(2))));

        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.All));
        var executions = results.Sum(r => CountLines(r.Stdout, "stored "));
        Assert.Equal(32, executions); // no trial ran twice
        var (total, distinct) = await CountTrialsAsync(db);
        Assert.Equal((32L, 32L), (total, distinct));
        Assert.Equal("completed", await ScalarAsync<string>(db, "SELECT status FROM runs"));
        var status = await CliProcess.RunAsync(_dir.Path, ["status", "--db", address]);
        Assert.True(status.ExitCode == 0, status.All);
        Assert.Contains("100.0%", status.Stdout, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Contains($"w{i}", status.Stdout, StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task Worker_TwoOfThreeKilledMidRun_PlanCompletesWithNoDuplicates()
    {
        var db = await PostgresServer.CreateDatabaseAsync();
        var address = PostgresServer.Address(db);
        var model = $"openai-compatible/slow@{_server!.OpenAIBaseUrl}";
        var planId = await RegisterAsync(address, ["--model", model, "--condition", "A", "--trials", "24", "--message-limit", "6"]);
        string[] Worker(string name) => ["worker", "--db", address, "--plan", planId, "--concurrency", "2", "--lease", "2", "--name", name];

        using var doomed1 = Start(Worker("doomed1"));
        using var doomed2 = Start(Worker("doomed2"));
        var survivor = CliProcess.RunAsync(_dir.Path, Worker("survivor"), timeout: TimeSpan.FromMinutes(2));

        // Kill once the doomed workers have each stored something and hold trials in flight.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline
               && (await HeldAsync(db, "doomed1") == 0 || await HeldAsync(db, "doomed2") == 0 || await StoredByAsync(db, "doomed1") == 0 || await StoredByAsync(db, "doomed2") == 0))
        {
            await Task.Delay(50);
        }

        var heldAtDeath = await HeldAsync(db, "doomed1") + await HeldAsync(db, "doomed2");
        doomed1.Kill(entireProcessTree: false); // SIGKILL
        doomed2.Kill(entireProcessTree: false);
        await doomed1.WaitForExitAsync();
        await doomed2.WaitForExitAsync();
        var result = await survivor;

        Assert.True(result.ExitCode == 0, result.All);
        Assert.True(heldAtDeath > 0, "the killed workers held no trials; the test did not exercise lease expiry");
        var (total, distinct) = await CountTrialsAsync(db);
        Assert.Equal((24L, 24L), (total, distinct));
        Assert.Equal(0L, await ScalarAsync<long>(db, "SELECT count(*) FROM plan_trials WHERE state <> 'done'"));
        Assert.True(await ScalarAsync<long>(db, "SELECT count(*) FROM plan_trials WHERE attempts > 1") >= heldAtDeath, "expired leases were not taken over");
    }

    private async Task<string> RegisterAsync(string address, string[] args)
    {
        var result = await CliProcess.RunAsync(_dir.Path, ["run", "shutdown-resistance", .. args, "--db", address, "--plan-only"]);
        Assert.True(result.ExitCode == 0, result.All);
        return result.Stdout.Split('\n').Single(l => l.StartsWith("plan ", StringComparison.Ordinal))[5..].Trim();
    }

    private Process Start(string[] args)
    {
        var process = Process.Start(CliProcess.StartInfo(_dir.Path, args))!;
        process.StandardOutput.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
        process.StandardError.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
        return process;
    }

    private static int CountLines(string text, string prefix) => text.Split('\n').Count(l => l.StartsWith(prefix, StringComparison.Ordinal));

    private static Task<long> HeldAsync(string db, string worker) =>
        ScalarAsync<long>(db, $"SELECT count(*) FROM plan_trials WHERE state = 'claimed' AND worker_id = '{worker}'");

    private static async Task<long> StoredByAsync(string db, string worker) =>
        await ScalarAsync<int?>(db, $"SELECT completed FROM workers WHERE id = '{worker}'") ?? 0;

    private static async Task<(long Total, long Distinct)> CountTrialsAsync(string db) =>
        (await ScalarAsync<long>(db, "SELECT count(*) FROM trials"),
         await ScalarAsync<long>(db, "SELECT count(DISTINCT (condition, model, trial_index)) FROM trials"));

    private static async Task<T> ScalarAsync<T>(string db, string sql)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }
}
