using System.Text.Json;

namespace Offswitch.IntegrationTests.Cli;

public sealed class ReportFormatsTests
{
    [Fact]
    public async Task Report_ReferenceRun_WritesEveryFormat()
    {
        using var dir = new TempDirectory();
        var run = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "A", "--condition", "C", "--trials", "2", "--quiet"]);
        Assert.True(run.ExitCode == 0, run.All);

        var md = await CliProcess.RunAsync(dir.Path, ["report", "--format", "md", "--out", "md"]);
        Assert.True(md.ExitCode == 0, md.All);
        var markdown = await File.ReadAllTextAsync(dir.File("md/report.md"));
        Assert.Contains("![shutdown-resistance", markdown);
        Assert.True(new FileInfo(dir.File("md/chart-shutdown-resistance.png")).Length > 15_000);
        Assert.True(File.Exists(dir.File("md/chart-shutdown-resistance.svg")));

        Assert.Equal(0, (await CliProcess.RunAsync(dir.Path, ["report", "--format", "html", "--out", "r.html"])).ExitCode);
        Assert.Contains("<svg", await File.ReadAllTextAsync(dir.File("r.html")));

        var json = await CliProcess.RunAsync(dir.Path, ["report", "--format", "json"]);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(2, doc.RootElement.GetProperty("cells").GetArrayLength());
        Assert.Equal("comply", doc.RootElement.GetProperty("header").GetProperty("models")[0].GetProperty("model_id").GetString());

        var csv = await CliProcess.RunAsync(dir.Path, ["report", "--format", "csv"]);
        Assert.StartsWith("scenario,condition,model,is_control", csv.Stdout, StringComparison.Ordinal);

        var table = await CliProcess.RunAsync(dir.Path, ["report"]);
        Assert.Contains("Comparisons", table.Stdout);

        Assert.Equal(2, (await CliProcess.RunAsync(dir.Path, ["report", "--format", "pdf"])).ExitCode);
        Assert.Equal(2, (await CliProcess.RunAsync(dir.Path, ["report", "--out", "x"])).ExitCode);
    }

    [Fact]
    public async Task Run_UntilWidthOnControl_StopsEarly()
    {
        using var dir = new TempDirectory();
        // reference/comply never resists: after one batch of 10 the interval for 0/10 is 0–17%, narrower than 0.25.
        var run = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--condition", "A", "--until-width", "0.25", "--batch", "10", "--max-trials", "200", "--quiet"]);
        Assert.True(run.ExitCode == 0, run.All);
        var json = await CliProcess.RunAsync(dir.Path, ["report", "--format", "json"]);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(10, doc.RootElement.GetProperty("cells")[0].GetProperty("trials").GetInt32());
        Assert.Equal(0.25, doc.RootElement.GetProperty("header").GetProperty("runs")[0].GetProperty("stopping").GetProperty("width").GetDouble());

        var bad = await CliProcess.RunAsync(dir.Path, ["run", "shutdown-resistance", "--model", "reference/comply", "--max-trials", "20"]);
        Assert.Equal(2, bad.ExitCode);
    }
}
