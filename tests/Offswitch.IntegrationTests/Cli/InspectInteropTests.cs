using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Offswitch.IntegrationTests.Cli;

public sealed class InspectInteropTests
{
    [Fact]
    public async Task ExportImport_ReferenceAgentShutdownRun_ReproducesOutcomesAndMessageCounts()
    {
        using var dir = new TempDirectory();
        var run = await CliProcess.RunAsync(dir.Path,
        [
            "run", "shutdown-resistance", "--model", "reference/comply", "--model", "reference/sabotage-rename", "--model", "reference/submit-early",
            "--condition", "A", "--condition", "E", "--trials", "2", "--quiet",
        ]);
        Assert.True(run.ExitCode == 0, run.All);
        var stored = StoredTrials(dir.File("offswitch.db"));
        Assert.Equal(12, stored.Count);

        var export = await CliProcess.RunAsync(dir.Path, ["export", "--format", "inspect", "--out", "logs"]);
        Assert.True(export.ExitCode == 0, export.All);

        var files = Directory.GetFiles(dir.File("logs"), "*.eval").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, files.Count);
        foreach (var file in files)
        {
            var problems = InspectRequiredFields.Check(Path.GetFileName(file), await File.ReadAllBytesAsync(file));
            Assert.True(problems.Count == 0, $"{Path.GetFileName(file)}:\n{string.Join("\n", problems)}");
            Assert.All(InspectRequiredFields.CentralDirectory(await File.ReadAllBytesAsync(file)), e => Assert.Equal(8, e.Method));
        }

        var import = await CliProcess.RunAsync(dir.Path, ["import", "--format", "inspect", .. files, "--json", "--db", "imported.db"]);
        Assert.True(import.ExitCode == 0, import.All);
        using var json = JsonDocument.Parse(import.Stdout);
        var seen = 0;
        foreach (var log in json.RootElement.GetProperty("logs").EnumerateArray())
        {
            Assert.Equal("shutdown-resistance", log.GetProperty("scenario").GetString());
            Assert.Contains("needs the live environment", log.GetProperty("rescoring").GetString());
            var model = log.GetProperty("model").GetString()!;
            foreach (var sample in log.GetProperty("samples").EnumerateArray())
            {
                var key = (model, sample.GetProperty("condition").GetString()!, sample.GetProperty("index").GetInt32());
                var original = stored[key];
                Assert.Equal(original.Outcome, sample.GetProperty("outcome").GetString());
                Assert.Equal(original.Technique, sample.TryGetProperty("technique", out var technique) ? technique.GetString() : null);
                Assert.Equal(original.Messages, sample.GetProperty("messages").GetInt32());
                Assert.Equal(original.Messages, sample.GetProperty("log_messages").GetInt32());
                Assert.Equal("log_score", sample.GetProperty("outcome_source").GetString());
                Assert.True(sample.GetProperty("is_control").GetBoolean());
                seen++;
            }
        }

        Assert.Equal(stored.Count, seen);
        Assert.Contains(stored.Values, t => t.Outcome == "complied");
        Assert.Contains(stored.Values, t => t.Outcome == "resisted");
        Assert.Contains(stored.Values, t => t.Outcome == "no_shutdown");

        // Stored imports keep their outcomes and message counts, under a model key that marks them imported.
        var imported = StoredTrials(dir.File("imported.db"));
        Assert.Equal(stored.Count, imported.Count);
        foreach (var ((model, condition, index), original) in stored)
        {
            var copy = imported[("imported:" + model, condition, index)];
            Assert.Equal(original.Outcome, copy.Outcome);
            Assert.Equal(original.Messages, copy.Messages);
        }
    }

    [Fact]
    public async Task Import_FileThatIsNotALog_ExitsTwo()
    {
        using var dir = new TempDirectory();
        await File.WriteAllTextAsync(dir.File("x.eval"), "not a zip");
        var result = await CliProcess.RunAsync(dir.Path, ["import", "--format", "inspect", "x.eval"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not an Inspect .eval log", result.All);
    }

    [Fact]
    public async Task Import_EntryHoldingAHugeString_ExitsTwoWithoutRunningOutOfMemory()
    {
        // 160 MB of one character compress to a few hundred KB; the importer stops at its 128 MiB cap.
        using var dir = new TempDirectory();
        await using (var file = File.Create(dir.File("huge.eval")))
        using (var zip = new System.IO.Compression.ZipArchive(file, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using (var header = new StreamWriter(zip.CreateEntry("header.json").Open()))
                await header.WriteAsync("""{"version":2,"status":"success","eval":{"created":"2025-06-13T18:43:55-07:00","task":"t","dataset":{},"model":"m","config":{}}}""");
            await using var sample = new StreamWriter(zip.CreateEntry("samples/1_epoch_1.json").Open());
            await sample.WriteAsync("{\"id\":1,\"epoch\":1,\"input\":\"");
            var chunk = new string('x', 1 << 20);
            for (var i = 0; i < 160; i++)
                await sample.WriteAsync(chunk);
            await sample.WriteAsync("\",\"target\":\"\"}");
        }

        var result = await CliProcess.RunAsync(dir.Path, ["import", "--format", "inspect", "huge.eval", "--db", dir.File("store.db")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("decompresses to more than 128 MiB", result.All);
        Assert.DoesNotContain("OutOfMemory", result.All);
        Assert.DoesNotContain("   at ", result.All);
    }

    private sealed record Stored(string Outcome, string? Technique, int Messages);

    private static Dictionary<(string Model, string Condition, int Index), Stored> StoredTrials(string db)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT model, condition, trial_index, outcome, technique, json_array_length(messages_json) FROM trials";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<(string, string, int), Stored>();
        while (reader.Read())
        {
            result[(reader.GetString(0), reader.GetString(1), reader.GetInt32(2))] =
                new Stored(reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5));
        }

        return result;
    }
}
