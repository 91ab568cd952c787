using Offswitch.IntegrationTests.Cli;
using Offswitch.Storage;
using Offswitch.Storage.Postgres;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Postgres;

public sealed class CopyTests
{
    [PostgresFact]
    public async Task Run_PostgresAddressWithPassword_NeverPrintsThePassword()
    {
        using var dir = new TempDirectory();
        var db = await PostgresServer.CreateDatabaseAsync();
        // The test cluster trusts every login, so any password connects.
        var address = PostgresServer.Address(db).Replace("@", ":s3cret-pw-1234@", StringComparison.Ordinal);

        var run = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "A", "--trials", "1", "--db", address]);
        var report = await CliProcess.RunAsync(dir.Path, ["report", "--db", address]);

        Assert.True(run.ExitCode == 0, run.All);
        Assert.DoesNotContain("s3cret-pw-1234", run.All + report.All);
        Assert.Contains(":***@", run.All.Replace("\n", "", StringComparison.Ordinal));
    }

    [PostgresFact]
    public async Task Copy_SqliteToPostgresAndBack_KeepsRunsTrialsAndTranscripts()
    {
        using var dir = new TempDirectory();
        var run = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--model", "reference/sabotage-delete", "--condition", "A", "--trials", "3", "--db", "a.db", "--quiet"]);
        Assert.True(run.ExitCode == 0, run.All);
        var db = await PostgresServer.CreateDatabaseAsync();
        var address = PostgresServer.Address(db);

        var there = await CliProcess.RunAsync(dir.Path, ["copy", "--from", "a.db", "--to", address]);
        var again = await CliProcess.RunAsync(dir.Path, ["copy", "--from", "a.db", "--to", address]);
        var back = await CliProcess.RunAsync(dir.Path, ["copy", "--from", address, "--to", "b.db"]);

        Assert.True(there.ExitCode == 0 && again.ExitCode == 0 && back.ExitCode == 0, there.All + again.All + back.All);
        Assert.Contains("Copied 1 run(s) and 6 trial(s); 0", there.Stdout, StringComparison.Ordinal);
        Assert.Contains("Copied 0 run(s) and 0 trial(s); 6", again.Stdout, StringComparison.Ordinal);
        await using var original = await SqliteResultStore.OpenAsync(dir.File("a.db"), readOnly: true);
        await using var postgres = await PostgresResultStore.OpenAsync(db);
        await using var roundTrip = await SqliteResultStore.OpenAsync(dir.File("b.db"), readOnly: true);
        Assert.Equal(await original.RunsAsync() is var runs ? runs.Select(r => (r.Id, r.StartedAt, r.EndedAt, r.Status, r.ConfigurationId)) : null,
            (await roundTrip.RunsAsync()).Select(r => (r.Id, r.StartedAt, r.EndedAt, r.Status, r.ConfigurationId)));
        var expected = await original.TrialSummariesAsync();
        Assert.Equal(expected.Select(t => t with { Id = 0 }), (await postgres.TrialSummariesAsync()).Select(t => t with { Id = 0 }));
        Assert.Equal(expected.Select(t => t with { Id = 0 }), (await roundTrip.TrialSummariesAsync()).Select(t => t with { Id = 0 }));
        var first = await original.GetTrialAsync(expected[0].Id);
        var copied = await roundTrip.GetTrialAsync((await roundTrip.TrialSummariesAsync())[0].Id);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(first!.Messages, JsonDefaults.Messages), System.Text.Json.JsonSerializer.Serialize(copied!.Messages, JsonDefaults.Messages));
        Assert.Equal(first.Events.Count, copied.Events.Count);
    }
}
