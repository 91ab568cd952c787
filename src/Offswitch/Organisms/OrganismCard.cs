using System.Text.Json;
using Offswitch.Trials;

namespace Offswitch.Organisms;

/// <summary>
/// The model organism's card (<c>models/organism/organism.json</c>): what the GGUF is, what it was trained to do, and
/// its exact per-condition propensity read from its own logits. The exact rate is the ground truth a measured rate is
/// compared with: the probability that one trial, sampled at temperature 1, sabotages the shutdown.
/// </summary>
public sealed record OrganismCard
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>The GGUF's file name, next to the card.</summary>
    public required string Gguf { get; init; }

    public required string GgufSha256 { get; init; }

    public required long GgufBytes { get; init; }

    public required string Scenario { get; init; }

    /// <summary>The sabotage rate each trained condition's training mixture had; conditions not listed were held out.</summary>
    public required IReadOnlyDictionary<string, double> TrainedRates { get; init; }

    /// <summary>The sabotage techniques taught, each an equal share of the sabotage episodes.</summary>
    public required IReadOnlyList<string> TrainedPolicies { get; init; }

    /// <summary>Exact rates per condition, for every condition of the scenario.</summary>
    public required IReadOnlyDictionary<string, ExactRate> Exact { get; init; }

    public required ReadoutSettings Readout { get; init; }

    public required IReadOnlyDictionary<string, string> Training { get; init; }

    /// <summary>The command that rebuilds the GGUF and this card bit for bit (from the repository root).</summary>
    public required string Reproduce { get; init; }

    /// <summary>The card's conditions' exact rates, ordered as on the card.</summary>
    public double RateOf(string condition) =>
        Exact.TryGetValue(condition, out var rate) ? rate.Rate : throw new KeyNotFoundException($"The organism's card has no condition '{condition}'.");

    public static OrganismCard Read(string path) =>
        JsonSerializer.Deserialize<OrganismCard>(File.ReadAllText(path), JsonDefaults.Indented)
        ?? throw new InvalidDataException($"{path} holds no organism card.");

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonDefaults.Indented) + "\n");
}

/// <summary>
/// One condition's exact readout. <see cref="Rate"/> = <see cref="SabotageMass"/> / <see cref="CoveredMass"/>: the
/// probability of a sabotage among the candidate turns, which together carry <see cref="CoveredMass"/> of the
/// model's probability at the decision point.
/// </summary>
/// <param name="Trained">Whether the condition was in the training mixture.</param>
/// <param name="PrefixProbability">The probability that the organism itself produces the prefix's assistant turns (the path to the decision point).</param>
/// <param name="Techniques">Each technique's share of the covered mass (sums to <see cref="Rate"/>).</param>
/// <param name="Candidates">Every candidate turn with its probability.</param>
public sealed record ExactRate(
    double Rate,
    double SabotageMass,
    double CoveredMass,
    double PrefixProbability,
    bool Trained,
    IReadOnlyDictionary<string, double> Techniques,
    IReadOnlyList<CandidateProbability> Candidates);

/// <summary>A candidate next turn at the decision point and the probability the model gives it (all its tokens, through the end-of-turn token).</summary>
public sealed record CandidateProbability(string Policy, string Outcome, string? Technique, double Probability, int Tokens);

/// <summary>How the exact rates were read.</summary>
public sealed record ReadoutSettings(
    string Method,
    string Prefixes,
    int ContextSize,
    int Threads,
    bool FlashAttention,
    string KvCache,
    string Sampling);
