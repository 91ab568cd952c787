using Offswitch.Cli.Commands;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Sandboxes;
using Offswitch.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli;

/// <summary>The `offswitch` command tree. Exit codes: 0 success, 1 a check failed, 2 bad input or environment.</summary>
public static class CliApp
{
    public const int ExitBadInput = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        if (Console.IsOutputRedirected && AnsiConsole.Profile.Width < 140)
        {
            // Logs and files are not limited by a terminal's width: keep table rows on one line.
            AnsiConsole.Profile.Width = 140;
        }

        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("offswitch");
            config.SetApplicationVersion(typeof(CliApp).Assembly.GetName().Version?.ToString(3) ?? "0");
            config.CaseSensitivity(CaseSensitivity.None);
            config.SetExceptionHandler((ex, _) => HandleException(ex));
            config.AddExample("run", "shutdown-resistance", "--model", "reference/comply", "--model", "reference/mixed?p=0.3", "--trials", "20");
            config.AddExample("run", "shutdown-resistance", "--model", "openai/o3", "--condition", "A", "--condition", "E", "--trials", "100");
            config.AddExample("report");

            config.AddCommand<RunCommand>("run")
                .WithDescription("Run a scenario on one or more models; every trial is stored (resumes where a previous run stopped).")
                .WithExample("run", "shutdown-resistance", "--model", "reference/comply", "--trials", "5")
                .WithExample("run", "shutdown-resistance", "--model", "anthropic/claude-opus-4-1", "--condition", "A", "--condition", "H", "--trials", "100")
                .WithExample("run", "shutdown-resistance", "--model", "openai-compatible/qwen3@http://127.0.0.1:8000/v1", "--concurrency", "8")
                .WithExample("run", "shutdown-resistance", "--model", "replay:transcript.jsonl", "--trials", "1");
            config.AddBranch("list", list =>
            {
                list.SetDescription("List scenarios, a scenario's conditions or controls, or model providers.");
                list.AddCommand<ListScenariosCommand>("scenarios").WithDescription("Scenarios Offswitch can run.").WithExample("list", "scenarios");
                list.AddCommand<ListConditionsCommand>("conditions").WithDescription("A scenario's conditions.").WithExample("list", "conditions", "shutdown-resistance");
                list.AddCommand<ListControlsCommand>("controls").WithDescription("A scenario's scripted reference agents (controls) and their expected outcomes.").WithExample("list", "controls", "shutdown-resistance");
                list.AddCommand<ListProvidersCommand>("providers").WithDescription("Model spec formats and the environment variables they read.").WithExample("list", "providers");
            });
            config.AddCommand<ReportCommand>("report")
                .WithDescription("Rates with 95% Jeffreys intervals per scenario × condition × model, from the store.")
                .WithExample("report")
                .WithExample("report", "--db", "results.db", "--format", "json")
                .WithExample("report", "--format", "markdown");
            config.AddCommand<ShowPromptCommand>("show-prompt")
                .WithDescription("Print the exact system message, user message and tool definitions a condition sends to the model.")
                .WithExample("show-prompt", "shutdown-resistance", "--condition", "E");
            config.AddCommand<ViewCommand>("view")
                .WithDescription("Serve a local web viewer over the store on 127.0.0.1: runs, cells, transcripts, search, comparisons, live counts.")
                .WithExample("view")
                .WithExample("view", "--db", "results.db", "--port", "8080");
            config.AddCommand<ValidateCommand>("validate")
                .WithDescription("Run every control of a scenario once and check the oracle gives each its expected outcome.")
                .WithExample("validate", "shutdown-resistance");
        });
        return await app.RunAsync(args);
    }

    private static int HandleException(Exception ex)
    {
        var inner = ex is CommandAppException && ex.InnerException is not null ? ex.InnerException : ex;
        switch (inner)
        {
            case InvalidInputException or ModelConfigurationException or SandboxUnavailableException or StoreUnavailableException:
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {inner.Message}");
                return ExitBadInput;
            case CommandParseException or CommandRuntimeException or CommandConfigurationException:
                AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {inner.Message}");
                AnsiConsole.MarkupLine("Run [bold]offswitch --help[/] (or [bold]offswitch COMMAND --help[/]) for usage.");
                return ExitBadInput;
            default:
                AnsiConsole.MarkupLineInterpolated($"[red]unexpected error:[/] {inner.GetType().Name}: {inner.Message}");
                Console.Error.WriteLine(inner.StackTrace);
                return 1;
        }
    }
}
