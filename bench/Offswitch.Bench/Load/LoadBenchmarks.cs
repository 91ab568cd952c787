using System.Diagnostics;
using System.Text.Json.Serialization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Offswitch.Cli;
using Offswitch.Cli.Services;
using Offswitch.Experiments;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Bench.Load;

/// <summary>How much work each benchmark does.</summary>
internal sealed record BenchOptions
{
    public int Trials { get; init; } = 1000;
    public int Concurrency { get; init; } = 200;
    public int LatencyMs { get; init; } = 500;
    public int SandboxIterations { get; init; } = 30;
    public int HarnessTrials { get; init; } = 200;
    public int HarnessTurnsPerTrial { get; init; } = 10;
}

/// <summary>The four headline figures and what they were computed from.</summary>
internal sealed record BenchResult(
    double SandboxExecRatio,
    double HarnessCpuMsPerTurn,
    double WallOverIdeal,
    double BytesPerInflightTrial,
    BenchDetails Details);

internal sealed record BenchDetails
{
    public required BenchOptions Parameters { get; init; }
    public required int ProcessorCount { get; init; }
    public required double SandboxMedianMs { get; init; }
    public required double BareBashMedianMs { get; init; }
    public required double SandboxHarnessCpuMedianMs { get; init; }
    public required double HarnessCpuMsPerTurnWithoutStore { get; init; }
    public required double HarnessCpuMsPerTrialStore { get; init; }
    public required double WallSeconds { get; init; }
    public required double IdealSeconds { get; init; }
    public required double TurnsPerTrial { get; init; }
    public required int TrialsStored { get; init; }
    public required int Errors { get; init; }
    public required IReadOnlyDictionary<string, int> Outcomes { get; init; }
    public required int PeakInFlight { get; init; }
    public required long BaselineRssBytes { get; init; }
    public required long PeakRssBytes { get; init; }
    public required long BaselineGcHeapBytes { get; init; }
    public required long PeakGcHeapBytes { get; init; }
    public required double CpuSecondsDuringLoad { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? PeakChildrenRssBytes { get; init; }

    /// <summary>CPU per operation of a trial, the harness's own and its children's (see docs/benchmarks.md).</summary>
    public required IReadOnlyDictionary<string, CpuCost> CpuProfile { get; init; }
}

/// <summary>Milliseconds of CPU: the harness process (every thread) and its reaped descendants (bwrap, PID 1, shells).</summary>
internal sealed record CpuCost(double HarnessMs, double ChildrenMs);

/// <summary>The speed benchmarks behind the load benchmark (definitions in docs/benchmarks.md).</summary>
internal static class LoadBenchmarks
{
    public static async Task<BenchResult> RunAsync(BenchOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        // The CLI's own services, so trials are wired exactly as `offswitch run` wires them.
        await using var services = new ServiceCollection().AddOffswitchCli().BuildServiceProvider();
        var models = services.GetRequiredService<ModelSetup>();
        var scenario = services.GetRequiredService<ScenarioCatalog>().Require("shutdown-resistance");
        var sandboxes = services.GetRequiredService<SandboxFactory>().Create();

        log("sandbox: create + `true` + destroy vs bare bash -c true");
        var (sandboxMs, bashMs, sandboxCpuMs) = await SandboxExecAsync(sandboxes, options.SandboxIterations, cancellationToken);

        log("profile: CPU per sandbox, per command, per host-command call and per model call");
        var profile = await CpuProfileAsync(sandboxes, scenario, models, options.SandboxIterations, cancellationToken);

        log("harness: CPU per turn with a zero-latency model and a no-op tool");
        var harness = await HarnessCpuAsync(scenario, options, cancellationToken);

        log($"load: {options.Trials} trials, concurrency {options.Concurrency}, {options.LatencyMs} ms per model call");
        var load = await LoadAsync(scenario, sandboxes, models, options, cancellationToken);

        if (load.TurnsPerTrial <= 0)
        {
            throw new InvalidOperationException($"No load trial made a model call ({load.Stored} stored, {load.Errors} error(s)): the benchmark has no ideal to compare with.");
        }

        var ideal = load.TurnsPerTrial * options.LatencyMs / 1000.0 * Math.Ceiling(options.Trials / (double)options.Concurrency);
        var growth = Math.Max(0, load.PeakRss - load.BaselineRss);
        var details = new BenchDetails
        {
            Parameters = options,
            ProcessorCount = Environment.ProcessorCount,
            SandboxMedianMs = Math.Round(sandboxMs, 3),
            BareBashMedianMs = Math.Round(bashMs, 3),
            SandboxHarnessCpuMedianMs = Math.Round(sandboxCpuMs, 3),
            HarnessCpuMsPerTurnWithoutStore = Math.Round(harness.WithoutStore, 4),
            HarnessCpuMsPerTrialStore = Math.Round(harness.StorePerTrial, 4),
            WallSeconds = Math.Round(load.Wall.TotalSeconds, 3),
            IdealSeconds = Math.Round(ideal, 3),
            TurnsPerTrial = Math.Round(load.TurnsPerTrial, 3),
            TrialsStored = load.Stored,
            Errors = load.Errors,
            Outcomes = load.Outcomes,
            PeakInFlight = load.PeakInFlight,
            BaselineRssBytes = load.BaselineRss,
            PeakRssBytes = load.PeakRss,
            BaselineGcHeapBytes = load.BaselineHeap,
            PeakGcHeapBytes = load.PeakHeap,
            CpuSecondsDuringLoad = Math.Round(load.Cpu.TotalSeconds, 3),
            PeakChildrenRssBytes = load.PeakChildrenRss,
            CpuProfile = profile,
        };
        return new BenchResult(
            Math.Round(sandboxMs / bashMs, 3),
            Math.Round(harness.WithStore, 4),
            Math.Round(load.Wall.TotalSeconds / ideal, 4),
            Math.Round(growth / (double)Math.Max(1, load.PeakInFlight)),
            details);
    }

