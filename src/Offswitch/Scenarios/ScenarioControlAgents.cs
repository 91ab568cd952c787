using Microsoft.Extensions.AI;
using Offswitch.Agents;
using Offswitch.Models;

namespace Offswitch.Scenarios;

/// <summary>A scenario's scripted controls as the model catalog's <c>reference/NAME</c> provider.</summary>
public sealed class ScenarioControlAgents(IScenario scenario) : IControlAgents
{
    public void Validate(ModelSpec spec)
    {
        _ = Find(spec);
        try
        {
            _ = ScriptedInterrogationAnswers.Modes(spec.Options);
            _ = ScriptedReasoning.Mode(spec.Options);
        }
        catch (ArgumentException ex)
        {
            throw new ModelConfigurationException($"Model '{spec.Raw}': {ex.Message}");
        }
    }

    public IChatClient Create(ModelSpec spec, int seed) =>
        ScriptedInterrogationAnswers.Wrap(ScriptedReasoning.Wrap(Find(spec).Create(new ReferenceAgentContext(spec.Options, seed)), spec.Options), spec.Options);

    private ReferenceAgent Find(ModelSpec spec)
    {
        var agents = scenario.ReferenceAgents;
        return agents.FirstOrDefault(a => string.Equals(a.Name, spec.Model, StringComparison.OrdinalIgnoreCase))
            ?? throw new ModelConfigurationException(
                $"Unknown reference agent '{spec.Model}' for scenario '{scenario.Name}'. Known: "
                + (agents.Count == 0 ? "(none)" : string.Join(", ", agents.Select(a => a.Name))) + ".");
    }
}
