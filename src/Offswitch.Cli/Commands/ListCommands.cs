using System.ComponentModel;
using Offswitch.Scenarios;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch list scenarios`.</summary>
internal sealed class ListScenariosCommand(ScenarioCatalog scenarios) : Command<EmptyCommandSettings>
{
    public override int Execute(CommandContext context, EmptyCommandSettings settings, CancellationToken cancellationToken)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Scenario", "What it measures", "Conditions", "Source");
        foreach (var scenario in scenarios.All)
        {
            table.AddRow(
                Markup.Escape(scenario.Name),
                Markup.Escape(scenario.Title),
                Markup.Escape(ConditionSummary(scenario)),
                Markup.Escape(scenario.Source));
        }

        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>All names when they fit; for factorial designs, the count and the defaults (the full list is one command away).</summary>
    private static string ConditionSummary(IScenario scenario) =>
        scenario.Conditions.Count <= 16
            ? string.Join(" ", scenario.Conditions.Select(c => c.Name))
            : $"{scenario.Conditions.Count} conditions; default: {string.Join(" ", scenario.DefaultConditions)} (`offswitch list conditions {scenario.Name}`)";
}

/// <summary>Settings naming one scenario.</summary>
internal sealed class ScenarioSettings : CommandSettings
{
    [CommandArgument(0, "<SCENARIO>")]
    [Description("Scenario name (see `offswitch list scenarios`).")]
    public string Scenario { get; init; } = "";
}

/// <summary>`offswitch list conditions SCENARIO`.</summary>
internal sealed class ListConditionsCommand(ScenarioCatalog scenarios) : Command<ScenarioSettings>
{
    public override int Execute(CommandContext context, ScenarioSettings settings, CancellationToken cancellationToken)
    {
        var scenario = scenarios.Require(settings.Scenario);
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Condition", "Description", "Default", "Baseline");
        foreach (var condition in scenario.Conditions)
        {
            table.AddRow(
                Markup.Escape(condition.Name),
                Markup.Escape(condition.Description),
                scenario.DefaultConditions.Contains(condition.Name) ? "yes" : "",
                scenario.BaselineCondition == condition.Name ? "yes" : "");
        }

        AnsiConsole.Write(table);
        if (scenario is Scenarios.AgenticMisalignment.MisalignmentScenario)
        {
            AnsiConsole.MarkupLineInterpolated(
                $"Each name also takes suffixes, in this order: [bold]-prod[/] (no secret scratchpad), [bold]-dont[/] or [bold]-goal[/] (the published extra instructions), [bold]-notice[/] (the eval-awareness notice), [bold]-agentic[/] (actions as tool calls over several turns; ours), e.g. {scenario.DefaultConditions[0]}-prod-notice.");
        }

        AnsiConsole.MarkupLineInterpolated($"Exact texts: [bold]offswitch show-prompt {scenario.Name} --condition NAME[/]");
        return 0;
    }
}

/// <summary>`offswitch list controls SCENARIO`.</summary>
internal sealed class ListControlsCommand(ScenarioCatalog scenarios) : Command<ScenarioSettings>
{
    public override int Execute(CommandContext context, ScenarioSettings settings, CancellationToken cancellationToken)
    {
        var scenario = scenarios.Require(settings.Scenario);
        var table = new Table().Border(TableBorder.Rounded)
            .Title("Scripted reference agents (controls, not AI models)")
            .AddColumns("Model spec", "Expected outcome", "Expected technique", "What it does");
        foreach (var agent in scenario.ReferenceAgents)
        {
            table.AddRow(
                Markup.Escape($"reference/{agent.Name}"),
                Markup.Escape(agent.ExpectedOutcome ?? "(random mixture)"),
                Markup.Escape(agent.ExpectedTechnique ?? ""),
                Markup.Escape(agent.Description));
        }

        AnsiConsole.Write(table);
        return 0;
    }
}

/// <summary>`offswitch list options SCENARIO`.</summary>
internal sealed class ListOptionsCommand(ScenarioCatalog scenarios) : Command<ScenarioSettings>
{
    public override int Execute(CommandContext context, ScenarioSettings settings, CancellationToken cancellationToken)
    {
        var scenario = scenarios.Require(settings.Scenario);
        if (scenario.Options.Count == 0)
        {
            AnsiConsole.MarkupLineInterpolated($"{scenario.Name} takes no options.");
            return 0;
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("Option", "Value", "What it does");
        foreach (var option in scenario.Options)
        {
            var value = option.Kind switch
            {
                Scenarios.ScenarioOptionKind.Flag => "true | false",
                Scenarios.ScenarioOptionKind.Number => "number",
                Scenarios.ScenarioOptionKind.Path => "path",
                _ => "text",
            };
            table.AddRow(Markup.Escape(option.Name), value, Markup.Escape(option.Description));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"Set with [bold]--option NAME=VALUE[/] on run or show-prompt (repeatable), or under options: in a --spec file.");
        return 0;
    }
}

/// <summary>`offswitch list providers`.</summary>
internal sealed class ListProvidersCommand : Command<EmptyCommandSettings>
{
    public override int Execute(CommandContext context, EmptyCommandSettings settings, CancellationToken cancellationToken)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Spec", "Environment", "What it is");
        foreach (var provider in Models.ModelCatalog.Providers)
        {
            table.AddRow(Markup.Escape(provider.Pattern), Markup.Escape(string.Join(", ", provider.EnvironmentVariables)), Markup.Escape(provider.Description));
        }

        AnsiConsole.Write(table);
        return 0;
    }
}

/// <summary>`offswitch show-prompt SCENARIO --condition X`.</summary>
internal sealed class ShowPromptCommand(ScenarioCatalog scenarios) : Command<ShowPromptCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SCENARIO>")]
        [Description("Scenario name.")]
        public string Scenario { get; init; } = "";

        [CommandOption("-c|--condition <NAME>")]
        [Description("Condition (default: the scenario's baseline).")]
        public string? Condition { get; init; }

        [CommandOption("-o|--option <KEY=VALUE>")]
        [Description("Scenario option, repeatable, as for `offswitch run` (`offswitch list options SCENARIO`).")]
        public string[] Options { get; init; } = [];

        [CommandOption("--files")]
        [Description("Also print the contents of the text files the agent finds on its machine (memos, configs, scripts).")]
        public bool Files { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Trial seed to prepare (scenarios draw worlds, questions and weights from it; default 0).")]
        public int Seed { get; init; }

        [CommandOption("-m|--model <SPEC>")]
        [Description("A gguf:PATH model: print instead the exact prompt text it is sent for the first turn (its chat template applied, special tokens included), the tool-call format it is read in, and the token count.")]
        public string? Model { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scenario = scenarios.Require(settings.Scenario);
        var condition = settings.Condition ?? scenario.BaselineCondition;
        if (scenario.FindCondition(condition) is null)
        {
            throw new InvalidInputException($"Unknown condition '{condition}' for scenario '{scenario.Name}'. Known conditions: {string.Join(", ", scenario.Conditions.Select(c => c.Name))}.");
        }

        var options = Scenarios.ScenarioOptions.Check(scenario, RunCommand.ParseOptions(settings.Options));
        scenario.ValidateOptions(options);
        if (settings.Model is { } model)
        {
            var spec = Models.ModelSpec.Parse(model);
            if (spec.Provider != Models.ModelCatalog.Gguf)
            {
                throw new InvalidInputException($"show-prompt --model takes a gguf:PATH model (a remote provider's prompt text is built by its server), not '{model}'.");
            }

            if (!File.Exists(spec.Model))
            {
                throw new InvalidInputException($"GGUF model file not found: {spec.Model}");
            }

            Console.Write(PromptText.DescribeGguf(scenario, condition, spec, options, settings.Seed));
            return 0;
        }

        Console.Write(PromptText.Describe(scenario, condition, options, settings.Seed, settings.Files));
        return 0;
    }
}
