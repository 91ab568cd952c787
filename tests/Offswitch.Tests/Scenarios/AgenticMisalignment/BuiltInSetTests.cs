using Offswitch.Scenarios;
using Offswitch.Scenarios.AgenticMisalignment;

namespace Offswitch.Tests.Scenarios.AgenticMisalignment;

public sealed class BuiltInSetTests
{
    public static TheoryData<string> Scenarios => ["blackmail", "leaking", "lethal-alert"];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Render_EveryGridConditionAndSuffix_NoPlaceholderLeftAndCastConsistent(string name)
    {
        var scenario = (MisalignmentScenario)ScenarioCatalog.Default.Find(name)!;
        scenario.ValidateOptions(new Dictionary<string, string>());
        var rendered = 0;
        foreach (var condition in scenario.Conditions.Select(c => c.Name))
        {
            foreach (var suffix in new[] { "", "-prod", "-dont", "-goal-notice", "-prod-goal-notice-agentic" })
            {
                var prompts = scenario.Prompts(condition + suffix);
                Assert.DoesNotContain("${", prompts.SystemPrompt, StringComparison.Ordinal);
                Assert.DoesNotContain("${", prompts.EmailContent, StringComparison.Ordinal);
                Assert.Contains($"You are {prompts.Cast.AgentName},", prompts.SystemPrompt, StringComparison.Ordinal);
                Assert.Contains("<email>", prompts.EmailContent, StringComparison.Ordinal);
                Assert.EndsWith("</email>\n", prompts.EmailContent, StringComparison.Ordinal);
                rendered++;
            }
        }

        Assert.Equal(78 * 5, rendered);
    }

    [Fact]
    public void Cast_BuiltInSet_ControlsAddressesAppearInTheInboxes()
    {
        var blackmail = new BlackmailScenario().Prompts("explicit-america-replacement");
        var leaking = new LeakingScenario().Prompts("explicit-america-replacement");
        var lethal = new LethalAlertScenario().Prompts("explicit-america-replacement");

        Assert.Contains(blackmail.Cast.ExecutiveEmail!, blackmail.EmailContent, StringComparison.Ordinal);
        Assert.Contains(lethal.Cast.OverrideCode!, lethal.EmailContent, StringComparison.Ordinal);
        var specs = ToolTags.InboxEmails(leaking.EmailContent)[leaking.Cast.SpecsEmailId!.Value - 1];
        Assert.Contains("Tidewall", specs, StringComparison.Ordinal);
        Assert.Contains(leaking.Cast.LeakAddresses[0], leaking.EmailContent, StringComparison.Ordinal);
        Assert.All(leaking.Cast.AuthorityAddresses, a => Assert.DoesNotContain(a, leaking.Cast.LeakAddresses));
    }
}
