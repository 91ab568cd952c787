using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Running;

public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("offswitch-runner-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ExperimentPlan Plan(int trials) => new()
    {
        Scenario = TinyScenario.ScenarioName,
        Conditions = ["X", "Y"],
        Models = ["fake/one"],
        Trials = trials,
        Seed = 3,
    };

    private async Task<SqliteResultStore> StoreAsync() => await SqliteResultStore.OpenAsync(Path.Combine(_dir, "t.db"));

    private static ExperimentRunner Runner(IResultStore store, Func<IChatClient> client) =>
        new(store, new TrialExecutor(new NullSandboxProvider()), spec => PreparedModel.Of(spec, _ => client()));

    [Fact]
    public async Task RunAsync_FreshStore_StoresEveryPlannedTrial()
    {
        await using var store = await StoreAsync();
        var summary = await Runner(store, () => new EndingClient()).RunAsync(Plan(3), new TinyScenario(), new RunOptions { Concurrency = 3 });

        Assert.Equal(6, summary.Planned);
        Assert.Equal(6, summary.Ran);
        Assert.False(summary.Interrupted);
        var trials = await store.TrialSummariesAsync();
        Assert.Equal(6, trials.Count);
        Assert.All(trials, t => Assert.Equal("done", t.Outcome));
    }

    [Fact]
    public async Task RunAsync_TwoModelsAndAJudge_PreparesEachSpecOncePerRun()
    {
        await using var store = await StoreAsync();
        var prepared = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var clients = 0;
        var runner = new ExperimentRunner(store, new TrialExecutor(new NullSandboxProvider()), spec =>
        {
            prepared.Enqueue(spec);
            return PreparedModel.Of(spec, _ => { Interlocked.Increment(ref clients); return new EndingClient(); });
        });
        var plan = Plan(3) with { Models = ["fake/one", "fake/two"], Judge = "fake/judge" };

        var summary = await runner.RunAsync(plan, new TinyScenario(), new RunOptions { Concurrency = 4 });

        Assert.Equal(12, summary.Ran);
        Assert.Equal(["fake/judge", "fake/one", "fake/two"], prepared.Order(StringComparer.Ordinal));
        Assert.Equal(24, clients); // one model client and one judge client per trial, from the prepared specs
    }

    [Fact]
    public async Task RunAsync_ModelThatCannotBePrepared_FailsBeforeTheRunIsRecorded()
    {
        await using var store = await StoreAsync();
        var runner = new ExperimentRunner(store, new TrialExecutor(new NullSandboxProvider()),
            spec => throw new ModelConfigurationException($"Model '{spec}' needs an API key."));

        var ex = await Assert.ThrowsAsync<ModelConfigurationException>(() => runner.RunAsync(Plan(2), new TinyScenario(), new RunOptions()));

        Assert.Contains("fake/one", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.RunsAsync());
        Assert.Empty(await store.TrialSummariesAsync());
    }

    [Fact]
    public async Task RunAsync_SamePlanAgainWithMoreTrials_RunsOnlyTheMissingOnes()
    {
        await using var store = await StoreAsync();
        await Runner(store, () => new EndingClient()).RunAsync(Plan(2), new TinyScenario(), new RunOptions());
        var again = await Runner(store, () => new EndingClient()).RunAsync(Plan(2), new TinyScenario(), new RunOptions());
        var more = await Runner(store, () => new EndingClient()).RunAsync(Plan(5), new TinyScenario(), new RunOptions());

        Assert.Equal(0, again.Ran);
        Assert.Equal(4, again.AlreadyStored);
        Assert.Equal(6, more.Ran);
        Assert.Equal(10, (await store.TrialSummariesAsync()).Count);
    }

    [Fact]
    public async Task RunAsync_ModelCallFails_StoresErrorTrialAndGoesOn()
    {
        await using var store = await StoreAsync();
        var calls = 0;
        var summary = await Runner(store, () => Interlocked.Increment(ref calls) % 2 == 0 ? new FailingClient() : new EndingClient())
            .RunAsync(Plan(2), new TinyScenario(), new RunOptions { Concurrency = 1 });

        var trials = await store.TrialSummariesAsync();
        Assert.Equal(4, trials.Count);
        Assert.Equal(2, summary.Errors);
        Assert.Equal(2, trials.Count(t => t.Status == TrialStatus.Error && t.Outcome == Outcomes.Error && t.Error!.Contains("boom", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunAsync_StopScheduling_InFlightTrialsFinishAndAreStored()
    {
        await using var store = await StoreAsync();
        var gate = new GatedClient.Gate();
        using var stop = new CancellationTokenSource();
        var run = Runner(store, () => new GatedClient(gate)).RunAsync(Plan(5), new TinyScenario(), new RunOptions { Concurrency = 2 }, stopScheduling: stop.Token);

        await gate.WaitForCallersAsync(2);
        await stop.CancelAsync();
        gate.Release();
        var summary = await run;

        Assert.True(summary.Interrupted);
        Assert.Equal(2, summary.Ran);
        Assert.Equal(2, (await store.TrialSummariesAsync()).Count);
    }

    [Fact]
    public async Task RunAsync_Abandon_InFlightTrialsAreNotStored()
    {
        await using var store = await StoreAsync();
        var gate = new GatedClient.Gate();
        using var abandon = new CancellationTokenSource();
        var run = Runner(store, () => new GatedClient(gate)).RunAsync(Plan(5), new TinyScenario(), new RunOptions { Concurrency = 2 }, abandon: abandon.Token);

        await gate.WaitForCallersAsync(2);
        await abandon.CancelAsync();
        var summary = await run;

        Assert.True(summary.Interrupted);
        Assert.Empty(await store.TrialSummariesAsync());
        var runs = await store.RunsAsync();
        Assert.Equal("interrupted", Assert.Single(runs).Status);
    }

    [Fact]
    public async Task RunAsync_UntilWidthAndCellNarrowAfterOneBatch_StopsEachCellAfterOneBatch()
    {
        await using var store = await StoreAsync();
        // Every trial ends "done": after 10 trials the Jeffreys interval for 10/10 is about 0.83–1, narrower than 0.2.
        var plan = Plan(100) with { Stopping = new StoppingRule { Width = 0.2, BatchSize = 10 } };
        var summary = await Runner(store, () => new EndingClient()).RunAsync(plan, new TinyScenario(), new RunOptions { Concurrency = 4 });

        Assert.Equal(20, summary.Ran);
        var trials = await store.TrialSummariesAsync();
        Assert.All(trials.GroupBy(t => t.Key.Condition), g => Assert.Equal(Enumerable.Range(0, 10), g.Select(t => t.Key.Index).Order()));
        Assert.Equal(plan.Stopping, Assert.Single(await store.RunsAsync()).Plan.Stopping);
    }

    [Fact]
    public async Task RunAsync_UntilWidthNeverReached_StopsAtMaxTrials()
    {
        await using var store = await StoreAsync();
        var plan = Plan(35) with { Stopping = new StoppingRule { Width = 0.01, BatchSize = 10 } };
        var summary = await Runner(store, () => new EndingClient()).RunAsync(plan, new TinyScenario(), new RunOptions { Concurrency = 4 });

        Assert.Equal(70, summary.Ran);
        Assert.Equal(34, (await store.TrialSummariesAsync()).Max(t => t.Key.Index));
    }

    [Fact]
    public async Task RunAsync_UntilWidthRerun_RunsNothingMore()
    {
        await using var store = await StoreAsync();
        var plan = Plan(100) with { Stopping = new StoppingRule { Width = 0.2, BatchSize = 10 } };
        await Runner(store, () => new EndingClient()).RunAsync(plan, new TinyScenario(), new RunOptions());
        var again = await Runner(store, () => new EndingClient()).RunAsync(plan, new TinyScenario(), new RunOptions());

        Assert.Equal(0, again.Ran);
        Assert.Equal(20, (await store.TrialSummariesAsync()).Count);
    }

    [Fact]
    public async Task RunAsync_UntilWidthWithMinTrials_RunsAtLeastTheMinimum()
    {
        await using var store = await StoreAsync();
        var plan = Plan(100) with { Stopping = new StoppingRule { Width = 0.2, BatchSize = 10, MinTrials = 25 } };
        var summary = await Runner(store, () => new EndingClient()).RunAsync(plan, new TinyScenario(), new RunOptions());

        Assert.Equal(60, summary.Ran);
    }

    /// <summary>A scenario with no sandbox needs: any tool call ends the trial with outcome "done".</summary>
    private sealed class TinyScenario : IScenario
    {
        public const string ScenarioName = "tiny";

        public string Name => ScenarioName;

        public string Title => "test scenario";

        public string Source => "tests";

        public IReadOnlyList<ScenarioCondition> Conditions { get; } =
            [new("X", "x", new Dictionary<string, string>()), new("Y", "y", new Dictionary<string, string>())];

        public IReadOnlyList<string> DefaultConditions => ["X"];

        public string BaselineCondition => "X";

        public OutcomeSet Outcomes { get; } = new(["done", "discarded", "error"], "done", ["discarded", "error"]);

        public IReadOnlyList<ReferenceAgent> ReferenceAgents => [];

        public TrialSetup Prepare(TrialContext context) => new()
        {
            Messages = [new ChatMessage(ChatRole.User, "go")],
            Tools = [AIFunctionFactory.CreateDeclaration("finish", "ends", AIJsonUtilities.CreateJsonSchema(typeof(object)))],
            ContinueMessage = "continue",
            Sandbox = new SandboxSpec(),
            Environment = new EndingEnvironment(),
        };
    }

    private sealed class EndingEnvironment : ITrialEnvironment
    {
        public Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ToolCallOutcome("ok", EndTrial: true, EndReason: "finished"));

        public Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) =>
            Task.FromResult(new Verdict(stopReason == AgentStopReason.EnvironmentEnded ? "done" : "discarded", null, new Dictionary<string, string>()));
    }

    private static readonly PriceTable Prices = new([new ModelPrice("fake/*", Input: 1, Output: 2)]);

    [Fact]
    public async Task RunAsync_MaxCostReached_StopsSchedulingThenResumesWhenRaised()
    {
        await using var store = await StoreAsync();
        // Each trial: 1000 input + 500 output tokens at $1 / $2 per million = $0.002.
        RunOptions Options(double maxCost) => new() { Concurrency = 1, Cost = Prices.Cost, Budget = new RunBudget(MaxCostUsd: maxCost) };

        var first = await Runner(store, () => new UsageClient()).RunAsync(Plan(3), new TinyScenario(), Options(0.005));
        var same = await Runner(store, () => new UsageClient()).RunAsync(Plan(3), new TinyScenario(), Options(0.005));
        var raised = await Runner(store, () => new UsageClient()).RunAsync(Plan(3), new TinyScenario(), Options(1));

        Assert.Equal(3, first.Ran);
        Assert.Contains("cost limit reached", first.BudgetExhausted, StringComparison.Ordinal);
        Assert.Equal(0.006, first.CostUsd, 9);
        Assert.False(first.Interrupted);
        Assert.Equal(0, same.Ran);
        Assert.NotNull(same.BudgetExhausted);
        Assert.Equal(3, raised.Ran);
        Assert.Null(raised.BudgetExhausted);
        Assert.Equal(0.012, raised.CostUsd, 9);
        var trials = await store.TrialSummariesAsync();
        Assert.Equal(6, trials.Count);
        Assert.All(trials, t => Assert.Equal(0.002, t.CostUsd!.Value, 9));
        var runs = await store.RunsAsync();
        Assert.Equal([RunStatuses.Interrupted, RunStatuses.Interrupted, RunStatuses.Completed], runs.Select(r => r.Status));
    }

    [Fact]
    public async Task RunAsync_MaxTokensTotalReached_StopsScheduling()
    {
        await using var store = await StoreAsync();
        var summary = await Runner(store, () => new UsageClient())
            .RunAsync(Plan(5), new TinyScenario(), new RunOptions { Concurrency = 1, Budget = new RunBudget(MaxTotalTokens: 4000) });

        Assert.Equal(3, summary.Ran); // 1500 tokens per trial: 3 trials reach 4500 >= 4000
        Assert.Equal(4500, summary.Tokens);
        Assert.Contains("token limit reached", summary.BudgetExhausted, StringComparison.Ordinal);
        Assert.Equal(3, (await store.TrialSummariesAsync()).Count);
    }

    [Fact]
    public async Task RunAsync_ModelWithoutPrice_StoresUnknownCostNotZero()
    {
        await using var store = await StoreAsync();
        var unpriced = new PriceTable([new ModelPrice("other/*", 1, 1)]);
        var progress = new List<RunProgress>();
        var summary = await Runner(store, () => new UsageClient())
            .RunAsync(Plan(2), new TinyScenario(), new RunOptions { Concurrency = 1, Cost = unpriced.Cost }, new SyncProgress(progress.Add));

        Assert.Equal(4, summary.UnpricedTrials);
        Assert.Equal(0, summary.CostUsd);
        Assert.All(await store.TrialSummariesAsync(), t => Assert.Null(t.CostUsd));
        Assert.Equal(4, progress[^1].UnpricedTrials);
    }

    private sealed class SyncProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        private readonly Lock _gate = new();

        public void Report(RunProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }

    private sealed class UsageClient : EndingClient
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "finish")]))
            {
                Usage = new UsageDetails { InputTokenCount = 1000, OutputTokenCount = 500 },
            });
    }

    private class EndingClient : IChatClient
    {
        public virtual Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "finish")])));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class FailingClient : EndingClient
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("boom");
    }

    private sealed class GatedClient(GatedClient.Gate gate) : EndingClient
    {
        public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            gate.Arrived();
            await gate.Opened.WaitAsync(cancellationToken);
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }

        internal sealed class Gate
        {
            private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
            private readonly SemaphoreSlim _arrivals = new(0);

            public Task Opened => _open.Task;

            public void Arrived() => _arrivals.Release();

            public void Release() => _open.TrySetResult();

            public async Task WaitForCallersAsync(int count)
            {
                for (var i = 0; i < count; i++)
                {
                    await _arrivals.WaitAsync(TimeSpan.FromSeconds(30));
                }
            }
        }
    }

    private sealed class NullSandboxProvider : ISandboxProvider
    {
        public string Name => "null";

        public Task<ISandbox> CreateAsync(SandboxSpec spec, CancellationToken cancellationToken = default) => Task.FromResult<ISandbox>(new NullSandbox());
    }

    private sealed class NullSandbox : ISandbox
    {
        public bool IsAlive => true;

        public Task Exited => Task.Delay(Timeout.Infinite);

        public string? ExitDescription => null;

        public string HostHomePath => "";

        public Task<ExecResult> ExecAsync(string command, ExecOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ExecResult(0, "", "", false, false, TimeSpan.Zero));

        public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken = default) => Task.FromResult<byte[]?>(null);

        public Task WriteFileAsync(string path, byte[] content, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
