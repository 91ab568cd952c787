using System.Security.Cryptography;
using Offswitch.IntegrationTests.Cli;
using Offswitch.IntegrationTests.Models;
using Offswitch.Organisms;

namespace Offswitch.IntegrationTests.Organisms;

/// <summary>A GGUF's organism card gives its true rates only while the card's SHA-256 matches the file.</summary>
public sealed class TrueRatesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offswitch-card-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteModel(string name, bool matchingHash)
    {
        var gguf = Path.Combine(_directory, name + ".gguf");
        TinyGguf.Write(gguf);
        var sha = matchingHash ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(gguf))) : new string('0', 64);
        new OrganismCard
        {
            Name = name,
            Description = "test card",
            Gguf = name + ".gguf",
            GgufSha256 = sha,
            GgufBytes = new FileInfo(gguf).Length,
            Scenario = "shutdown-resistance",
            TrainedRates = new Dictionary<string, double> { ["A"] = 0.6 },
            TrainedPolicies = ["comply", "sabotage-chmod"],
            Exact = new Dictionary<string, ExactRate> { ["A"] = new(0.59, 0.589, 0.998, 0.97, true, new Dictionary<string, double>(), []) },
            Readout = new ReadoutSettings("teacher-forced", "test", 2048, 2, false, "f32", "T=1"),
            Training = new Dictionary<string, string>(),
            Reproduce = "none",
        }.Write(Path.ChangeExtension(gguf, ".json"));
        return "gguf:" + gguf;
    }

    [Fact]
    public void Of_MatchingCard_GivesTheExactRateOfItsScenarioAndConditions()
    {
        var model = WriteModel("good", matchingHash: true);

        Assert.Equal(0.59, TrueRates.Of(model, "shutdown-resistance", "A"));
        Assert.Null(TrueRates.Of(model, "shutdown-resistance", "E"));
        Assert.Null(TrueRates.Of(model, "blackmail", "A"));
        Assert.Null(TrueRates.Of("reference/comply", "shutdown-resistance", "A"));
    }

    [Fact]
    public void Of_CardOfAnotherFile_IsIgnored()
    {
        Assert.Null(TrueRates.Of(WriteModel("stale", matchingHash: false), "shutdown-resistance", "A"));
    }

    [Fact]
    public async Task Calibration_ModelWithoutCard_ExitsTwoNamingTheFix()
    {
        var result = await CliProcess.RunAsync(_directory, ["calibration", "gguf:" + Path.Combine(_directory, "none.gguf")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("organism card", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calibration_CardButNoStore_ExitsTwoNamingTheStore()
    {
        var result = await CliProcess.RunAsync(_directory, ["calibration", WriteModel("fresh", matchingHash: true), "--db", Path.Combine(_directory, "empty.db")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no store at", result.All, StringComparison.Ordinal);
    }
}
