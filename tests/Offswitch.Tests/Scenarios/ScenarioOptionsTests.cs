using Offswitch.Experiments;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Tests.Scenarios;

public sealed class ScenarioOptionsTests
{
    private static (ExperimentPlan Plan, IScenario Scenario) Freeze(string scenario, IReadOnlyList<string> conditions, Dictionary<string, string> options) =>
        new ExperimentSpec { Scenario = scenario, Models = ["reference/comply"], Conditions = conditions, ScenarioOptions = options }
            .Freeze(ScenarioCatalog.Default);

    [Fact]
    public void Check_UndeclaredName_RefusedWithTheNamesTheScenarioTakes()
    {
        var e = Assert.Throws<InvalidInputException>(() => Freeze("shutdown-resistance", ["A"], new() { ["observe-afterbypass"] = "true" }));
        Assert.Equal(
            "Unknown option 'observe-afterbypass' for scenario 'shutdown-resistance' (it takes observe-after-bypass). See `offswitch list options shutdown-resistance`.",
            e.Message);
    }

    [Fact]
    public void Check_ScenarioWithoutOptions_SaysItTakesNone()
    {
        var scenario = ScenarioCatalog.Default.All.First(s => s.Options.Count == 0);
        var e = Assert.Throws<InvalidInputException>(() => ScenarioOptions.Check(scenario, new Dictionary<string, string> { ["x"] = "1" }));
        Assert.Contains("(it takes none)", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("True", "true")]
    [InlineData("false", "false")]
    public void Check_Flag_StoredInOneSpelling(string given, string stored)
    {
        var (plan, _) = Freeze("shutdown-resistance", ["A"], new() { ["observe-after-bypass"] = given });
        Assert.Equal(stored, plan.ScenarioOptions["observe-after-bypass"]);
    }

    [Fact]
    public void Check_NumberOptionGivenText_Refused()
    {
        var e = Assert.Throws<InvalidInputException>(() => Freeze("self-replication", [], new() { ["grace-seconds"] = "soon" }));
        Assert.Equal("Option grace-seconds takes a number, not 'soon'.", e.Message);
    }

    [Fact]
    public void Check_PathOption_StoredAbsolute()
    {
        var scenario = ScenarioCatalog.Default.Find("blackmail")!;
        var checkedOptions = ScenarioOptions.Check(scenario, new Dictionary<string, string> { ["templates"] = "tpl" });
        Assert.Equal(Path.GetFullPath("tpl"), checkedOptions["templates"]);
    }

    [Fact]
    public void Freeze_AgenticOption_SamePlanAsNamingTheAgenticConditions()
    {
        var (byOption, _) = Freeze("blackmail", ["explicit-america-replacement", "none-none-none-agentic"], new() { ["agentic"] = "true" });
        var (byName, _) = Freeze("blackmail", ["explicit-america-replacement-agentic", "none-none-none-agentic"], []);

        Assert.Equal(["explicit-america-replacement-agentic", "none-none-none-agentic"], byOption.Conditions);
        Assert.Empty(byOption.ScenarioOptions);
        Assert.Equal(byName.ConfigurationId(), byOption.ConfigurationId());
    }

    [Fact]
    public void Freeze_AgenticFalse_ConditionsUnchangedAndOptionDropped()
    {
        var (plan, _) = Freeze("blackmail", ["none-none-none"], new() { ["agentic"] = "false" });
        Assert.Equal(["none-none-none"], plan.Conditions);
        Assert.Empty(plan.ScenarioOptions);
    }

    [Fact]
    public void Freeze_AgenticWithoutConditions_DefaultConditionsInTheirAgenticForm()
    {
        var (plan, scenario) = Freeze("leaking", [], new() { ["agentic"] = "true" });
        Assert.Equal(scenario.DefaultConditions.Select(c => c + "-agentic"), plan.Conditions);
    }
}
