using BenchmarkDotNet.Running;
using Offswitch.Bench;
using Offswitch.Bench.Load;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

// Macro figures (process spawning, sandboxes, whole trials) are timed here with a stopwatch and reported as medians and
// as ratios against a baseline measured in the same run; micro benchmarks go through BenchmarkDotNet.
var mode = args.Length > 0 ? args[0] : "help";
var iterations = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 40;
switch (mode)
{
    case "sandbox":
        return await SandboxBench.RunAsync(iterations);
    case "trials":
        return await TrialThroughputBench.RunAsync(iterations);
    case "stopping":
        return StoppingBench.Run(args.Length > 1 ? iterations : 4000);
    case "viewer-store":
        return await ViewerStoreBench.RunAsync(args.Length > 1 ? iterations : 100_000, args.Length > 2 ? args[2] : null);
    case "gguf":
        return await GgufBench.RunAsync(args.Length > 1 ? iterations : 32);
    case "load":
        try
        {
            var app = new CommandApp<LoadCommand>();
            app.Configure(config =>
            {
                config.SetApplicationName("dotnet run -c Release --project bench/Offswitch.Bench -- load");
                config.PropagateExceptions();
                config.UseStrictParsing();
                config.AddExample("--json");
                config.AddExample("--quick");
                config.AddExample("--trials", "200", "--concurrency", "50", "--latency-ms", "100", "--json");
            });
            return await app.RunAsync(args[1..]);
        }
        catch (Exception e) when (e is UserErrorException or CommandRuntimeException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Error:[/] {e.Message}");
            return 2;
        }
    case "micro":
        BenchmarkSwitcher.FromAssembly(typeof(SandboxBench).Assembly).Run(args[1..]);
        return 0;
    default:
        Console.WriteLine("""
            Offswitch benchmarks (docs/benchmarks.md)
              load [--json] [--quick] [--trials N] [--concurrency C] [--latency-ms L] [--sandbox-iterations N] [--harness-trials N]
                            the headline figures in one run: sandbox overhead, harness CPU per turn, wall time over ideal and
                            memory per trial in flight, with 1,000 trials at concurrency 200 against a mock model (load --help)
              sandbox [N]   sandbox start and exec medians against bare `bash -c true` (N iterations, default 40)
              trials  [N]   whole shutdown-resistance trials with a scripted control: trials/s at concurrency 1 and 4
              stopping [R]  run-until-precise on the published Palisade cells: trials used vs N = 1000 and coverage (R simulated cells per rate, default 4000)
              viewer-store [N] [FILE]  builds (once) a store of N synthetic trials (default 100000) and times the viewer's queries
              gguf [N]      the GGUF provider on a tiny templated model: trials/s at concurrency 1, 4 and 16, context reused or new per call (N trials per row, default 32)
              micro ...     BenchmarkDotNet micro benchmarks: prompt rendering and tool-call parsing of the GGUF provider,
                            the report's intervals (pass BenchmarkDotNet arguments, e.g. --filter '*')
            """);
        return mode == "help" ? 0 : 2;
}
