namespace Offswitch.IntegrationTests.Cli;

/// <summary>A store on a read-only medium can be read: report and export work, nothing is written.</summary>
public sealed class ReadOnlyStoreTests
{
    [RootFact("a read-only bind mount; root ignores file modes, so chmod would prove nothing")]
    public async Task Report_StoreOnAReadOnlyMount_ReadsIt()
    {
        using var dir = new TempDirectory();
        var source = Path.Combine(dir.Path, "source");
        var readOnly = Path.Combine(dir.Path, "ro");
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(readOnly);
        var run = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "A", "--trials", "2", "--db", Path.Combine(source, "results.db"), "--quiet"]);
        Assert.True(run.ExitCode == 0, run.All);
        var before = Directory.GetFiles(source).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(0, Mount("--bind", source, readOnly));
        try
        {
            Assert.Equal(0, Mount("-o", "remount,ro,bind", readOnly));

            var report = await CliProcess.RunAsync(dir.Path, ["report", "--db", Path.Combine(readOnly, "results.db"), "--format", "json"]);

            Assert.True(report.ExitCode == 0, report.All);
            Assert.Contains("\"complied\"", report.Stdout);
            Assert.DoesNotContain("cannot read", report.All);
            Assert.Equal(before, Directory.GetFiles(source).Order(StringComparer.Ordinal).ToList());
        }
        finally
        {
            HostProgram.Run("/usr/bin/umount", "-l", readOnly);
        }
    }

    private static int Mount(params string[] args) => HostProgram.Run("/usr/bin/mount", args);

}
