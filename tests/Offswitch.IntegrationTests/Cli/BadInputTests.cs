using System.Text;

namespace Offswitch.IntegrationTests.Cli;

/// <summary>
/// Every kind of bad input: one clear message, exit code 2, and a store that was there is left byte for byte as it
/// was. The same table generates docs/bad-input.md (set OFFSWITCH_UPDATE_DOCS=1 to rewrite it).
/// </summary>
public sealed class BadInputTests
{
    /// <summary>One case: a name, the files it needs, the arguments, environment changes and the message expected.</summary>
    public sealed record Case(string Name, string[] Args, string Expected, Dictionary<string, string>? Files = null, Dictionary<string, string?>? Environment = null);

    private const string Store = "results.db";

    public static readonly IReadOnlyList<Case> Cases =
    [
        new("unknown scenario", ["run", "no-such", "--model", "reference/comply"], "Unknown scenario 'no-such'"),
        new("unknown condition", ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "Z"], "Unknown condition 'Z' for scenario 'shutdown-resistance'"),
        new("unknown model provider", ["run", "shutdown-resistance", "--model", "foo/bar"], "Unknown model provider 'foo' in 'foo/bar'"),
        new("unknown reference agent", ["run", "shutdown-resistance", "--model", "reference/no-such-control"], "no-such-control"),
        new("missing replay file", ["run", "shutdown-resistance", "--model", "replay:absent.jsonl"], "replay file 'absent.jsonl' not found"),
        new("no model", ["run", "shutdown-resistance"], "No model given"),
        new("no scenario", ["run", "--model", "reference/comply"], "No scenario given"),
        new("non-numeric flag value", ["run", "shutdown-resistance", "--model", "reference/comply", "--trials", "abc"], "invalid option value: abc is not a valid value for Int32"),
        new("zero trials", ["run", "shutdown-resistance", "--model", "reference/comply", "--trials", "0"], "--trials must be at least 1 (got 0)"),
        new("zero concurrency", ["run", "shutdown-resistance", "--model", "reference/comply", "--concurrency", "0"], "--concurrency must be at least 1 (got 0)"),
        new("unknown flag", ["run", "shutdown-resistance", "--model", "reference/comply", "--nope"], "Unknown option 'nope'"),
        new("malformed scenario option", ["run", "shutdown-resistance", "--model", "reference/comply", "-o", "novalue"], "Scenario option 'novalue' must look like KEY=VALUE"),
        new("missing spec file", ["run", "--spec", "absent.yaml"], "Cannot read spec file absent.yaml"),
        new("empty spec file", ["run", "--spec", "s.yaml"], "Spec file s.yaml is empty", Files: new() { ["s.yaml"] = "" }),
        new("spec: YAML syntax error", ["run", "--spec", "s.yaml"], "Spec file s.yaml is not a valid spec (line 3", Files: new() { ["s.yaml"] = "scenario: shutdown-resistance\nmodels: [reference/comply\n" }),
        new("spec: unknown key", ["run", "--spec", "s.yaml"], "unknown key 'model'", Files: new() { ["s.yaml"] = "scenario: shutdown-resistance\nmodel: reference/comply\n" }),
        new("spec: wrong type", ["run", "--spec", "s.yaml"], "a value has the wrong type", Files: new() { ["s.yaml"] = "scenario: shutdown-resistance\nmodels: [reference/comply]\ntrials: many\n" }),
        new("spec: wrong shape", ["run", "--spec", "s.yaml"], "a value has the wrong shape", Files: new() { ["s.yaml"] = "scenario: shutdown-resistance\nmodels: reference/comply\n" }),
        new("spec: unknown condition", ["run", "--spec", "s.yaml"], "Unknown condition 'Q'", Files: new() { ["s.yaml"] = "scenario: shutdown-resistance\nmodels: [reference/comply]\nconditions: [Q]\n" }),
        new("condition outside the published batch rule", ["run", "blackmail", "--model", "reference/blackmail-blunt", "--condition", "none-america-replacement"], "goal type 'none' takes only goal value 'none'"),
        new("missing template directory", ["run", "blackmail", "--model", "reference/blackmail-blunt", "--option", "templates=absent-dir"], "no such directory"),
        new("scripted control as judge", ["run", "blackmail", "--model", "reference/blackmail-blunt", "--judge", "reference/comply"], "a scripted control cannot judge"),
        new("unknown judge provider", ["run", "blackmail", "--model", "reference/blackmail-blunt", "--judge", "foo/bar"], "Unknown model provider 'foo' in 'foo/bar'"),
        new("scripted control as reasoning judge", ["run", "shutdown-resistance", "--model", "reference/comply", "--reasoning-judge", "reference/comply"], "a scripted control cannot judge"),
        new("unknown scripted reasoning", ["run", "shutdown-resistance", "--model", "reference/comply?reasoning=angry"], "reasoning=angry: use one of self-preservation"),
        new("malformed question file", ["run", "shutdown-resistance", "--model", "reference/comply", "--interrogate", "q.yaml"], "Question file q.yaml is not a valid question set", Files: new() { ["q.yaml"] = "questions: 3\n" }),
        new("unknown scenario option value", ["run", "oversight-subversion", "--model", "reference/os-sed-false", "-o", "world=atlantis"], "Unknown world 'atlantis'"),
        new("unknown scenario option name", ["run", "shutdown-resistance", "--model", "reference/comply", "-o", "observe-afterbypass=true"], "Unknown option 'observe-afterbypass' for scenario 'shutdown-resistance' (it takes observe-after-bypass)"),
        new("flag option not true or false", ["run", "shutdown-resistance", "--model", "reference/comply", "-o", "observe-after-bypass=yes"], "Option observe-after-bypass takes true or false, not 'yes'"),
        new("missing API key", ["run", "shutdown-resistance", "--model", "openai/gpt-4.1", "--db", Store], "OPENAI_API_KEY", Environment: new() { ["OPENAI_API_KEY"] = null }),
        new("bubblewrap missing", ["run", "shutdown-resistance", "--model", "reference/comply", "--db", Store], "apt-get install bubblewrap", Environment: new() { ["OFFSWITCH_BWRAP"] = "/nonexistent" }),
        new("store: not a database", ["report", "--db", "notes.db"], "notes.db", Files: new() { ["notes.db"] = "these are my notes, not a database\n" }),
        new("store: not an Offswitch store", ["report", "--db", "other.db"], "not an Offswitch store", Files: new() { ["other.db"] = "@sqlite:CREATE TABLE x(a);" }),
        new("store: newer schema version", ["run", "shutdown-resistance", "--model", "reference/comply", "--db", "future.db"], "newer than the versions this build knows", Files: new() { ["future.db"] = "@store:99" }),
        new("store: missing (report)", ["report", "--db", "absent.db"], "no store at"),
        new("horizon: missing runs table", ["horizon", "absent.jsonl"], "Runs table 'absent.jsonl' not found"),
        new("horizon: malformed JSON line", ["horizon", "runs.jsonl"], "runs.jsonl, line 2: not valid JSON", Files: new() { ["runs.jsonl"] = "{\"task_id\": \"t\", \"task_family\": \"f\", \"alias\": \"m\", \"score_binarized\": 1, \"human_minutes\": 3}\n{oops\n" }),
        new("horizon: missing column", ["horizon", "runs.csv"], "Runs table 'runs.csv' has no human minutes column (expected 'human_minutes'", Files: new() { ["runs.csv"] = "task_id,task_family,alias,score_binarized\nt,f,m,1\n" }),
        new("horizon: no table and no store", ["horizon"], "Give either a runs table"),
        new("horizon: store without timed tasks", ["horizon", "--store", Store], "No counted trials of horizon-tasks"),
    ];

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Cli_BadInput_OneMessageExitTwoStoreUntouched(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        using var dir = new TempDirectory();
        foreach (var (file, content) in c.Files ?? [])
        {
            await WriteFixtureAsync(dir.File(file), content);
        }

        // A store from an earlier run sits next to every case: whatever the mistake, it must not change.
        var existing = dir.File("existing.db");
        await WriteFixtureAsync(existing, "@store:current");
        var before = Snapshot(dir.Path);

        var args = c.Args.Select(a => a == Store ? existing : a).ToArray();
        var result = await CliProcess.RunAsync(dir.Path, args, c.Environment);

        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}\n{result.All}");
        // Messages are wrapped at the console width: compare with whitespace runs collapsed.
        Assert.Contains(c.Expected, System.Text.RegularExpressions.Regex.Replace(result.All, @"\s+", " "));
        Assert.DoesNotContain("unexpected error", result.All);
        Assert.DoesNotContain("   at ", result.All);
        var after = Snapshot(dir.Path);
        foreach (var (file, hash) in before)
        {
            Assert.True(after.TryGetValue(file, out var now) && now == hash, $"{file} changed");
        }

        // Opening a newer store for writing leaves SQLite's empty -wal/-shm beside it (the store itself is unchanged).
        Assert.All(after.Keys.Except(before.Keys), f => Assert.True(f.EndsWith("-wal", StringComparison.Ordinal) || f.EndsWith("-shm", StringComparison.Ordinal), f));
    }

    [Fact]
    public async Task Docs_BadInputTable_MatchesTheCases()
    {
        var rows = new StringBuilder();
        rows.AppendLine("# Bad input");
        rows.AppendLine();
        rows.AppendLine("Generated from `tests/Offswitch.IntegrationTests/Cli/BadInputTests.cs` (`OFFSWITCH_UPDATE_DOCS=1 ./test.sh` rewrites it);");
        rows.AppendLine("each row is a test: the CLI prints one message containing the text shown, exits with code 2, and leaves every");
        rows.AppendLine("file in its directory (including an existing store) byte for byte unchanged.");
        rows.AppendLine();
        rows.AppendLine("| Case | Command | Message contains |");
        rows.AppendLine("|---|---|---|");
        foreach (var c in Cases)
        {
            var env = string.Join(' ', (c.Environment ?? []).Select(e => e.Value is null ? $"(no {e.Key})" : $"{e.Key}={e.Value}"));
            var command = (env.Length > 0 ? env + " " : "") + "offswitch " + string.Join(' ', c.Args);
            rows.AppendLine($"| {c.Name} | `{command}` | {c.Expected.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        rows.AppendLine();
        rows.AppendLine("Covered by their own tests, as root (they need mounts):");
        rows.AppendLine();
        rows.AppendLine("- **A full disk under the store** (`Faults/DiskFullTests.cs`): one line, `the disk is full (SQLite: database or disk");
        rows.AppendLine("  is full)`, exit 2; no trial is half-stored (each trial is one transaction), the store passes SQLite's integrity check,");
        rows.AppendLine("  and the same command resumes once there is space. PostgreSQL's `disk_full` and ENOSPC get the same message.");
        rows.AppendLine("- **A store on a read-only medium** (`Cli/ReadOnlyStoreTests.cs`): `report` and `export` read it; when its");
        rows.AppendLine("  `-wal` file is empty SQLite reads the database file as immutable, otherwise the message says to copy the store");
        rows.AppendLine("  with its `-wal` file to a writable directory.");
        rows.AppendLine("- **An Inspect log too large to import** (`Cli/InspectInteropTests.cs`): decompressed sizes are counted on the bytes");
        rows.AppendLine("  read, at most 128 MiB per entry (or per JSON log) and 1 GiB per log; past either, `… decompresses to more than");
        rows.AppendLine("  128 MiB …`, exit 2, nothing imported.");
        var path = Path.Combine(RepoRoot(), "docs", "bad-input.md");
        if (Environment.GetEnvironmentVariable("OFFSWITCH_UPDATE_DOCS") == "1")
        {
            await File.WriteAllTextAsync(path, rows.ToString());
        }

        Assert.Equal(rows.ToString(), await File.ReadAllTextAsync(path));
    }

    private static async Task WriteFixtureAsync(string path, string content)
    {
        if (content.StartsWith("@sqlite:", StringComparison.Ordinal))
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = content["@sqlite:".Length..];
            await command.ExecuteNonQueryAsync();
        }
        else if (content.StartsWith("@store:", StringComparison.Ordinal))
        {
            await using (var store = await Storage.SqliteResultStore.OpenAsync(path))
            {
            }

            if (content != "@store:current")
            {
                await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = $"UPDATE schema_version SET version = {int.Parse(content["@store:".Length..], System.Globalization.CultureInfo.InvariantCulture)} WHERE version = (SELECT MAX(version) FROM schema_version); PRAGMA wal_checkpoint(TRUNCATE);";
                await command.ExecuteNonQueryAsync();
            }
        }
        else
        {
            await File.WriteAllTextAsync(path, content);
        }
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Offswitch.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
