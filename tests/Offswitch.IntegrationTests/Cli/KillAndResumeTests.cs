using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Offswitch.IntegrationTests.Cli;

/// <summary>kill -9 in the middle of a run loses at most in-flight trials; a rerun completes the plan with no duplicates.</summary>
public sealed class KillAndResumeTests
{
    [Fact]
    public async Task Run_KilledMidRunThenRerun_StoresEveryPlannedTrialOnce()
    {
        using var dir = new TempDirectory();
        string[] args = ["run", "shutdown-resistance", "--model", "reference/comply", "--model", "reference/mixed?p=0.5",
            "--condition", "A", "--condition", "E", "--trials", "4", "--concurrency", "3", "--db", "runs.db"];
        const int planned = 2 * 2 * 4;
        var db = dir.File("runs.db");

        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var process = Process.Start(CliProcess.StartInfo(dir.Path, args))!;
            process.StandardOutput.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
            process.StandardError.BaseStream.CopyToAsync(Stream.Null).ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter();
            var target = Math.Min(planned - 1, (attempt + 1) * 3);
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (!process.HasExited && SafeCount(db) < target && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false); // SIGKILL to the CLI only: its sandboxes must die with it.
            }

            await process.WaitForExitAsync();
        }

        var final = await CliProcess.RunAsync(dir.Path, args);
        Assert.True(final.ExitCode == 0, final.All);

        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT condition || '|' || model || '|' || trial_index) FROM trials";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(planned, reader.GetInt64(0));
        Assert.Equal(planned, reader.GetInt64(1));

        using var complete = connection.CreateCommand();
        complete.CommandText = "SELECT COUNT(*) FROM trials WHERE outcome IS NULL OR messages_json IS NULL OR json_valid(messages_json) = 0 OR json_valid(events_json) = 0";
        Assert.Equal(0L, (long)complete.ExecuteScalar()!);
    }

    private static long SafeCount(string db)
    {
        if (!File.Exists(db))
        {
            return 0;
        }

        try
        {
            return CliTests.CountTrials(db);
        }
        catch (SqliteException)
        {
            return 0;
        }
    }
}
