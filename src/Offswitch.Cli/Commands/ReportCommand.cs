using System.ComponentModel;
using Offswitch.Experiments;
using Offswitch.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch report`.</summary>
internal sealed class ReportCommand : AsyncCommand<ReportCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandOption("-f|--format <FORMAT>")]
        [Description("table (default), json or markdown.")]
        [DefaultValue("table")]
        public string Format { get; init; } = "table";

        [CommandOption("--run <ID>")]
        [Description("Only trials stored by this run (see the id printed at the end of `offswitch run`).")]
        public string? Run { get; init; }

        [CommandOption("-s|--scenario <NAME>")]
        [Description("Only this scenario.")]
        public string? Scenario { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var format = settings.Format.ToLowerInvariant();
        if (format is not ("table" or "json" or "markdown" or "md"))
        {
            throw new InvalidInputException($"Unknown report format '{settings.Format}'. Use table, json or markdown.");
        }

        await using var store = await Wiring.OpenStoreAsync(settings.Db, readOnly: true, cancellationToken);
        var trials = await store.TrialSummariesAsync(new TrialQuery(RunId: settings.Run, Scenario: settings.Scenario), cancellationToken);
        var report = Wiring.Analyze(trials);
        switch (format)
        {
            case "json":
                Console.WriteLine(Wiring.ToJson(report));
                break;
            case "markdown" or "md":
                Console.Write(Wiring.ToMarkdown(report));
                break;
            default:
                if (trials.Count == 0)
                {
                    AnsiConsole.MarkupLineInterpolated($"No trials in {settings.Db} yet. Run [bold]offswitch run SCENARIO --model SPEC[/] first.");
                    return 0;
                }

                ReportRenderer.WriteTable(report);
                break;
        }

        return 0;
    }
}
