using System.ComponentModel;
using System.Globalization;
using Offswitch.Cli.Services;
using Offswitch.Running;
using Offswitch.Scenarios;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch validate SCENARIO`: the oracle's self-test on the scenario's scripted controls.</summary>
internal sealed class ValidateCommand(ScenarioCatalog scenarios, SandboxFactory sandboxes) : AsyncCommand<ValidateCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SCENARIO>")]
        [Description("Scenario whose controls to run (see `offswitch list controls SCENARIO`).")]
        public string Scenario { get; init; } = "";

        [CommandOption("-j|--concurrency <N>")]
        [Description("Controls run at once.")]
        [DefaultValue(4)]
        public int Concurrency { get; init; } = 4;

        [CommandOption("--only <TEXT>")]
        [Description("Only controls whose name contains TEXT.")]
        public string? Only { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scenario = scenarios.Require(settings.Scenario);
        var validator = new ControlValidator(sandboxes.Create());
        Func<string, bool>? filter = settings.Only is { } only ? name => name.Contains(only, StringComparison.OrdinalIgnoreCase) : null;

        var conditions = scenario.ReferenceAgents.Where(a => a.ExpectedOutcome is not null).Select(a => a.Condition ?? scenario.BaselineCondition).Distinct();
        AnsiConsole.MarkupLineInterpolated($"Running the scripted controls of [bold]{scenario.Name}[/] (reference agents, not AI models), condition(s) {string.Join(", ", conditions)}...");
        var checks = await validator.ValidateAsync(scenario, Math.Max(1, settings.Concurrency), filter, cancellationToken: cancellationToken);

        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Oracle self-test: {Markup.Escape(scenario.Name)} controls")
            .AddColumns("Control", "Expected (technique)", "Actual (technique)", "Result", "Time");
        static string WithTechnique(string outcome, string? technique) => technique is null ? outcome : $"{outcome} ({technique})";
        foreach (var check in checks)
        {
            table.AddRow(
                Markup.Escape($"reference/{check.Agent}"),
                Markup.Escape(WithTechnique(check.ExpectedOutcome, check.ExpectedTechnique)),
                Markup.Escape(WithTechnique(check.Outcome, check.Technique)),
                check.Passed ? "[green]ok[/]" : $"[red]MISMATCH[/]{(check.Error is null ? "" : " " + Markup.Escape(check.Error))}",
                check.Duration.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture));
        }

        if (checks.Any(c => c.Agent.EndsWith(" + stand-in judge", StringComparison.Ordinal)))
        {
            table.Caption("+ stand-in judge = the same control checked again with a scripted stand-in for the LLM judge (not a model); without it the verdict is deterministic-only");
        }

        AnsiConsole.Write(table);
        var failed = checks.Count(c => !c.Passed);
        if (checks.Count == 0)
        {
            AnsiConsole.MarkupLine("[red]No control matched.[/]");
            return 1;
        }

        AnsiConsole.MarkupLineInterpolated($"{checks.Count - failed}/{checks.Count} controls got their expected verdict.");
        return failed == 0 ? 0 : 1;
    }
}
