namespace Offswitch.IntegrationTests.Cli;

/// <summary>The shared-store commands explain themselves when given an SQLite file or an unset variable.</summary>
public sealed class TeamCliBadInputTests
{
    [Theory]
    [InlineData("worker --db local.db", "Workers share a PostgreSQL store")]
    [InlineData("status --db local.db", "shared PostgreSQL store")]
    [InlineData("run shutdown-resistance -m reference/comply -n 1 --db local.db --plan-only", "--plan-only registers the plan in a shared PostgreSQL store")]
    [InlineData("run shutdown-resistance -m reference/comply -n 1 --db env:OFFSWITCH_TEST_UNSET_DB --plan-only", "OFFSWITCH_TEST_UNSET_DB, which is not set")]
    [InlineData("copy --from local.db", "Give both --from STORE and --to STORE")]
    [InlineData("view --db postgres://u:secret@127.0.0.1:1/d", "offswitch copy --from postgres://u:***@127.0.0.1:1/d --to snapshot.db")]
    public async Task TeamCommand_WrongStore_ExitsTwoWithFix(string command, string expected)
    {
        using var dir = new TempDirectory();

        var result = await CliProcess.RunAsync(dir.Path, command.Split(' '), new Dictionary<string, string?> { ["OFFSWITCH_TEST_UNSET_DB"] = null });

        Assert.Equal(2, result.ExitCode);
        // The console wraps long lines: compare with runs of white space collapsed.
        Assert.Contains(expected, string.Join(' ', result.All.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
