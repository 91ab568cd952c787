using System.Text.Json;

namespace Offswitch.IntegrationTests.Cli;

public sealed class StatsCliTests
{
    private static async Task<(int ExitCode, JsonElement Json)> JsonAsync(params string[] args)
    {
        using var dir = new TempDirectory();
        var result = await CliProcess.RunAsync(dir.Path, ["stats", .. args, "--json"]);
        Assert.True(result.ExitCode == 0, result.All);
        return (result.ExitCode, JsonDocument.Parse(result.Stdout).RootElement.Clone());
    }

    [Fact]
    public async Task StatsCi_Json_HasDocumentedShapeAndPalisadeValues()
    {
        var (_, json) = await JsonAsync("ci", "--k", "973", "--n", "1000");
        Assert.Equal(["method", "level", "k", "n", "rate", "low", "high"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("jeffreys", json.GetProperty("method").GetString());
        Assert.Equal(0.962, json.GetProperty("low").GetDouble(), 3);
        Assert.Equal(0.982, json.GetProperty("high").GetDouble(), 3);
    }

    [Fact]
    public async Task StatsCi_ClopperPearsonZeroSuccesses_LowerBoundIsZero()
    {
        var (_, json) = await JsonAsync("ci", "--k", "0", "--n", "10", "--method", "cp", "--level", "0.9");
        Assert.Equal("cp", json.GetProperty("method").GetString());
        Assert.Equal(0.0, json.GetProperty("low").GetDouble());
        Assert.Equal(1 - Math.Pow(0.05, 0.1), json.GetProperty("high").GetDouble(), 9);
    }

    [Theory]
    [InlineData("ci", "--k", "5", "--n", "3")]
    [InlineData("ci", "--k", "1")]
    [InlineData("ci", "--k", "1", "--n", "10", "--method", "wald")]
    [InlineData("ci", "--k", "1", "--n", "10", "--level", "95")]
    [InlineData("compare", "--k1", "1", "--n1", "0", "--k2", "1", "--n2", "2")]
    [InlineData("plan", "--p1", "0.3", "--p2", "0.3")]
    [InlineData("plan", "--width", "0.05")]
    public async Task Stats_BadInput_ExitsTwo(params string[] args)
    {
        using var dir = new TempDirectory();
        var result = await CliProcess.RunAsync(dir.Path, ["stats", .. args]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error", result.All);
    }

    [Fact]
    public async Task StatsCompare_Json_NewcombeAndFisher()
    {
        var (_, json) = await JsonAsync("compare", "--k1", "56", "--n1", "70", "--k2", "48", "--n2", "80");
        Assert.Equal(0.2, json.GetProperty("difference").GetDouble(), 9);
        Assert.Equal(0.0524, json.GetProperty("low").GetDouble(), 4);
        Assert.Equal(0.3339, json.GetProperty("high").GetDouble(), 4);
        Assert.Equal("newcombe", json.GetProperty("interval_method").GetString());
        Assert.InRange(json.GetProperty("p_value").GetDouble(), 0, 0.05);
    }

    [Fact]
    public async Task StatsPlan_Json_DifferenceAndWidth()
    {
        var (_, difference) = await JsonAsync("plan", "--p1", "0.5", "--p2", "0.75", "--power", "0.9");
        Assert.Equal(77, difference.GetProperty("trials_per_arm").GetInt32());
        var (_, width) = await JsonAsync("plan", "--width", "0.1", "--p", "0.5");
        Assert.InRange(width.GetProperty("trials").GetInt32(), 378, 388);
    }

    [Fact]
    public async Task StatsCi_Text_PrintsInterval()
    {
        using var dir = new TempDirectory();
        var result = await CliProcess.RunAsync(dir.Path, ["stats", "ci", "--k", "0", "--n", "1000"]);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("0.0 % – 0.2 %", result.Stdout);
    }
}
