using System.Globalization;
using System.Text;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Xunit.Abstractions;

namespace Offswitch.IntegrationTests.Scenarios;

/// <summary>
/// Every scripted control of a scenario through the real pipeline and bubblewrap sandbox, for the scenarios whose own
/// end-to-end tests do not already run `validate`.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlValidationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("sandbagging")]
    [InlineData("covert-reranking")]
    [InlineData("alignment-faking")]
    [InlineData("horizon-tasks")]
    public async Task ValidateAsync_EveryControl_GetsItsExpectedVerdict(string name)
    {
        var scenario = ScenarioCatalog.Default.Find(name)!;
        var validator = new ControlValidator(new BubblewrapSandboxProvider());

        var checks = await validator.ValidateAsync(scenario, maxParallelism: 8);

        var report = new StringBuilder();
        foreach (var check in checks)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"{(check.Passed ? "ok  " : "FAIL")} {check.Agent,-24} expected {check.ExpectedOutcome}/{check.ExpectedTechnique ?? "-"} got {check.Outcome}/{check.Technique ?? "-"} ({check.StopReason}){(check.Error is null ? string.Empty : " error: " + check.Error)}");
        }

        output.WriteLine(report.ToString());
        Assert.Equal(scenario.ReferenceAgents.Count(a => a.ExpectedOutcome is not null), checks.Count);
        Assert.True(checks.All(c => c.Passed), report.ToString());
    }
}