    private static async Task<(double SandboxMs, double BashMs, double HarnessCpuMs)> SandboxExecAsync(ISandboxProvider sandboxes, int iterations, CancellationToken cancellationToken)
    {
        // Interleaved so that a slow phase of the machine affects both series alike; one warm-up of each first.
        var sandbox = new List<double>();
        var bash = new List<double>();
        var harnessCpu = new List<double>();
        for (var i = -1; i < iterations; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            await using (var box = await sandboxes.CreateAsync(new SandboxSpec(), cancellationToken))
            {
                var result = await box.ExecAsync("true", cancellationToken: cancellationToken);
                if (result.ExitCode != 0)
                {
                    throw new InvalidOperationException($"`true` failed in the sandbox (exit {result.ExitCode}): {result.Stderr}");
                }
            }

            var sandboxElapsed = Stopwatch.GetElapsedTime(started);
            var sandboxCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            started = Stopwatch.GetTimestamp();
            using (var process = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { "-c", "true" }, UseShellExecute = false })!)
            {
                await process.WaitForExitAsync(cancellationToken);
            }

            var bashElapsed = Stopwatch.GetElapsedTime(started);
            if (i >= 0)
            {
                sandbox.Add(sandboxElapsed.TotalMilliseconds);
                harnessCpu.Add(sandboxCpu.TotalMilliseconds);
                bash.Add(bashElapsed.TotalMilliseconds);
            }
        }

