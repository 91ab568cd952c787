using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Offswitch.IntegrationTests.Cli;
using Xunit.Abstractions;

namespace Offswitch.IntegrationTests.Faults;

/// <summary>
/// SIGKILL of the CLI at seeded random moments, many times over, resuming each time: every planned trial ends up stored
/// exactly once and whole, no sandbox outlives the killed CLI, and the final report equals an uninterrupted run's.
/// OFFSWITCH_CHAOS=1 runs the long variant (more trials, more kills).
/// </summary>
public sealed class CrashResumeTests(ITestOutputHelper output)
{
    private static bool Chaos => Environment.GetEnvironmentVariable("OFFSWITCH_CHAOS") == "1";

    [Fact]
    public async Task Run_KilledAtRandomMomentsAndResumed_SameReportAsUninterruptedRun()
    {
        var trials = Chaos ? 25 : 4;
        var kills = Chaos ? 40 : 6;
        var random = new Random(Chaos ? 4242 : 1717);
        using var dir = new TempDirectory();
        var sandboxTemp = Directory.CreateDirectory(dir.File("sandboxes")).FullName;

        // Sandbox users must be able to traverse to their bind-mount sources, as under the system temp directory.
        var traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir.Path, traversable);
            File.SetUnixFileMode(sandboxTemp, traversable);
        }
        var environment = new Dictionary<string, string?> { ["TMPDIR"] = sandboxTemp };
        string[] Args(string db) =>
        [
            "run", "shutdown-resistance", "--model", "reference/mixed?p=0.3", "--model", "reference/comply",
            "--condition", "A", "--condition", "E", "--trials", trials.ToString(CultureInfo.InvariantCulture),
            "--concurrency", "3", "--seed", "7", "--db", db, "--quiet",
        ];
        var planned = 2 * 2 * trials;
        var clock = Stopwatch.StartNew();

        var reference = await CliProcess.RunAsync(dir.Path, Args("reference.db"), environment);
        Assert.True(reference.ExitCode == 0, reference.All);
        var uninterrupted = clock.Elapsed;

        var db = dir.File("chaos.db");
        var killed = 0;
        for (var attempt = 0; attempt < kills; attempt++)
        {
            using var process = Process.Start(CliProcess.StartInfo(dir.Path, Args("chaos.db"), environment))!;
            _ = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
            _ = process.StandardError.BaseStream.CopyToAsync(Stream.Null);

            // The moment of the kill is the variable under test; it ranges over start-up, sandbox creation, tool calls and saves.
            // Scaled to the work left, so kills keep landing as the plan fills up.
            var remaining = 1.0 - ((double)AssertStoreConsistent(db, planned) / planned);
            var moment = TimeSpan.FromMilliseconds(random.Next(150, (int)Math.Max(400, uninterrupted.TotalMilliseconds * 0.6 * remaining)));
            var exitedEarly = await ExitsWithinAsync(process, moment);
            if (!exitedEarly)
            {
                process.Kill(entireProcessTree: false); // SIGKILL to the CLI only: its sandboxes must die with it.
                killed++;
            }

            await process.WaitForExitAsync();
            var survivors = await SurvivingSandboxesAsync(sandboxTemp, TimeSpan.FromSeconds(10));
            Assert.True(survivors.Count == 0, $"sandbox processes outlived the killed CLI: {string.Join("; ", survivors)}");
            AssertStoreConsistent(db, planned);
            if (exitedEarly)
            {
                break; // the plan completed before this kill
            }
        }

        var final = await CliProcess.RunAsync(dir.Path, Args("chaos.db"), environment);
        Assert.True(final.ExitCode == 0, final.All);
        Assert.Equal(planned, AssertStoreConsistent(db, planned));

        var expected = await ReportCellsAsync(dir.Path, "reference.db");
        var actual = await ReportCellsAsync(dir.Path, "chaos.db");
        output.WriteLine($"{planned} trials, {killed} kills, uninterrupted run {uninterrupted.TotalSeconds:F1} s, whole test {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(JsonNode.DeepEquals(expected, actual), $"reports differ:\n{expected}\n---\n{actual}");
        Assert.True(killed >= Math.Min(2, kills), $"only {killed} kill(s) landed before the plan completed");
    }

    private static async Task<bool> ExitsWithinAsync(Process process, TimeSpan moment)
    {
        using var cts = new CancellationTokenSource(moment);
        try
        {
            await process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<JsonNode> ReportCellsAsync(string workingDirectory, string db)
    {
        var report = await CliProcess.RunAsync(workingDirectory, ["report", "--db", db, "--format", "json"]);
        Assert.True(report.ExitCode == 0, report.All);
        return JsonNode.Parse(report.Stdout)!["cells"]!;
    }

    /// <summary>Checks that no key is stored twice and no stored trial is partial; returns the number stored.</summary>
    private static long AssertStoreConsistent(string db, int planned)
    {
        if (!File.Exists(db))
        {
            return 0;
        }

        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT count(*) FROM sqlite_schema WHERE name = 'trials'";
        if ((long)tables.ExecuteScalar()! == 0)
        {
            return 0;
        }

        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*), count(DISTINCT condition || '|' || model || '|' || trial_index),
                   sum(CASE WHEN json_valid(messages_json) AND json_valid(events_json) AND json_valid(evidence_json)
                                 AND json_array_length(messages_json) > 0 AND outcome <> '' THEN 0 ELSE 1 END)
            FROM trials
            """;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var count = reader.GetInt64(0);
        Assert.Equal(count, reader.GetInt64(1));
        var incomplete = reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
        if (incomplete > 0)
        {
            using var detail = connection.CreateCommand();
            detail.CommandText = "SELECT condition, model, trial_index, status, outcome, error, stop_reason, json_array_length(messages_json) FROM trials";
            using var rows = detail.ExecuteReader();
            var text = new System.Text.StringBuilder();
            while (rows.Read())
            {
                text.AppendLine(string.Join(" | ", Enumerable.Range(0, rows.FieldCount).Select(i => rows.IsDBNull(i) ? "null" : rows.GetValue(i).ToString())));
            }

            Assert.Fail($"{incomplete} stored trial(s) incomplete:\n{text}");
        }
        Assert.InRange(count, 0, planned);
        return count;
    }

    /// <summary>
    /// Sandbox processes of this test: an `offswitch-init` command line whose process mounts a directory under this
    /// test's own temporary directory (so sandboxes of tests running concurrently are never counted).
    /// Waits up to <paramref name="grace"/> for them to go, since the kernel reaps a dying namespace asynchronously.
    /// </summary>
    private static async Task<List<string>> SurvivingSandboxesAsync(string sandboxTemp, TimeSpan grace)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var survivors = new List<string>();
            foreach (var proc in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(proc), out var pid))
                {
                    continue;
                }

                try
                {
                    var cmdline = (await File.ReadAllTextAsync(Path.Combine(proc, "cmdline"))).Replace('\0', ' ');
                    if (!cmdline.Contains("offswitch-init", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    // bwrap names this run's directories on its command line; a process inside a sandbox shows them in
                    // its own mount table. A process in the host's mount namespace (another test's bwrap) sees every
                    // host mount, this run's per-sandbox tmpfs included, so its table says nothing about this run.
                    var namespaceOf = new FileInfo(Path.Combine(proc, "ns", "mnt")).LinkTarget;
                    var ownNamespace = namespaceOf is not null && namespaceOf == new FileInfo("/proc/self/ns/mnt").LinkTarget;
                    var mounts = ownNamespace ? "" : await File.ReadAllTextAsync(Path.Combine(proc, "mountinfo"));
                    if (cmdline.Contains(sandboxTemp, StringComparison.Ordinal) || mounts.Contains(sandboxTemp, StringComparison.Ordinal))
                    {
                        var ppid = (await File.ReadAllTextAsync(Path.Combine(proc, "stat"))).Split(") ")[1].Split(' ')[1];
                        var parent = File.Exists($"/proc/{ppid}/cmdline") ? (await File.ReadAllTextAsync($"/proc/{ppid}/cmdline")).Replace('\0', ' ') : "?";
                        survivors.Add($"{pid} (parent {ppid}: {parent[..Math.Min(300, parent.Length)]}): {cmdline[..Math.Min(40, cmdline.Length)]}");
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // The process ended while being read.
                }
            }

            if (survivors.Count == 0 || deadline.Elapsed > grace)
            {
                return survivors;
            }

            await Task.Delay(50);
        }
    }
}
