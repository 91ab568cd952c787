using System.ComponentModel;
using Offswitch.Cli.Services;
using Offswitch.Reporting;
using Offswitch.Storage;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch report`.</summary>
internal sealed class ReportCommand(StoreOpener stores, ReportService reports) : AsyncCommand<ReportCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandOption("-f|--format <FORMAT>")]
        [Description("table (default), md (Markdown), html (one self-contained file), json or csv.")]
        [DefaultValue("table")]
        public string Format { get; init; } = "table";

        [CommandOption("--run <ID>")]
        [Description("Only trials stored by this run (see the id printed at the end of `offswitch run`).")]
        public string? Run { get; init; }

        [CommandOption("-s|--scenario <NAME>")]
        [Description("Only this scenario.")]
        public string? Scenario { get; init; }

        [CommandOption("-o|--out <PATH>")]
        [Description("Write to PATH instead of the console. md: a directory (report.md plus chart PNG/SVG files) or a .md file with charts beside it; html/json/csv: a file, or a directory to hold report.EXT.")]
        public string? Out { get; init; }

        [CommandOption("--method <METHOD>")]
        [Description("Interval for the cells: jeffreys (default, as Palisade's tables), jeffreys-equal-tailed (α/2 in each tail even at 0/n or n/n), wilson or cp.")]
        [DefaultValue("jeffreys")]
        public string Method { get; init; } = "jeffreys";

        [CommandOption("--level <L>")]
        [Description("Confidence level of intervals (default 0.95).")]
        [DefaultValue(0.95)]
        public double Level { get; init; } = 0.95;
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var format = settings.Format.ToLowerInvariant() switch
        {
            "table" => "table",
            "md" or "markdown" => "md",
            "html" => "html",
            "json" => "json",
            "csv" => "csv",
            _ => throw new InvalidInputException($"Unknown report format '{settings.Format}'. Use table, md, html, json or csv."),
        };
        if (format == "table" && settings.Out is not null)
        {
            throw new InvalidInputException("--out writes md, html, json or csv; the table is for the console (add --format md, html, json or csv).");
        }

        if (!(settings.Level > 0 && settings.Level < 1))
        {
            throw new InvalidInputException($"--level must be strictly between 0 and 1, e.g. 0.95 (got {settings.Level}).");
        }

        var (method, _) = StatsCiCommand.ParseMethod(settings.Method);
        await using var store = await stores.OpenAsync(settings.Db, readOnly: true, cancellationToken);
        var trials = await store.TrialSummariesAsync(new TrialQuery(RunId: settings.Run, Scenario: settings.Scenario), cancellationToken);
        var runs = await store.RunsAsync(cancellationToken);
        var report = reports.BuildReport(trials, runs, method, settings.Level);
        switch (format)
        {
            case "json":
                await WriteAsync(settings.Out, "report.json", System.Text.Json.JsonSerializer.Serialize(report, JsonDefaults.Indented) + "\n", cancellationToken);
                break;
            case "csv":
                await WriteAsync(settings.Out, "report.csv", CsvReport.Render(report), cancellationToken);
                break;
            case "html":
                await WriteAsync(settings.Out, "report.html", HtmlReport.Render(report), cancellationToken);
                break;
            case "md":
                await WriteMarkdownAsync(settings.Out, report, cancellationToken);
                break;
            default:
                if (trials.Count == 0)
                {
                    AnsiConsole.MarkupLineInterpolated($"No trials in {Storage.Postgres.PostgresConnection.Redact(settings.Db)} yet. Run [bold]offswitch run SCENARIO --model SPEC[/] first.");
                    return 0;
                }

                ConsoleReport.Write(ReportSections.Compose(report));
                break;
        }

        return 0;
    }

    private static string Target(string path, string defaultName, string extension) =>
        Path.GetExtension(path).Equals(extension, StringComparison.OrdinalIgnoreCase) ? path : Path.Combine(path, defaultName);

    private static async Task WriteAsync(string? outPath, string defaultName, string text, CancellationToken cancellationToken)
    {
        if (outPath is null)
        {
            Console.Write(text);
            return;
        }

        var target = Target(outPath, defaultName, Path.GetExtension(defaultName));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        await File.WriteAllTextAsync(target, text, cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"[grey]Wrote {target}[/]");
    }

    private static async Task WriteMarkdownAsync(string? outPath, ReportData report, CancellationToken cancellationToken)
    {
        var document = ReportSections.Compose(report);
        if (outPath is null)
        {
            Console.Write(MarkdownReport.Render(document));
            return;
        }

        // Each chart of the document is written beside the Markdown file, as PNG (shown) and SVG (for print).
        var target = Target(outPath, "report.md", ".md");
        var directory = Path.GetDirectoryName(Path.GetFullPath(target))!;
        Directory.CreateDirectory(directory);
        var charts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chart in document.Charts)
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, chart.FileName + ".png"), chart.Png(), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, chart.FileName + ".svg"), chart.Svg(), cancellationToken);
            charts[chart.FileName] = chart.FileName + ".png";
        }

        await File.WriteAllTextAsync(target, MarkdownReport.Render(document, charts), cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"[grey]Wrote {target} and {charts.Count * 2} chart file(s)[/]");
    }
}
