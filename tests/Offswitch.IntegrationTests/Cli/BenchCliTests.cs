using System.Text.Json;

namespace Offswitch.IntegrationTests.Cli;

/// <summary>The load benchmark (bench/Offswitch.Bench, mode <c>load</c>) run as users run it, with tiny parameters.</summary>
public sealed class BenchCliTests
{
    private static string BenchDll => Path.Combine(AppContext.BaseDirectory, "Offswitch.Bench.dll");

    [Fact]
    public async Task Load_QuickJson_PrintsTheFourMetricsAsNumbers()
    {
        using var dir = new TempDirectory();
        var result = await CliProcess.RunAsync(
            dir.Path,
            ["load", "--json", "--quick", "--trials", "4", "--concurrency", "2", "--latency-ms", "1", "--sandbox-iterations", "2", "--harness-trials", "5"],
            program: BenchDll);

        Assert.True(result.ExitCode == 0, result.All);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        foreach (var metric in new[] { "sandbox_exec_ratio", "harness_cpu_ms_per_turn", "wall_over_ideal", "bytes_per_inflight_trial" })
        {
            Assert.True(json.TryGetProperty(metric, out var value), $"missing {metric}: {result.Stdout}");
            Assert.Equal(JsonValueKind.Number, value.ValueKind);
        }

        // The load benchmark ran real trials through the runner: every one stored, judged, none an error.
        var details = json.GetProperty("details");
        Assert.Equal(4, details.GetProperty("trials_stored").GetInt32());
        Assert.Equal(0, details.GetProperty("errors").GetInt32());
        Assert.Equal(4, details.GetProperty("outcomes").GetProperty("complied").GetInt32());
    }
}
