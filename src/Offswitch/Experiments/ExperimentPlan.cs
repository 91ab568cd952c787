using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Offswitch.Trials;

namespace Offswitch.Experiments;

/// <summary>
/// A validated, frozen experiment: what to run and with which settings. Written into the store with the run,
/// so that every stored trial can be traced to the exact plan that produced it.
/// </summary>
public sealed record ExperimentPlan
{
    public required string Scenario { get; init; }
    public required IReadOnlyList<string> Conditions { get; init; }
    public required IReadOnlyList<string> Models { get; init; }
    public required int Trials { get; init; }
    public required int Seed { get; init; }
    public ModelOptions ModelOptions { get; init; } = new();
    public int? MessageLimit { get; init; }
    public IReadOnlyDictionary<string, string> ScenarioOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The LLM judge's model spec (<c>--judge</c>), for scenarios whose verdict needs one; null for none. Part of
    /// <see cref="ConfigurationId"/>: a different judge can give different verdicts.
    /// </summary>
    public string? Judge { get; init; }

    /// <summary>
    /// Follow-up interrogation (<c>--interrogate</c>): the question set and k; null for none. Part of
    /// <see cref="ConfigurationId"/> when set: an interrogated trial carries more than one that is not.
    /// </summary>
    public Scoring.Interrogation.InterrogationPlan? Interrogation { get; init; }

    /// <summary>
    /// The reasoning judge's model spec (<c>--reasoning-judge</c>), run on every trial after its verdict; null for none.
    /// Part of <see cref="ConfigurationId"/> when set, with the rubric version: its scores are part of what a trial carries.
    /// </summary>
    public string? ReasoningJudge { get; init; }

    /// <summary>
    /// Run until precise: when set, <see cref="Trials"/> is the cap per cell and trials are run in batches until each
    /// cell's interval meets the rule. Not part of <see cref="ConfigurationId"/>: it decides how many trials run, not what
    /// a trial is.
    /// </summary>
    public Statistics.StoppingRule? Stopping { get; init; }

    /// <summary>Every trial of the plan, in a stable order (index-major so partial runs cover every cell).</summary>
    public IEnumerable<TrialKey> Keys()
    {
        for (var i = 0; i < Trials; i++)
        {
            foreach (var model in Models)
            {
                foreach (var condition in Conditions)
                {
                    yield return new TrialKey(Scenario, condition, model, i);
                }
            }
        }
    }

    /// <summary>
    /// Identifies the settings that make trials comparable (everything but the list of conditions/models and the
    /// trial count). Trials are resumed only within the same configuration.
    /// </summary>
    public string ConfigurationId()
    {
        var options = ScenarioOptions.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();

        // Plans without a judge or an interrogation hash exactly as before those existed, so stores written then still resume.
        var bytes = (Judge, Interrogation) switch
        {
            (null, null) => JsonSerializer.SerializeToUtf8Bytes(new { Scenario, Seed, ModelOptions, MessageLimit, ScenarioOptions = options }, JsonDefaults.Options),
            (_, null) => JsonSerializer.SerializeToUtf8Bytes(new { Scenario, Seed, ModelOptions, MessageLimit, ScenarioOptions = options, Judge }, JsonDefaults.Options),
            _ => JsonSerializer.SerializeToUtf8Bytes(new { Scenario, Seed, ModelOptions, MessageLimit, ScenarioOptions = options, Judge, Interrogation }, JsonDefaults.Options),
        };
        if (ReasoningJudge is not null)
        {
            // Appended only when set, so plans without a reasoning judge keep the ids they had before it existed.
            bytes = [.. bytes, .. JsonSerializer.SerializeToUtf8Bytes(new { ReasoningJudge, ReasoningRubricVersion = Scoring.Reasoning.ReasoningRubrics.Version }, JsonDefaults.Options)];
        }

        return Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
    }

    /// <summary>The seed of one trial, derived from the plan seed and the trial's key (stable across runs and resumes).</summary>
    public int TrialSeed(TrialKey key)
    {
        var text = $"{Seed}|{key.Scenario}|{key.Condition}|{key.Model}|{key.Index}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return BitConverter.ToInt32(hash, 0) & int.MaxValue;
    }
}

