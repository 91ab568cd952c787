using Microsoft.Data.Sqlite;
using Offswitch.IntegrationTests.Cli;

namespace Offswitch.IntegrationTests.Faults;

/// <summary>A store on a disk that fills up mid-run: one clear line, exit 2, the store intact, and the run resumable.</summary>
public sealed class DiskFullTests
{
    [RootFact("a small disk of its own is a tmpfs mount")]
    public async Task Run_DiskFillsUpMidRun_OneLineExitTwoStoreIntactAndResumable()
    {
        using var dir = new TempDirectory();
        var disk = Path.Combine(dir.Path, "disk");
        Directory.CreateDirectory(disk);
        Assert.Equal(0, HostProgram.Run("/usr/bin/mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", disk));
        try
        {
            var db = Path.Combine(disk, "results.db");
            string[] args = ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "A", "--trials", "40", "--db", db, "--quiet"];

            var full = await CliProcess.RunAsync(dir.Path, args);

            Assert.True(full.ExitCode == 2, full.All);
            Assert.Contains("the disk is full (SQLite: database or disk is full)", full.All.ReplaceLineEndings(" "));
            Assert.DoesNotContain("   at ", full.All);
            var stored = Check(db);

            Assert.Equal(0, HostProgram.Run("/usr/bin/mount", "-o", "remount,size=64m", disk));
            var resumed = await CliProcess.RunAsync(dir.Path, args);

            Assert.True(resumed.ExitCode == 0, resumed.All);
            Assert.True(stored < 40, $"{stored} trials fitted: the disk was not small enough to fill");
            Assert.Equal(40, Check(db));
        }
        finally
        {
            HostProgram.Run("/usr/bin/umount", "-l", disk);
        }
    }

    /// <summary>Integrity check of the store and its trial count; every stored trial has its transcript.</summary>
    private static int Check(string db)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        using var integrity = connection.CreateCommand();
        integrity.CommandText = "PRAGMA integrity_check";
        Assert.Equal("ok", integrity.ExecuteScalar());
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*), count(messages_json) FROM trials";
        using var reader = count.ExecuteReader();
        reader.Read();
        Assert.Equal(reader.GetInt32(0), reader.GetInt32(1));
        return reader.GetInt32(0);
    }

}
