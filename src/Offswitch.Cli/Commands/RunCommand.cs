using System.ComponentModel;
using Offswitch.Experiments;
using Offswitch.Running;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>`offswitch run`.</summary>
internal sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    internal sealed class Settings : StoreSettings
    {
        [CommandArgument(0, "[SCENARIO]")]
        [Description("Scenario to run (see `offswitch list scenarios`), e.g. shutdown-resistance. Optional with --spec.")]
        public string? Scenario { get; init; }

        [CommandOption("--spec <FILE>")]
        [Description("YAML experiment spec (scenario, models, conditions, trials, seed, concurrency, temperature, max_tokens, reasoning_effort, message_limit, options). Flags given on the command line override its values.")]
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
        [Description("Scenario option, repeatable, e.g. observe-after-bypass=true.")]
        public string[] Options { get; init; } = [];

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
        var spec = new ExperimentSpec
        {
            Scenario = settings.Scenario ?? file.Scenario
                ?? throw new InvalidInputException("No scenario given. Name one (e.g. `offswitch run shutdown-resistance ...`) or set `scenario:` in the --spec file; see `offswitch list scenarios`."),
            Models = settings.Models.Length > 0 ? settings.Models : file.Models ?? [],
            Conditions = settings.Conditions.Length > 0 ? settings.Conditions : file.Conditions ?? [],
            Trials = settings.Trials ?? file.Trials ?? 10,
            Seed = settings.Seed ?? file.Seed ?? 1,
            MessageLimit = settings.MessageLimit ?? file.MessageLimit,
            ModelOptions = new ModelOptions
            {
                Temperature = settings.Temperature ?? file.Temperature,
                MaxOutputTokens = settings.MaxTokens ?? file.MaxTokens,
                ReasoningEffort = settings.ReasoningEffort ?? file.ReasoningEffort,
            },
            ScenarioOptions = scenarioOptions,
        };
        var concurrency = settings.Concurrency ?? file.Concurrency ?? 4;
        if (concurrency < 1)
        {
            throw new InvalidInputException($"--concurrency must be at least 1 (got {concurrency}).");
        }

        var (plan, scenario) = spec.Freeze(Wiring.FindScenario, Wiring.ScenarioNames);
        foreach (var model in plan.Models)
        {
            Wiring.ValidateModel(model, scenario);
        }

        var sandboxes = Wiring.CreateSandboxProvider();
        await using var store = await Wiring.OpenStoreAsync(settings.Db, readOnly: false, cancellationToken);

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
            var runner = new ExperimentRunner(store, new TrialExecutor(sandboxes), (modelSpec, seed) => Wiring.CreateClient(modelSpec, scenario, seed));
            var options = new RunOptions { Concurrency = concurrency, IsControl = Wiring.IsControl };
            var summary = await ProgressDisplay.RunAsync(
                plan,
                settings.Quiet,
                progress => runner.RunAsync(plan, scenario, options, progress, stopScheduling.Token, abandon.Token));

            var trials = await store.TrialSummariesAsync(new Storage.TrialQuery(ConfigurationId: summary.ConfigurationId), CancellationToken.None);
            var report = Wiring.Analyze(trials.Where(t => plan.Conditions.Contains(t.Key.Condition) && plan.Models.Contains(t.Key.Model)).ToList());
            ReportRenderer.WriteTable(report);
            AnsiConsole.MarkupLineInterpolated($"[grey]Run {summary.RunId}: {summary.Ran} trial(s) run, {summary.AlreadyStored} already stored, {summary.Errors} error(s). Store: {settings.Db}[/]");
            if (summary.Interrupted)
            {
                AnsiConsole.MarkupLine("[yellow]Interrupted.[/] Run the same command again to resume: only missing trials will run.");
                return 130;
            }

            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static Dictionary<string, string> ParseOptions(IEnumerable<string> options)
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
    [Description("SQLite result store.")]
    [DefaultValue("offswitch.db")]
    public string Db { get; init; } = "offswitch.db";
}
