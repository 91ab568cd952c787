using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Trials;

namespace Offswitch.IntegrationTests.Models;

/// <summary>Runs only when the named variables are set (it calls a real provider); skipped otherwise.</summary>
public sealed class RequiresEnvironmentFactAttribute : FactAttribute
{
    public RequiresEnvironmentFactAttribute(params string[] variables)
    {
        var missing = variables.Where(v => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v))).ToList();
        if (missing.Count > 0)
        {
            Skip = $"set {string.Join(" and ", missing)} to run this test against the real provider";
        }
    }
}

public sealed class RealProviderSmokeTests
{
    [RequiresEnvironmentFact("OPENAI_API_KEY", "OFFSWITCH_SMOKE_OPENAI_MODEL")]
    public Task OpenAI_RealApi_CompletesToolCallingTrial() => RunAsync("openai/" + Environment.GetEnvironmentVariable("OFFSWITCH_SMOKE_OPENAI_MODEL"));

    [RequiresEnvironmentFact("ANTHROPIC_API_KEY", "OFFSWITCH_SMOKE_ANTHROPIC_MODEL")]
    public Task Anthropic_RealApi_CompletesToolCallingTrial() => RunAsync("anthropic/" + Environment.GetEnvironmentVariable("OFFSWITCH_SMOKE_ANTHROPIC_MODEL"));

    private static async Task RunAsync(string spec)
    {
        using var catalog = new ModelCatalog();
        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(catalog.Create(spec, new ModelCreationContext()), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits { MessageLimit = 12 });

        Assert.NotEqual(AgentStopReason.Error, result.StopReason);
        Assert.NotEmpty(environment.Calls);
        Assert.True(result.Usage.InputTokens > 0);
    }
}
