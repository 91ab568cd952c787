using Offswitch.Experiments;
using Offswitch.Trials;

namespace Offswitch.Tests.Experiments;

public sealed class ExperimentPlanTests
{
    private static ExperimentPlan Plan(int trials = 3, int seed = 7, float? temperature = null) => new()
    {
        Scenario = "s",
        Conditions = ["A", "B"],
        Models = ["m1", "m2"],
        Trials = trials,
        Seed = seed,
        ModelOptions = new ModelOptions { Temperature = temperature },
    };

    [Fact]
    public void Keys_ThreeTrials_EveryCellOncePerIndexIndexMajor()
    {
        var keys = Plan().Keys().ToList();
        Assert.Equal(12, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(keys.Take(4), k => Assert.Equal(0, k.Index));
        Assert.All(keys.Skip(8), k => Assert.Equal(2, k.Index));
    }

    [Fact]
    public void ConfigurationId_TrialCountChanged_Unchanged()
    {
        Assert.Equal(Plan(trials: 3).ConfigurationId(), Plan(trials: 50).ConfigurationId());
    }

    [Fact]
    public void ConfigurationId_SeedOrSamplingChanged_Differs()
    {
        Assert.NotEqual(Plan(seed: 1).ConfigurationId(), Plan(seed: 2).ConfigurationId());
        Assert.NotEqual(Plan().ConfigurationId(), Plan(temperature: 0.5f).ConfigurationId());
    }

    [Fact]
    public void ConfigurationId_TopP_DiffersWhenSetAndIsLeftOutWhenNot()
    {
        Assert.NotEqual(Plan().ConfigurationId(), (Plan() with { ModelOptions = new ModelOptions { TopP = 0.9f } }).ConfigurationId());
        // The id of a plan without top-p, as computed before top-p existed: stores written then still resume.
        Assert.Equal("0adfec3661b4893b", Plan(temperature: 0.5f).ConfigurationId());
    }

    [Fact]
    public void ConfigurationId_ReasoningJudge_DiffersWhenSetAndIsLeftOutWhenNot()
    {
        var judged = (Plan(temperature: 0.5f) with { ReasoningJudge = "anthropic/judge" }).ConfigurationId();

        Assert.NotEqual("0adfec3661b4893b", judged);
        Assert.NotEqual(judged, (Plan(temperature: 0.5f) with { ReasoningJudge = "openai/judge" }).ConfigurationId());
        Assert.Equal("0adfec3661b4893b", (Plan(temperature: 0.5f) with { ReasoningJudge = null }).ConfigurationId());
    }

    [Fact]
    public void TrialSeed_SameKey_StableAndDistinctAcrossKeys()
    {
        var plan = Plan();
        var seeds = plan.Keys().Select(plan.TrialSeed).ToList();
        Assert.Equal(seeds, plan.Keys().Select(Plan().TrialSeed).ToList());
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        Assert.All(seeds, s => Assert.True(s >= 0));
    }
}
