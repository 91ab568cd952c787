using System.Globalization;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Offswitch.IntegrationTests.Cli;

/// <summary>`offswitch horizon` end to end: from a runs table, and from trials of the timed task suite run through the sandbox.</summary>
public sealed class HorizonCliTests(ITestOutputHelper output)
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task Horizon_CurveControlRunThroughTheSandbox_RecoversItsKnownFiftyPercentHorizon()
    {
        // The curve control succeeds on a task of m human minutes with probability σ(−(log2 m − log2 8)): its true 50%
        // horizon is 8 minutes. 20 seeded trials on each of the 8 tasks, run as real shell work in bubblewrap.
        using var dir = new TempDirectory();
        var run = await CliProcess.RunAsync(dir.Path, ["run", "horizon-tasks", "--model", "reference/curve?h50=8", "--trials", "20", "--concurrency", "4"], timeout: TimeSpan.FromMinutes(5));
        Assert.True(run.ExitCode == 0, run.All);

        var horizon = await CliProcess.RunAsync(dir.Path, ["horizon", "--store", "offswitch.db", "--out", "out"]);
        output.WriteLine(horizon.All);

        Assert.True(horizon.ExitCode == 0, horizon.All);
        Assert.Contains("reference/curve?h50=8 (scripted control)", Collapse(horizon.Stdout), StringComparison.Ordinal);
        Assert.Contains("not AI models", Collapse(horizon.Stdout), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Path, "out", "horizons.json")));
        var model = json.RootElement.GetProperty("report").GetProperty("models")[0];
        Assert.True(model.GetProperty("is_control").GetBoolean());
        Assert.Equal(160, model.GetProperty("runs").GetInt32());
        var p50 = model.GetProperty("horizons")[0];
        double Get(string name) => p50.GetProperty(name).GetDouble();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"true p50 8, estimate {Get("minutes"):0.###}, CI {Get("ci_low"):0.###}–{Get("ci_high"):0.###}"));
        Assert.True(Get("ci_low") <= 8 && 8 <= Get("ci_high"), $"true 50% horizon 8 min outside {Get("ci_low")}–{Get("ci_high")}");
        Assert.False(Get("ci_low") <= 64 && 64 <= Get("ci_high"), $"the interval {Get("ci_low")}–{Get("ci_high")} does not even exclude 64 min");
        // The runs table exported from the store: a header and one row per counted trial.
        Assert.Equal(161, (await File.ReadAllLinesAsync(Path.Combine(dir.Path, "out", "runs.csv"))).Length);
        foreach (var chart in new[] { "horizon-success.svg", "horizon-success.png", "horizon-trend.svg", "horizon-trend.png" })
        {
            Assert.True(new FileInfo(Path.Combine(dir.Path, "out", chart)).Length > 1000, chart);
        }

        Assert.Contains("scripted control", await File.ReadAllTextAsync(Path.Combine(dir.Path, "out", "horizon-success.svg")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Horizon_RunsTableWithReleaseDates_PrintsHorizonsAndTheDoublingTime()
    {
        // Three synthetic models with 50% horizons of 2, 8 and 32 minutes released 200 days apart: doubling every 100 days.
        using var dir = new TempDirectory();
        var random = new Random(11);
        var text = new StringBuilder();
        foreach (var (model, h50) in new[] { ("m-2019", 2.0), ("m-2020", 8.0), ("m-2021", 32.0) })
        {
            for (var f = 0; f < 15; f++)
            {
                for (var t = 0; t < 3; t++)
                {
                    var minutes = Math.Pow(2, (f * 3 + t) % 9 + random.NextDouble());
                    for (var r = 0; r < 5; r++)
                    {
                        var success = random.NextDouble() < 1 / (1 + Math.Exp(Math.Log2(minutes) - Math.Log2(h50))) ? 1 : 0;
                        text.AppendLine(CultureInfo.InvariantCulture, $$"""{"task_id": "f{{f}}/t{{t}}", "task_family": "f{{f}}", "run_id": "{{model}}-{{f}}-{{t}}-{{r}}", "alias": "{{model}}", "score_binarized": {{success}}, "human_minutes": {{minutes}}}""");
                    }
                }
            }
        }

        await File.WriteAllTextAsync(dir.File("runs.jsonl"), text.ToString());
        await File.WriteAllTextAsync(dir.File("dates.yaml"), "date:\n  m-2019: 2019-06-01\n  m-2020: 2019-12-18\n  m-2021: 2020-07-05\n");

        var result = await CliProcess.RunAsync(dir.Path, ["horizon", "runs.jsonl", "--release-dates", "dates.yaml", "--bootstrap", "300", "--json"]);
        output.WriteLine(result.All);

        Assert.True(result.ExitCode == 0, result.All);
        using var json = JsonDocument.Parse(result.Stdout);
        var doubling = json.RootElement.GetProperty("report").GetProperty("doubling_time");
        Assert.Equal(["m-2019", "m-2020", "m-2021"], doubling.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.True(doubling.GetProperty("ci_low").GetDouble() <= 100 && 100 <= doubling.GetProperty("ci_high").GetDouble(), doubling.ToString());
        var table = await CliProcess.RunAsync(dir.Path, ["horizon", "runs.jsonl", "--release-dates", "dates.yaml", "--bootstrap", "50"]);
        Assert.Contains("Doubling time of the 50% horizon", Collapse(table.Stdout), StringComparison.Ordinal);
    }

    private static string Collapse(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ");
}