        return (Median(sandbox), Median(bash), Median(harnessCpu));
    }

    /// <summary>
    /// Where a trial's CPU goes. Each batch creates one sandbox, runs N of one operation, and disposes it, so that the
    /// sandbox's processes are reaped and their CPU reaches this process's children counters; a batch with no
    /// operation gives the sandbox's own cost, which the others subtract. Means, not medians: the children counters
    /// tick at 10 ms.
    /// </summary>
    private static async Task<Dictionary<string, CpuCost>> CpuProfileAsync(ISandboxProvider sandboxes, IScenario scenario, ModelSetup models, int iterations, CancellationToken cancellationToken)
    {
        var n = Math.Max(10, iterations);
        var spec = new SandboxSpec { HostCommands = [new HostCommand("probe", (_, _) => Task.FromResult(new HostCommandResult("ok\n")))] };

        // The harness's figure is measured around the operations alone (its counter is precise); the children's can only
        // be read once the sandbox is disposed and its processes reaped, so it covers the whole batch.
        async Task<CpuCost> BatchAsync(Func<ISandbox, Task>? operation, int count)
        {
            var (whole, children) = (Process.GetCurrentProcess().TotalProcessorTime, ChildrenCpu());
            TimeSpan operations;
            await using (var box = await sandboxes.CreateAsync(spec, cancellationToken))
            {
                var before = Process.GetCurrentProcess().TotalProcessorTime;
                for (var i = 0; operation is not null && i < count; i++)
                {
                    await operation(box);
                }

                operations = Process.GetCurrentProcess().TotalProcessorTime - before;
            }

            var harness = operation is null ? Process.GetCurrentProcess().TotalProcessorTime - whole : operations;
            return new CpuCost(harness.TotalMilliseconds, (ChildrenCpu() - children).TotalMilliseconds);
        }

        await BatchAsync(box => box.ExecAsync("true", cancellationToken: cancellationToken), 3);   // warm-up
        var empty = new List<CpuCost>();
        for (var i = 0; i < n; i++)
        {
            empty.Add(await BatchAsync(null, 0));
        }

        var sandbox = new CpuCost(empty.Average(c => c.HarnessMs), empty.Average(c => c.ChildrenMs));
        // Harness: the operations' own CPU; children: the batch less a batch without operations.
        CpuCost PerOperation(CpuCost batch, CpuCost minusHarness, CpuCost minusChildren, double per) =>
            new(Math.Round((batch.HarnessMs - minusHarness.HarnessMs) / per, 3), Math.Round((batch.ChildrenMs - minusChildren.ChildrenMs) / per, 3));
        var none = new CpuCost(0, 0);
        var login = PerOperation(await BatchAsync(box => box.ExecAsync("true", cancellationToken: cancellationToken), n), none, sandbox, n);
        var plainBatch = await BatchAsync(box => box.ExecAsync("true", new ExecOptions { Login = false }, cancellationToken), n);
        var plain = PerOperation(plainBatch, none, sandbox, n);
        var hostBatch = await BatchAsync(box => box.ExecAsync("./probe", new ExecOptions { Login = false }, cancellationToken), n);
        // The call's own cost: a plain command that runs the client, less a plain command that runs nothing.
        var host = PerOperation(hostBatch, plainBatch, plainBatch, n);

        await using var server = await BenchModelServer.StartAsync(TimeSpan.Zero, cancellationToken);
        var client = models.Prepare($"openai-compatible/bench@{server.BaseUrl}", scenario).Create(1);
        List<ChatMessage> messages = [new(ChatRole.System, "You are a helpful assistant."), new(ChatRole.User, "Answer the questions with ./next_question.")];
        await client.GetResponseAsync(messages, cancellationToken: cancellationToken);   // warm-up
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < n; i++)
        {
            await client.GetResponseAsync(messages, cancellationToken: cancellationToken);
        }

        var model = new CpuCost(Math.Round((Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / n, 3), 0);
        return new Dictionary<string, CpuCost>(StringComparer.Ordinal)
        {
            ["sandbox_create_dispose"] = new(Math.Round(sandbox.HarnessMs, 3), Math.Round(sandbox.ChildrenMs, 3)),
            ["exec_login_shell"] = login,
            ["exec_plain_shell"] = plain,
            ["host_command_call"] = host,
            ["model_call_http"] = model,
        };
    }

    /// <summary>User + system CPU of the descendants this process has reaped (utime/stime of waited-for children).</summary>
    private static TimeSpan ChildrenCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 16 and 17 (cutime, cstime), counted from 1 with pid and comm first; here the list starts at field 3.
        var ticks = long.Parse(fields[13], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[14], System.Globalization.CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static async Task<(double WithStore, double WithoutStore, double StorePerTrial)> HarnessCpuAsync(IScenario scenario, BenchOptions options, CancellationToken cancellationToken)
    {
        var turns = options.HarnessTurnsPerTrial;
        var noSandbox = new NoSandboxProvider();
        var executor = new TrialExecutor(noSandbox);
        var benchScenario = new NoToolScenario(scenario, turns);
        var directory = Directory.CreateTempSubdirectory("offswitch-bench-");
        try
        {
            await using var store = await SqliteResultStore.OpenAsync(Path.Combine(directory.FullName, "bench.db"), cancellationToken: cancellationToken);
            var plan = new ExperimentSpec { Scenario = scenario.Name, Models = ["bench/zero-latency"], Conditions = [scenario.BaselineCondition], Trials = 1 }
                .Freeze(new ScenarioCatalog([scenario])).Plan;
            var runId = await store.BeginRunAsync(plan, "bench", cancellationToken);
            var index = 0;

            TrialRequest Request() => new()
            {
                RunId = runId,
                ConfigurationId = "bench",
                Key = new TrialKey(scenario.Name, scenario.BaselineCondition, "bench/zero-latency", index++),
                Seed = index,
                Scenario = benchScenario,
                Client = new ZeroLatencyClient(),
                IsControl = false,
            };

            async Task<(TimeSpan Run, TimeSpan Store)> MeasureAsync(int trials, bool save)
            {
                TimeSpan run = TimeSpan.Zero, stored = TimeSpan.Zero;
                for (var i = 0; i < trials; i++)
                {
                    var before = Process.GetCurrentProcess().TotalProcessorTime;
                    var record = await executor.RunAsync(Request(), cancellationToken);
                    var middle = Process.GetCurrentProcess().TotalProcessorTime;
                    if (record.Usage.ModelCalls != turns)
                    {
                        throw new InvalidOperationException($"bench trial took {record.Usage.ModelCalls} turns, expected {turns} ({record.StopReason}: {record.Error})");
                    }

                    if (save)
                    {
                        await store.SaveTrialAsync(record, cancellationToken);
                        stored += Process.GetCurrentProcess().TotalProcessorTime - middle;
                    }

                    run += middle - before;
                }

                return (run, stored);
            }

            // Warm-up: JIT, tiered compilation and SQLite's statement cache.
            await MeasureAsync(Math.Max(5, options.HarnessTrials / 4), save: true);
            var n = Math.Max(1, options.HarnessTrials);
            var (runCpu, storeCpu) = await MeasureAsync(n, save: true);
            var totalTurns = (double)n * turns;
            return ((runCpu + storeCpu).TotalMilliseconds / totalTurns, runCpu.TotalMilliseconds / totalTurns, storeCpu.TotalMilliseconds / n);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private sealed record LoadResult(
        TimeSpan Wall, TimeSpan Cpu, double TurnsPerTrial, int Stored, int Errors, IReadOnlyDictionary<string, int> Outcomes,
        int PeakInFlight, long BaselineRss, long PeakRss, long BaselineHeap, long PeakHeap, long? PeakChildrenRss);

    private static async Task<LoadResult> LoadAsync(IScenario scenario, ISandboxProvider sandboxes, ModelSetup models, BenchOptions options, CancellationToken cancellationToken)
    {
        await using var server = await BenchModelServer.StartAsync(TimeSpan.FromMilliseconds(options.LatencyMs), cancellationToken);
        var model = $"openai-compatible/bench@{server.BaseUrl}";
        models.Configure(options.Concurrency, TimeSpan.FromMinutes(10));
        var directory = Directory.CreateTempSubdirectory("offswitch-bench-");
        try
        {
            await using var store = await SqliteResultStore.OpenAsync(Path.Combine(directory.FullName, "load.db"), cancellationToken: cancellationToken);
            var (plan, _) = new ExperimentSpec { Scenario = scenario.Name, Models = [model], Conditions = [scenario.BaselineCondition], Trials = options.Trials }
                .Freeze(new ScenarioCatalog([scenario]));
            var runner = new ExperimentRunner(store, new TrialExecutor(sandboxes), models.Bind(plan, scenario).Models);

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            var baselineRss = Rss();
            var baselineHeap = GC.GetGCMemoryInfo().HeapSizeBytes;
            using var sampler = new MemorySampler(baselineRss, baselineHeap);
            var inFlight = new PeakInFlight();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var summary = await runner.RunAsync(plan, scenario, new RunOptions { Concurrency = options.Concurrency }, inFlight, abandon: cancellationToken);
            var wall = Stopwatch.GetElapsedTime(started);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            await sampler.StopAsync();

            var trials = await store.TrialSummariesAsync(new TrialQuery(ConfigurationId: summary.ConfigurationId), cancellationToken);
            var turns = trials.Count == 0 ? 0 : trials.Average(t => t.Usage.ModelCalls);
            var outcomes = trials.GroupBy(t => t.Outcome).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            return new LoadResult(wall, cpu, turns, trials.Count, summary.Errors, outcomes, inFlight.Peak,
                baselineRss, sampler.PeakRss, baselineHeap, sampler.PeakHeap, sampler.PeakChildrenRss);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static long Rss()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /// <summary>Records the largest number of trials the runner reported in flight (reported synchronously).</summary>
    private sealed class PeakInFlight : IProgress<RunProgress>
    {
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public void Report(RunProgress value)
        {
            int current;
            do
            {
                current = Volatile.Read(ref _peak);
            }
            while (value.InFlight > current && Interlocked.CompareExchange(ref _peak, value.InFlight, current) != current);
        }
    }

    /// <summary>Samples this process's resident set and GC heap every 50 ms, and its descendants' resident sets every 500 ms.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public MemorySampler(long rss, long heap)
        {
            PeakRss = rss;
            PeakHeap = heap;
            _loop = Task.Run(LoopAsync);
        }

        public long PeakRss { get; private set; }

        public long PeakHeap { get; private set; }

        public long? PeakChildrenRss { get; private set; }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _loop;
        }

        public void Dispose() => _stop.Dispose();

        private async Task LoopAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                var tick = 0;
                do
                {
                    PeakRss = Math.Max(PeakRss, Rss());
                    PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(false));

                    // Reading every process's stat is itself work that competes with the run: only every 10th tick.
                    if (tick++ % 10 == 0 && ChildrenRss() is { } children)
                    {
                        PeakChildrenRss = Math.Max(PeakChildrenRss ?? 0, children);
                    }
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>Sum of the resident sets of every descendant process (bwrap, the sandboxes' shells), from /proc.</summary>
        private static long? ChildrenRss()
        {
            if (!Directory.Exists("/proc"))
            {
                return null;
            }

            var self = Environment.ProcessId;
            var parents = new Dictionary<int, int>();
            var rss = new Dictionary<int, long>();
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                    rss[pid] = long.Parse(fields[21], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
                {
                }
            }

            long total = 0;
            foreach (var pid in parents.Keys)
            {
                for (var p = parents[pid]; p > 1 && parents.ContainsKey(p); p = parents[p])
                {
                    if (p == self)
                    {
                        total += rss[pid];
                        break;
                    }
                }
            }

            return total;
        }
    }

    /// <summary>A model with no latency that calls the scenario's first tool every turn.</summary>
    private sealed class ZeroLatencyClient : IChatClient
    {
        private int _turn;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var turn = ++_turn;
            var tool = options?.Tools?.FirstOrDefault()?.Name ?? "tool";
            var call = new FunctionCallContent($"call_{turn}", tool, new Dictionary<string, object?> { ["thoughts"] = "Get the next question.", ["cmd"] = "./next_question" });
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new TextContent("Get the next question."), call]))
            {
                ModelId = "bench/zero-latency",
                FinishReason = ChatFinishReason.ToolCalls,
                Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>The real scenario's prompts and tool declarations, with an environment whose tool does nothing.</summary>
    private sealed class NoToolScenario(IScenario inner, int turns) : IScenario
    {
        public string Name => inner.Name;
        public string Title => inner.Title;
        public string Source => inner.Source;
        public IReadOnlyList<ScenarioCondition> Conditions => inner.Conditions;
        public IReadOnlyList<string> DefaultConditions => inner.DefaultConditions;
        public string BaselineCondition => inner.BaselineCondition;
        public OutcomeSet Outcomes => inner.Outcomes;
        public IReadOnlyList<ReferenceAgent> ReferenceAgents => inner.ReferenceAgents;

        public TrialSetup Prepare(TrialContext context)
        {
            var real = inner.Prepare(context);
            return new TrialSetup
            {
                Messages = real.Messages,
                Tools = real.Tools,
                ContinueMessage = real.ContinueMessage,
                Sandbox = new SandboxSpec(),
                Environment = new NoOpEnvironment(turns, inner.Outcomes.Keys[0]),
                Limits = real.Limits,
            };
        }
    }

    private sealed class NoOpEnvironment(int turns, string outcome) : ITrialEnvironment
    {
        private int _calls;

        public Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default) =>
            Task.FromResult(++_calls >= turns ? new ToolCallOutcome("ok", EndTrial: true, EndReason: "bench turns done") : new ToolCallOutcome("What is 1 + 1?"));

        public Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) =>
            Task.FromResult(new Verdict(outcome, null, new Dictionary<string, string>()));
    }

    private sealed class NoSandboxProvider : ISandboxProvider
    {
        public string Name => "none";

        public Task<ISandbox> CreateAsync(SandboxSpec spec, CancellationToken cancellationToken = default) => Task.FromResult<ISandbox>(new NoSandbox());
    }

    private sealed class NoSandbox : ISandbox
    {
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsAlive => !_exited.Task.IsCompleted;

        public Task Exited => _exited.Task;

        public string? ExitDescription => null;

        public string HostHomePath => string.Empty;

        public Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ExecResult(0, string.Empty, string.Empty, false, false, TimeSpan.Zero));

        public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default) => Task.FromResult<byte[]?>(null);

        public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync()
        {
            _exited.TrySetResult();
            return ValueTask.CompletedTask;
        }
    }
}
