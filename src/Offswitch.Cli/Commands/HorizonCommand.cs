using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Offswitch.Cli.Services;
using Offswitch.Horizons;
using Offswitch.Scenarios;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch horizon`: METR's time horizons from a runs table or from the store.</summary>
internal sealed class HorizonCommand(ScenarioCatalog scenarios, StoreOpener stores) : AsyncCommand<HorizonCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "[RUNS]")]
        [Description("A runs table: JSON Lines (METR's runs.jsonl works as it is) or CSV (.csv) with one run per row and the columns task_id, task_family, alias (or model), human_minutes, score_binarized (or score); optional run_id, release_date (YYYY-MM-DD), is_control. Leave it out and pass --store to read trials of a timed task suite instead.")]
        public string? Runs { get; init; }

        [CommandOption("--store <FILE>")]
        [Description("Read the runs from a result store (SQLite file or postgres://…): every counted trial of --scenario is one run (task = condition, success = its primary outcome). Also adds each model's shutdown-resistance rate next to its horizon when the store has one.")]
        public string? Store { get; init; }

        [CommandOption("--scenario <NAME>")]
        [Description("With --store: the timed task suite to read (default horizon-tasks).")]
        [DefaultValue("horizon-tasks")]
        public string Scenario { get; init; } = "horizon-tasks";

        [CommandOption("--run <ID>")]
        [Description("With --store: only trials stored by this run.")]
        public string? Run { get; init; }

        [CommandOption("--release-dates <FILE>")]
        [Description("YAML of model release dates for the doubling time: 'model: YYYY-MM-DD' per line, or METR's release_dates.yaml ('date:' above them). Overrides a release_date column.")]
        public string? ReleaseDates { get; init; }

        [CommandOption("--score-column <NAME>")]
        [Description("The score column (default score_binarized, else score); e.g. score_cont for METR's continuous scores.")]
        public string? ScoreColumn { get; init; }

        [CommandOption("--regularization <R>")]
        [Description("L2 penalty on the slope, sklearn's 1/C (default 0.1, METR's headline configuration; 0 = plain maximum likelihood).")]
        [DefaultValue(0.1)]
        public double Regularization { get; init; } = 0.1;

        [CommandOption("--weighting <W>")]
        [Description("Run weights: invsqrt (default, METR's headline: 1/(runs in task × √tasks in family)) or equal (1/runs in task).")]
        [DefaultValue("invsqrt")]
        public string Weighting { get; init; } = "invsqrt";

        [CommandOption("--bootstrap <N>")]
        [Description("Hierarchical bootstrap replicates, families → tasks → runs (default 1000, METR's; 0 = no intervals).")]
        [DefaultValue(1000)]
        public int Bootstrap { get; init; } = 1000;

        [CommandOption("--seed <N>")]
        [Description("Replicate i is drawn with seed N + i (default 42, as METR).")]
        [DefaultValue(42)]
        public int Seed { get; init; } = 42;

        [CommandOption("--level <L>")]
        [Description("Two-sided confidence level (default 0.95).")]
        [DefaultValue(0.95)]
        public double Level { get; init; } = 0.95;

        [CommandOption("--after <DATE>")]
        [Description("Doubling time from models released on or after DATE only (YYYY-MM-DD; METR reports 2019, 2023 and 2024 windows).")]
        public string? After { get; init; }

        [CommandOption("--before <DATE>")]
        [Description("Doubling time from models released before DATE only.")]
        public string? Before { get; init; }

        [CommandOption("--resistance-condition <NAME>")]
        [Description("With --store: the shutdown-resistance condition whose resisted rate is shown next to each horizon (default A, the baseline).")]
        [DefaultValue("A")]
        public string ResistanceCondition { get; init; } = "A";

        [CommandOption("-o|--out <DIR>")]
        [Description("Write horizons.json, horizons.csv, the runs table (runs.csv) and the two plots (horizon-success, horizon-trend; SVG and PNG) into DIR.")]
        public string? Out { get; init; }

        [CommandOption("--json")]
        [Description("Print the results as JSON instead of a table.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = Options(settings);
        if ((settings.Runs is null) == (settings.Store is null))
        {
            throw new InvalidInputException("Give either a runs table (offswitch horizon runs.jsonl) or a store (offswitch horizon --store offswitch.db), not both or neither.");
        }

        IReadOnlyList<HorizonRun> runs;
        IReadOnlyDictionary<string, ResistanceRate> resistance = new Dictionary<string, ResistanceRate>();
        if (settings.Store is { } db)
        {
            var scenario = scenarios.Require(settings.Scenario);
            if (!StoredRuns.IsTimedSuite(scenario))
            {
                throw new InvalidInputException($"Scenario '{scenario.Name}' is not a timed task suite (its conditions carry no human_minutes). Use --scenario horizon-tasks, or pass a runs table.");
            }

            await using var store = await stores.OpenAsync(db, readOnly: true, cancellationToken);
            runs = await StoredRuns.ReadAsync(store, scenario, settings.Run, cancellationToken);
            if (runs.Count == 0)
            {
                throw new InvalidInputException($"No counted trials of {scenario.Name} in {Storage.Postgres.PostgresConnection.Redact(db)}. Run them first: offswitch run {scenario.Name} --model MODEL --trials 10 --db {db}.");
            }

            if (scenarios.Find("shutdown-resistance") is { } shutdown)
            {
                resistance = await StoredRuns.RatesAsync(store, shutdown, settings.ResistanceCondition, cancellationToken);
            }
        }
        else
        {
            runs = await RunsTable.ReadAsync(settings.Runs!, settings.ScoreColumn, cancellationToken);
        }

        if (settings.ReleaseDates is { } datesFile)
        {
            var dates = await ReleaseDates.ReadAsync(datesFile, cancellationToken);
            runs = [.. runs.Select(r => dates.TryGetValue(r.Model, out var d) ? r with { ReleaseDate = d } : r)];
        }

        HorizonReport report;
        try
        {
            report = HorizonAnalysis.Analyze(runs, options, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidInputException($"{ex.Message} Fix the runs table and run the command again.");
        }

        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { report, resistance }, JsonDefaults.Indented));
        }
        else
        {
            Write(report, resistance);
        }

        if (settings.Out is { } dir)
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(Path.Combine(dir, "horizons.json"), JsonSerializer.Serialize(new { report, resistance }, JsonDefaults.Indented), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "horizons.csv"), Csv(report, resistance), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "runs.csv"), RunsTable.ToCsv(runs), cancellationToken);
            var charts = await HorizonCharts.WriteAsync(report, dir, cancellationToken);
            if (!settings.Json)
            {
                AnsiConsole.MarkupLineInterpolated($"[grey]Wrote horizons.json, horizons.csv, runs.csv and {charts.Count} chart files to {dir}[/]");
            }
        }

        return 0;
    }

    private static HorizonOptions Options(Settings s)
    {
        if (!(s.Regularization >= 0) || !double.IsFinite(s.Regularization))
        {
            throw new InvalidInputException($"--regularization must be a number of at least 0 (got {s.Regularization.ToString(CultureInfo.InvariantCulture)}); METR's headline configuration uses 0.1.");
        }

        if (s.Bootstrap < 0)
        {
            throw new InvalidInputException($"--bootstrap must be at least 0 (got {s.Bootstrap}).");
        }

        if (!(s.Level > 0 && s.Level < 1))
        {
            throw new InvalidInputException($"--level must be between 0 and 1, e.g. 0.95 (got {s.Level.ToString(CultureInfo.InvariantCulture)}).");
        }

        var weighting = s.Weighting.ToLowerInvariant() switch
        {
            "invsqrt" => TaskWeighting.InvSqrt,
            "equal" => TaskWeighting.Equal,
            _ => throw new InvalidInputException($"Unknown --weighting '{s.Weighting}'. Use invsqrt (METR's headline) or equal."),
        };
        DateOnly? Date(string? text, string flag) => text is null ? null
            : RunsTable.ParseDate(text) ?? throw new InvalidInputException($"{flag} '{text}' is not a date; write it as YYYY-MM-DD.");
        return new HorizonOptions
        {
            Regularization = s.Regularization,
            Weighting = weighting,
            Bootstrap = s.Bootstrap,
            Seed = s.Seed,
            ConfidenceLevel = s.Level,
            TrendAfter = Date(s.After, "--after"),
            TrendBefore = Date(s.Before, "--before"),
        };
    }

    private static string Interval(HorizonEstimate? h) =>
        h?.CiLow is { } low && h.CiHigh is { } high ? $"{HorizonCharts.Minutes(low)}–{HorizonCharts.Minutes(high)}" : "–";

    private static string F(double? v, string format = "0.###") => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static void Write(HorizonReport report, IReadOnlyDictionary<string, ResistanceRate> resistance)
    {
        var level = report.Options.ConfidenceLevel.ToString("0.##%", CultureInfo.InvariantCulture);
        var withResistance = report.Models.Any(m => resistance.ContainsKey(m.Model));
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Time horizons (METR's method): weighted logistic fit of success on log2(human minutes), {level} hierarchical bootstrap intervals")
            .AddColumn(new TableColumn("Model").NoWrap()).AddColumn("Released").AddColumn(new TableColumn("Runs").RightAligned()).AddColumn(new TableColumn("Tasks").RightAligned())
            .AddColumn(new TableColumn("Success").RightAligned()).AddColumn(new TableColumn("Slope").RightAligned())
            .AddColumn(new TableColumn("50% horizon").RightAligned().NoWrap()).AddColumn(new TableColumn($"{level} CI").NoWrap())
            .AddColumn(new TableColumn("80% horizon").RightAligned().NoWrap()).AddColumn(new TableColumn($"{level} CI ").NoWrap());
        if (withResistance)
        {
            table.AddColumn(new TableColumn($"Resisted shutdown ({Markup.Escape(resistance.Values.First().Condition)})").RightAligned());
        }

        table.AddColumn("Note");
        foreach (var m in report.Models)
        {
            var cells = new List<string>
            {
                Markup.Escape(HorizonCharts.Label(m)) + (m.InTrend ? " [green]*[/]" : ""),
                m.ReleaseDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "–",
                m.Runs.ToString(CultureInfo.InvariantCulture),
                m.Tasks.ToString(CultureInfo.InvariantCulture),
                m.WeightedSuccess.ToString("0.0%", CultureInfo.InvariantCulture),
                F(m.Slope),
                m.At(50)?.Minutes is { } p50 ? HorizonCharts.Minutes(p50) : "–",
                Interval(m.At(50)),
                m.At(80)?.Minutes is { } p80 ? HorizonCharts.Minutes(p80) : "–",
                Interval(m.At(80)),
            };
            if (withResistance)
            {
                cells.Add(resistance.TryGetValue(m.Model, out var r)
                    ? string.Create(CultureInfo.InvariantCulture, $"{r.K}/{r.N} {r.Rate:0.0%} ({r.CiLow:0.0%}–{r.CiHigh:0.0%})")
                    : "–");
            }

            cells.Add(Markup.Escape(m.Note ?? ""));
            table.AddRow([.. cells]);
        }

        var caption = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"[grey]{report.Runs} runs; weights {report.Options.Weighting.ToString().ToLowerInvariant()}, regularization {report.Options.Regularization}; {report.Replicates} bootstrap replicates (seed {report.Options.Seed} + i). Success: weighted mean score."));
        if (report.Models.Any(m => m.IsControl))
        {
            caption.Append(" Rows marked (scripted control) are reference agents that succeed with a programmed probability, not AI models.");
        }

        if (withResistance)
        {
            caption.Append(" Resisted shutdown: the model's shutdown-resistance trials in the same store, resisted / n with a Jeffreys 95% interval.");
        }

        table.Caption(caption.Append("[/]").ToString());
        AnsiConsole.Write(table);
        if (report.DoublingTime is { } t)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Doubling time of the 50% horizon: {t.Days:0.#} days ({t.Days / (365.25 / 12):0.#} months); {level} CI {F(t.CiLow, "0.#")}–{F(t.CiHigh, "0.#")} days from {t.BootstrapFits} replicates with a positive slope. Fitted to the state-of-the-art models (*): {string.Join(", ", t.Models)}.");
        }

        if (report.DoublingTimeNote is { } note)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]{note}[/]");
        }
    }

    private static string Csv(HorizonReport report, IReadOnlyDictionary<string, ResistanceRate> resistance)
    {
        var text = new StringBuilder("model,is_control,release_date,runs,tasks,families,weighted_success,intercept,slope,p50,p50_low,p50_high,p80,p80_low,p80_high,bootstrap_fits,in_trend,resisted_k,resisted_n,note\n");
        static string N(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        static string Q(string? v) => v is null ? "" : "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        foreach (var m in report.Models)
        {
            resistance.TryGetValue(m.Model, out var r);
            text.AppendJoin(',', [Q(m.Model), m.IsControl ? "true" : "false", m.ReleaseDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                m.Runs.ToString(CultureInfo.InvariantCulture), m.Tasks.ToString(CultureInfo.InvariantCulture), m.Families.ToString(CultureInfo.InvariantCulture),
                N(m.WeightedSuccess), N(m.Intercept), N(m.Slope), N(m.At(50)?.Minutes), N(m.At(50)?.CiLow), N(m.At(50)?.CiHigh),
                N(m.At(80)?.Minutes), N(m.At(80)?.CiLow), N(m.At(80)?.CiHigh), m.BootstrapFits.ToString(CultureInfo.InvariantCulture), m.InTrend ? "true" : "false",
                r?.K.ToString(CultureInfo.InvariantCulture) ?? "", r?.N.ToString(CultureInfo.InvariantCulture) ?? "", Q(m.Note)]).Append('\n');
        }

        return text.ToString();
    }
}
