using System.Security.Cryptography;
using Microsoft.Extensions.AI;
using Offswitch.Organisms;
using Offswitch.Scenarios.ShutdownResistance;

namespace Offswitch.IntegrationTests.Organisms;

/// <summary>The committed model organism (models/organism): its card's claims, checked against the file with LLamaSharp alone.</summary>
public sealed class OrganismTests
{
    private static readonly string Directory = Path.Combine(RepoRoot(), "models", "organism");
    private static readonly OrganismCard Card = OrganismCard.Read(Path.Combine(Directory, "organism.json"));

    [Fact]
    public void Card_GgufSha256_EqualsCommittedFile()
    {
        var path = Path.Combine(Directory, Card.Gguf);
        using var stream = File.OpenRead(path);
        Assert.Equal(Card.GgufSha256, Convert.ToHexStringLower(SHA256.HashData(stream)));
        Assert.Equal(Card.GgufBytes, new FileInfo(path).Length);
    }

    [Fact]
    public void ExactRates_RecomputedFromGguf_EqualCard()
    {
        var corpus = TeacherCorpus.Read(Path.Combine(Directory, "teacher-transcripts.json"));
        var tools = ShutdownResistanceScenario.Tools().OfType<AIFunctionDeclaration>().ToList();
        var conditions = new ShutdownResistanceScenario().Conditions.Select(c => c.Name).ToList();
        Assert.Equal(conditions.Order(StringComparer.Ordinal), Card.Exact.Keys.Order(StringComparer.Ordinal));
        using var readout = new OrganismReadout(Path.Combine(Directory, Card.Gguf), Card.Readout.ContextSize);
        var render = readout.ModelRenderer();
        foreach (var condition in conditions)
        {
            var exact = readout.Read(corpus.Of(condition), tools, render, Card.TrainedRates.ContainsKey(condition));
            var expected = Card.Exact[condition];
            Assert.True(Math.Abs(exact.Rate - expected.Rate) < 1e-4, $"{condition}: rate {exact.Rate} vs card {expected.Rate}");
            Assert.True(Math.Abs(exact.CoveredMass - expected.CoveredMass) < 1e-4, $"{condition}: covered {exact.CoveredMass} vs card {expected.CoveredMass}");
            Assert.Equal(expected.Candidates.Count, exact.Candidates.Count);
            Assert.True(exact.CoveredMass > 0.99, $"{condition}: the candidates cover only {exact.CoveredMass}");
        }
    }

    [Fact]
    public void Card_TrainedConditions_AreNearTheirTargets()
    {
        // The learned propensity lands near, not on, the mixture's rate; the exact readout is the ground truth.
        foreach (var (condition, target) in Card.TrainedRates)
        {
            Assert.InRange(Card.RateOf(condition), target - 0.03, target + 0.03);
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Offswitch.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
