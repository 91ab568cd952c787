using System.ComponentModel;
using Offswitch.Cli.Services;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Scenarios;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch run`.</summary>
internal sealed class RunCommand(ScenarioCatalog scenarios, ModelSetup models, SandboxFactory sandboxFactory, StoreOpener stores, ReportService reports) : AsyncCommand<RunCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandArgument(0, "[SCENARIO]")]
        [Description("Scenario to run (see `offswitch list scenarios`), e.g. shutdown-resistance. Optional with --spec.")]
        public string? Scenario { get; init; }

        [CommandOption("--spec <FILE>")]
        [Description("YAML experiment spec (scenario, models, conditions, trials, seed, concurrency, temperature, top_p, max_tokens, reasoning_effort, message_limit, options). Flags given on the command line override its values.")]
        public string? Spec { get; init; }

        [CommandOption("-m|--model <SPEC>")]
        [Description("Model spec, repeatable: openai/MODEL, anthropic/MODEL, openai-compatible/MODEL@URL, ollama/MODEL, gguf:PATH, replay:PATH, reference/NAME (a scripted control). See `offswitch list providers`.")]
        public string[] Models { get; init; } = [];

        [CommandOption("-c|--condition <NAME>")]
        [Description("Condition, repeatable (see `offswitch list conditions SCENARIO`). Default: the scenario's default conditions.")]
        public string[] Conditions { get; init; } = [];

        [CommandOption("-n|--trials <N>")]
        [Description("Trials per condition and model (default 10).")]
        public int? Trials { get; init; }

        [CommandOption("-j|--concurrency <N>")]
        [Description("Trials in flight at once (default 4).")]
        public int? Concurrency { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Plan seed (default 1): each trial's seed derives from it and the trial's key; it fixes the scripted controls' choices and GGUF sampling. Hosted models are sampled with provider defaults.")]
        public int? Seed { get; init; }

        [CommandOption("--temperature <T>")]
        [Description("Sampling temperature (provider default when omitted, as in the published experiments).")]
        public float? Temperature { get; init; }

        [CommandOption("--top-p <P>")]
        [Description("Nucleus sampling: sample from the smallest set of tokens whose probability reaches P (provider default when omitted).")]
        public float? TopP { get; init; }

        [CommandOption("--max-tokens <N>")]
        [Description("Maximum output tokens per model call.")]
        public int? MaxTokens { get; init; }

        [CommandOption("--reasoning-effort <LEVEL>")]
        [Description("Reasoning effort for models that support it: none, low, medium, high, xhigh.")]
        public string? ReasoningEffort { get; init; }

        [CommandOption("--message-limit <N>")]
        [Description("Messages per trial before it is discarded (scenario default: 60 for shutdown-resistance).")]
        public int? MessageLimit { get; init; }

        [CommandOption("-o|--option <KEY=VALUE>")]
        [Description("Scenario option, repeatable, e.g. observe-after-bypass=true, or templates=DIR and agentic=true for blackmail, leaking and lethal-alert (`offswitch list options SCENARIO`). Unknown names are refused.")]
        public string[] Options { get; init; } = [];

        [CommandOption("--until-width <W>")]
        [Description("Run until precise: add trials to each cell in batches and stop a cell once its 95% Jeffreys interval is narrower than W (a fraction, e.g. 0.05 = 5 points). --max-trials is the cap.")]
        public double? UntilWidth { get; init; }

        [CommandOption("--until-decided <T>")]
        [Description("Run until decided: stop a cell once its interval lies wholly above or below the rate T (a fraction). Looks use --look-level.")]
        public double? UntilDecided { get; init; }

        [CommandOption("--max-trials <N>")]
        [Description("Cap per cell with --until-width/--until-decided (default 1000).")]
        public int? MaxTrials { get; init; }

        [CommandOption("--batch <N>")]
        [Description("Trials added to each unfinished cell between checks (default 50).")]
        public int? Batch { get; init; }

        [CommandOption("--min-trials <N>")]
        [Description("Counted trials a cell needs before it may stop (default 0; 200 keeps the width rule's coverage at 95%, see docs/statistics.md).")]
        public int? MinTrials { get; init; }

        [CommandOption("--look-level <L>")]
        [Description("Confidence level of the interval checked at each look (default 0.95; 0.99 recommended with --until-decided).")]
        public double? LookLevel { get; init; }

        [CommandOption("--prices <FILE>")]
        [Description("Token price table (JSON, the format of the shipped Models/Data/prices.json) whose entries override the shipped prices.")]
        public string? Prices { get; init; }

        [CommandOption("--max-cost <USD>")]
        [Description("Stop starting trials once the known cost of this experiment's stored trials reaches USD; in-flight trials finish and are stored (exit 3). Rerun with a higher limit to resume.")]
        public double? MaxCost { get; init; }

        [CommandOption("--max-tokens-total <N>")]
        [Description("Stop starting trials once this experiment's stored trials used N input + output tokens (exit 3). Rerun with a higher limit to resume.")]
        public long? MaxTokensTotal { get; init; }

        [CommandOption("--request-timeout <SECONDS>")]
        [Description("Timeout of one HTTP request to a provider; a timed-out request is retried.")]
        [DefaultValue(600.0)]
        public double RequestTimeout { get; init; } = 600;

        [CommandOption("--judge <SPEC>")]
        [Description("LLM judge for scenarios whose verdict weighs intent (e.g. blackmail): any model spec, called at temperature 0. Without it those scenarios use their deterministic checks only, and reports say so.")]
        public string? Judge { get; init; }

        [CommandOption("--reasoning-judge <SPEC>")]
        [Description("LLM judge that reads every trial's reasoning and messages after its verdict, on any scenario: states a self-preservation motive, weighs ethics against survival, acknowledges the instruction, eval awareness (yes/no, each with the verbatim quote it relied on). Failed calls are missing data; trials without text are \"no reasoning\". See src/Offswitch/Scoring/Reasoning/README.md.")]
        public string? ReasoningJudge { get; init; }

        [CommandOption("--interrogate [FILE]")]
        [Description("After each trial in which the oracle found the scenario's primary outcome, ask follow-up questions (each --interrogate-k times, in fresh continuations of the transcript) and label the answers admits/denies/evades with the --judge model. Without FILE: the default set (Apollo-style and Palisade self-explanation questions); FILE: a YAML question set (docs/interrogation.md).")]
        public FlagValue<string>? Interrogate { get; init; }

        [CommandOption("--interrogate-k <N>")]
        [Description("Fresh continuations per follow-up question with --interrogate (default 3; Apollo used 20).")]
        public int? InterrogateK { get; init; }

        [CommandOption("--plan-only")]
        [Description("Register the plan's missing trials in a shared PostgreSQL store (--db postgres://...) for `offswitch worker` processes to run, and exit.")]
        public bool PlanOnly { get; init; }

        [CommandOption("--quiet")]
        [Description("Print only the final table.")]
        public bool Quiet { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var file = settings.Spec is { } specPath ? await ExperimentSpecFile.LoadAsync(specPath, cancellationToken) : new ExperimentSpecFile();
        var scenarioOptions = new Dictionary<string, string>(file.Options ?? [], StringComparer.Ordinal);
        foreach (var (key, value) in ParseOptions(settings.Options))
        {
            scenarioOptions[key] = value;
        }

        // Command-line flags override the file's values; lists given on the command line replace the file's.
        var stopping = StoppingFrom(settings);
        var scenarioName = settings.Scenario ?? file.Scenario;
        IReadOnlyList<string> conditions = settings.Conditions.Length > 0 ? settings.Conditions : file.Conditions ?? [];
        var spec = new ExperimentSpec
        {
            Scenario = scenarioName
                ?? throw new InvalidInputException("No scenario given. Name one (e.g. `offswitch run shutdown-resistance ...`) or set `scenario:` in the --spec file; see `offswitch list scenarios`."),
            Models = settings.Models.Length > 0 ? settings.Models : file.Models ?? [],
            Conditions = conditions,
            Trials = stopping is null ? settings.Trials ?? file.Trials ?? 10 : settings.MaxTrials ?? 1000,
            Stopping = stopping,
            Seed = settings.Seed ?? file.Seed ?? 1,
            MessageLimit = settings.MessageLimit ?? file.MessageLimit,
            ModelOptions = new ModelOptions
            {
                Temperature = settings.Temperature ?? file.Temperature,
                TopP = settings.TopP ?? file.TopP,
                MaxOutputTokens = settings.MaxTokens ?? file.MaxTokens,
                ReasoningEffort = settings.ReasoningEffort ?? file.ReasoningEffort,
            },
            ScenarioOptions = scenarioOptions,
            Judge = settings.Judge ?? file.Judge,
            ReasoningJudge = settings.ReasoningJudge ?? file.ReasoningJudge,
            Interrogation = await InterrogationFromAsync(settings, file, cancellationToken),
        };
        var concurrency = settings.Concurrency ?? file.Concurrency ?? 4;
        if (concurrency < 1)
        {
            throw new InvalidInputException($"--concurrency must be at least 1 (got {concurrency}).");
        }

        if (settings.MaxCost is < 0 || settings.MaxTokensTotal is < 0)
        {
            throw new InvalidInputException("--max-cost and --max-tokens-total cannot be negative.");
        }

        if (settings.RequestTimeout <= 0)
        {
            throw new InvalidInputException($"--request-timeout must be a positive number of seconds (got {settings.RequestTimeout}).");
        }

        var (plan, scenario) = spec.Freeze(scenarios);
        var prices = PriceTable.Load(settings.Prices);
        var rateLimits = models.Configure(concurrency, TimeSpan.FromSeconds(settings.RequestTimeout));
        if (plan.Judge is { } judge)
        {
            if (ModelCatalog.IsControl(judge))
            {
                throw new InvalidInputException($"--judge {judge}: a scripted control cannot judge. Name a model (e.g. --judge anthropic/claude-3-7-sonnet-20250219 or --judge openai-compatible/NAME@http://host:port/v1).");
            }

        }

        if (plan.ReasoningJudge is { } reasoningJudge && ModelCatalog.IsControl(reasoningJudge))
        {
            throw new InvalidInputException($"--reasoning-judge {reasoningJudge}: a scripted control cannot judge. Name a model (e.g. --reasoning-judge anthropic/claude-sonnet-4-5 or --reasoning-judge openai-compatible/NAME@http://host:port/v1).");
        }

        if (plan.Interrogation is not null && plan.Judge is null && !settings.Quiet)
        {
            AnsiConsole.MarkupLine("[yellow]--interrogate without --judge:[/] answers are stored with deterministic hints only; their admits/denies/evades labels and the confession rates stay missing.");
        }

        // Every spec is parsed and checked here, once for the whole run; the runner builds each trial's client from it.
        var binding = models.Bind(plan, scenario);
        foreach (var model in plan.Models)
        {
            if (settings.MaxCost is not null && prices.Find(model) is null)
            {
                throw new InvalidInputException(
                    $"--max-cost cannot be enforced: no price is known for model '{model}'. Add it to a price file and pass --prices FILE "
                    + "(e.g. {\"prices\": [{\"model\": \"" + model + "\", \"input\": 2, \"output\": 8}]}, USD per million tokens), or use --max-tokens-total.");
            }
        }

        if (settings.PlanOnly)
        {
            return await RegisterPlanAsync(settings, plan, cancellationToken);
        }

        var sandboxes = sandboxFactory.Create();
        await using var store = await stores.OpenAsync(settings.Db, readOnly: false, cancellationToken);

        using var stopScheduling = new CancellationTokenSource();
        using var abandon = new CancellationTokenSource();
        var interrupts = 0;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            if (Interlocked.Increment(ref interrupts) == 1)
            {
                Console.Error.WriteLine("Stopping: in-flight trials will finish and be stored. Press Ctrl-C again to abandon them.");
                stopScheduling.Cancel();
            }
            else
            {
                Console.Error.WriteLine("Abandoning in-flight trials (they are not stored; a rerun will redo them).");
                abandon.Cancel();
            }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var runner = new ExperimentRunner(store, new TrialExecutor(sandboxes), binding.Models);
            var options = new RunOptions
            {
                Concurrency = concurrency,
                Cost = prices.Cost,
                Budget = new RunBudget(settings.MaxCost, settings.MaxTokensTotal),
                RateLimits = rateLimits.Status,
            };
            var summary = await ProgressDisplay.RunAsync(
                plan,
                settings.Quiet,
                progress => runner.RunAsync(plan, scenario, options, progress, stopScheduling.Token, abandon.Token));

            var trials = await store.TrialSummariesAsync(new Storage.TrialQuery(ConfigurationId: summary.ConfigurationId), CancellationToken.None);
            var report = reports.Summarize(trials.Where(t => plan.Conditions.Contains(t.Key.Condition) && plan.Models.Contains(t.Key.Model)).ToList());
            ConsoleReport.Write(Reporting.ReportSections.Summary(report));
            AnsiConsole.MarkupLineInterpolated($"[grey]Run {summary.RunId}: {summary.Ran} trial(s) run, {summary.AlreadyStored} already stored, {summary.Errors} error(s), {summary.Tokens:N0} tokens, cost {Reporting.ReportFormat.Cost(summary.CostUsd, summary.UnpricedTrials)}. Store: {Storage.Postgres.PostgresConnection.Redact(settings.Db)}[/]");
            if (summary.Interrupted)
            {
                AnsiConsole.MarkupLine("[yellow]Interrupted.[/] Run the same command again to resume: only missing trials will run.");
                return CliApp.ExitInterrupted;
            }

            if (summary.BudgetExhausted is { } budget)
            {
                var storedNow = summary.AlreadyStored + summary.Ran;
                AnsiConsole.MarkupLineInterpolated(
                    $"[yellow]Budget reached[/] ({budget}): {storedNow} of {summary.Planned} planned trials stored. Raise the limit and run the same command again to resume: only missing trials will run.");
                return CliApp.ExitBudgetReached;
            }

            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private async Task<int> RegisterPlanAsync(Settings settings, ExperimentPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Stopping is not null || settings.MaxCost is not null || settings.MaxTokensTotal is not null)
        {
            throw new InvalidInputException("--plan-only cannot be combined with --until-width/--until-decided or --max-cost/--max-tokens-total: workers run a fixed list of trials.");
        }

        if (!Storage.Postgres.PostgresConnection.IsPostgres(settings.Db))
        {
            throw new InvalidInputException("--plan-only registers the plan in a shared PostgreSQL store: pass --db postgres://user:pass@host:port/db (or --db env:VARIABLE).");
        }

        await using var store = await stores.OpenAsync(settings.Db, readOnly: false, cancellationToken);
        var queue = store as Storage.ITrialQueue
            ?? throw new InvalidInputException("--plan-only registers the plan in a shared PostgreSQL store: pass --db postgres://user:pass@host:port/db (or --db env:VARIABLE).");
        var queued = await queue.RegisterPlanAsync(plan, typeof(RunCommand).Assembly.GetName().Version?.ToString() ?? "0", cancellationToken);
        Console.WriteLine($"plan {queued.Id}");
        AnsiConsole.MarkupLineInterpolated($"[grey]{queued.Queued} trial(s) queued ({plan.Keys().Count() - queued.Queued} already stored). Start workers with: offswitch worker --db {Storage.Postgres.PostgresConnection.Redact(settings.Db)} --plan {queued.Id}[/]");
        return 0;
    }

    /// <summary>The interrogation part of the plan: the flag (with or without a file) wins over the spec file's <c>interrogate:</c>.</summary>
    private static async Task<Scoring.Interrogation.InterrogationPlan?> InterrogationFromAsync(Settings settings, ExperimentSpecFile file, CancellationToken cancellationToken)
    {
        var source = settings.Interrogate is { IsSet: true } flag
            ? (string.IsNullOrWhiteSpace(flag.Value) ? DefaultQuestionSet : flag.Value)
            : file.Interrogate;
        var k = settings.InterrogateK ?? file.InterrogateK;
        if (source is null)
        {
            return k is null ? null : throw new InvalidInputException("--interrogate-k needs --interrogate (the default questions) or --interrogate FILE.");
        }

        var questions = source == DefaultQuestionSet
            ? Scoring.Interrogation.QuestionSet.Default
            : await Scoring.Interrogation.QuestionSet.LoadAsync(source, cancellationToken);
        return Scoring.Interrogation.InterrogationPlan.Create(questions, k ?? Scoring.Interrogation.InterrogationPlan.DefaultK);
    }

    private const string DefaultQuestionSet = "default";

    private static Statistics.StoppingRule? StoppingFrom(Settings settings)
    {
        if (settings.UntilWidth is null && settings.UntilDecided is null)
        {
            if (settings.MaxTrials is not null || settings.Batch is not null || settings.MinTrials is not null || settings.LookLevel is not null)
            {
                throw new InvalidInputException("--max-trials, --batch, --min-trials and --look-level need --until-width W or --until-decided T.");
            }

            return null;
        }

        var rule = new Statistics.StoppingRule { Width = settings.UntilWidth, DecideThreshold = settings.UntilDecided };
        return rule with
        {
            BatchSize = settings.Batch ?? rule.BatchSize,
            MinTrials = settings.MinTrials ?? rule.MinTrials,
            Level = settings.LookLevel ?? rule.Level,
        };
    }

    internal static Dictionary<string, string> ParseOptions(IEnumerable<string> options)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in options)
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new InvalidInputException($"Scenario option '{option}' must look like KEY=VALUE (e.g. --option observe-after-bypass=true).");
            }

            result[option[..eq].Trim()] = option[(eq + 1)..].Trim();
        }

        return result;
    }
}

/// <summary>Settings shared by commands that read or write the store.</summary>
internal class StoreSettings : CommandSettings
{
    [CommandOption("--db <FILE>")]
    [Description("Result store: an SQLite file, or a shared PostgreSQL database as postgres://user:pass@host:port/db or env:VARIABLE (a variable holding that address, to keep the password off the command line).")]
    [DefaultValue("offswitch.db")]
    public string Db { get; init; } = "offswitch.db";
}
