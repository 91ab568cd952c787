using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Bench.Load;

/// <summary>The load benchmark: sandbox overhead, harness CPU per turn, wall time and memory under load (docs/benchmarks.md).</summary>
internal sealed class LoadCommand : AsyncCommand<LoadCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--trials <N>")]
        [Description("Shutdown trials in the load benchmark (default 1000; 20 with --quick).")]
        public int? Trials { get; init; }

        [CommandOption("--concurrency <C>")]
        [Description("Trials in flight at once in the load benchmark (default 200; 10 with --quick).")]
        public int? Concurrency { get; init; }

        [CommandOption("--latency-ms <L>")]
        [Description("Latency of every mock model call in the load benchmark, in ms (default 500; 20 with --quick).")]
        public int? LatencyMs { get; init; }

        [CommandOption("--sandbox-iterations <N>")]
        [Description("Sandbox and bare-bash runs whose medians are compared (default 30; 5 with --quick).")]
        public int? SandboxIterations { get; init; }

        [CommandOption("--harness-trials <N>")]
        [Description("Zero-latency trials measured for harness CPU per turn (default 200; 20 with --quick).")]
        public int? HarnessTrials { get; init; }

        [CommandOption("--quick")]
        [Description("Small defaults for a smoke run (seconds, not minutes); the figures are then rough.")]
        public bool Quick { get; init; }

        [CommandOption("--json")]
        [Description("Print JSON instead of a table.")]
        public bool Json { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var defaults = settings.Quick
            ? new BenchOptions { Trials = 20, Concurrency = 10, LatencyMs = 20, SandboxIterations = 5, HarnessTrials = 20 }
            : new BenchOptions();
        var options = defaults with
        {
            Trials = settings.Trials ?? defaults.Trials,
            Concurrency = settings.Concurrency ?? defaults.Concurrency,
            LatencyMs = settings.LatencyMs ?? defaults.LatencyMs,
            SandboxIterations = settings.SandboxIterations ?? defaults.SandboxIterations,
            HarnessTrials = settings.HarnessTrials ?? defaults.HarnessTrials,
        };
        if (options.Trials < 1 || options.Concurrency < 1 || options.SandboxIterations < 1 || options.HarnessTrials < 1)
        {
            throw new InvalidInputException("--trials, --concurrency, --sandbox-iterations and --harness-trials must be at least 1.");
        }

        if (options.LatencyMs < 1)
        {
            // The ideal is proportional to the latency: with none, wall over ideal has no meaning.
            throw new InvalidInputException($"--latency-ms must be at least 1 (got {options.LatencyMs}).");
        }

        // Progress goes to stderr so that --json output stays one parseable document.
        var result = await LoadBenchmarks.RunAsync(options, line => Console.Error.WriteLine($"bench: {line}"), cancellationToken);
        if (settings.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, JsonDefaults.Indented));
            return 0;
        }

        var table = new Table().AddColumns("Metric", "Value", "Target", "Met");
        void Row(string name, double value, string format, double target, string targetText) =>
            table.AddRow(name, value.ToString(format, CultureInfo.InvariantCulture), targetText, value <= target ? "[green]yes[/]" : "[red]no[/]");
        Row("sandbox_exec_ratio", result.SandboxExecRatio, "0.00", 3, "≤ 3");
        Row("harness_cpu_ms_per_turn", result.HarnessCpuMsPerTurn, "0.000", 1, "≤ 1 ms");
        Row("wall_over_ideal", result.WallOverIdeal, "0.000", 1.1, "≤ 1.1");
        Row("bytes_per_inflight_trial", result.BytesPerInflightTrial, "N0", 2 * 1024 * 1024, "≤ 2 MiB");
        AnsiConsole.Write(table);
        var d = result.Details;
        AnsiConsole.MarkupLineInterpolated(
            $"[grey]sandbox {d.SandboxMedianMs:0.0} ms vs bash {d.BareBashMedianMs:0.00} ms (medians of {options.SandboxIterations}); load: {d.TrialsStored} trials stored, {d.Errors} error(s), {d.TurnsPerTrial:0.##} turns/trial, wall {d.WallSeconds:0.0} s vs ideal {d.IdealSeconds:0.0} s, peak {d.PeakInFlight} in flight, RSS {d.BaselineRssBytes / 1048576.0:0} → {d.PeakRssBytes / 1048576.0:0} MiB.[/]");
        foreach (var (name, cost) in d.CpuProfile)
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]cpu {name}: harness {cost.HarnessMs:0.00} ms, children {cost.ChildrenMs:0.00} ms[/]");
        }

        return 0;
    }
}
