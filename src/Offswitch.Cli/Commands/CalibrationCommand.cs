using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.AI;
using Offswitch.Cli.Services;
using Offswitch.Organisms;
using Offswitch.Reporting;
using Offswitch.Storage;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch calibration MODEL`: the chain measured against a model with known rates.</summary>
internal sealed class CalibrationCommand(StoreOpener stores, ReportService reports) : AsyncCommand<CalibrationCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandArgument(0, "<MODEL>")]
        [Description("A model with known rates: gguf:PATH with an organism card (PATH with .json, matching SHA-256) next to it.")]
        public string Model { get; init; } = "";

        [CommandOption("--batch <N>")]
        [Description("Counted trials per batch; each batch's interval is checked against the true rate (default 20).")]
        [DefaultValue(20)]
        public int Batch { get; init; } = 20;

        [CommandOption("--run <ID>")]
        [Description("Only trials stored by this run.")]
        public string? Run { get; init; }

        [CommandOption("--method <METHOD>")]
        [Description("Interval: jeffreys (default), jeffreys-equal-tailed, wilson or cp.")]
        [DefaultValue("jeffreys")]
        public string Method { get; init; } = "jeffreys";

        [CommandOption("-o|--out <FILE>")]
        [Description("Also write the calibration as Markdown to FILE.")]
        public string? Out { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Batch < 1)
        {
            throw new InvalidInputException($"--batch must be at least 1 (got {settings.Batch}).");
        }

        if (TrueRates.CardOf(settings.Model) is not { } card)
        {
            throw new InvalidInputException(
                $"'{settings.Model}' has no known rates: calibration needs a gguf:PATH model with its organism card next to it (same name, .json) whose gguf_sha256 matches the file, e.g. gguf:models/organism/organism.gguf.");
        }

        var (method, _) = StatsCiCommand.ParseMethod(settings.Method);
        await using var store = await stores.OpenAsync(settings.Db, readOnly: true, cancellationToken);
        var summaries = (await store.TrialSummariesAsync(new TrialQuery(RunId: settings.Run, Scenario: card.Scenario), cancellationToken))
            .Where(t => t.Key.Model == settings.Model).ToList();
        if (summaries.Count == 0)
        {
            throw new InvalidInputException(
                $"No trials of {settings.Model} in {Storage.Postgres.PostgresConnection.Redact(settings.Db)}. Run them first: offswitch run {card.Scenario} --model {settings.Model} --condition A --trials 200.");
        }

        var trials = new List<CalibrationTrial>(summaries.Count);
        foreach (var summary in summaries)
        {
            var record = await store.GetTrialAsync(summary.Id, cancellationToken);
            var turns = record?.Messages.Where(m => m.Role == ChatRole.Assistant).ToList() ?? [];
            trials.Add(new CalibrationTrial(summary, turns.Count, turns.Count(m => !m.Contents.OfType<FunctionCallContent>().Any())));
        }

        var report = CalibrationAnalysis.Analyze(settings.Model, trials, (scenario, condition) => TrueRates.Of(settings.Model, scenario, condition), reports.Layout, settings.Batch, method);
        var document = CalibrationSections.Compose(report);
        ConsoleReport.Write(document);
        if (settings.Out is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, MarkdownReport.Render(document), cancellationToken);
            AnsiConsole.MarkupLineInterpolated($"[grey]Wrote {path}[/]");
        }

        return 0;
    }
}
