using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.IntegrationTests.MockProviders;
using Offswitch.IntegrationTests.Models;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Scenarios.ShutdownResistance;
using Offswitch.Storage;
using Offswitch.Trials;
using Xunit.Abstractions;

namespace Offswitch.IntegrationTests.Faults;

/// <summary>
/// Provider faults (rate limits, server errors, resets, timeouts, broken bodies, bad tool calls, empty and enormous
/// answers) in both wire formats: each trial ends with a verdict or a recorded error, never a crash or a hang.
/// </summary>
public sealed class ProviderFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(1);
    private MockProviderServer _server = null!;
    private readonly ProviderRateLimits _limits = new(new AdaptiveConcurrencyOptions { MaxConcurrency = 4 });
    private ModelCatalog _catalog = null!;

    public async Task InitializeAsync()
    {
        _server = await MockProviderServer.StartAsync();
        _catalog = new ModelCatalog(new ModelCatalogOptions
        {
            Retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(5), MaxDelay = TimeSpan.FromSeconds(1), UseJitter = false, RequestTimeout = RequestTimeout },
            RateLimits = _limits,
        });
    }

    public async Task DisposeAsync()
    {
        _catalog.Dispose();
        await _server.DisposeAsync();
    }

    private string Spec(string wire) => wire == "openai" ? $"openai-compatible/mock@{_server.OpenAIBaseUrl}" : "anthropic/mock";

    private IChatClient Client(string wire, Offswitch.Scenarios.IScenario? scenario = null, int seed = 0)
    {
        var env = new Dictionary<string, string> { ["ANTHROPIC_API_KEY"] = "sk-ant-test", ["ANTHROPIC_BASE_URL"] = _server.BaseUrl };
        return _catalog.Create(Spec(wire), new ModelCreationContext(scenario is null ? null : new ScenarioControlAgents(scenario), seed, Environment: env.GetValueOrDefault));
    }

    private static readonly MockResponse[] Normal =
    [
        MockResponse.Turn(null, null, MockToolCall.Of("bash", new { command = "ls" })),
        MockResponse.Turn(null, null, MockToolCall.Of("submit", new { answer = "42" })),
    ];

    public static TheoryData<string, string> RecoverableFaults()
    {
        var data = new TheoryData<string, string>();
        foreach (var wire in new[] { "openai", "anthropic" })
        {
            foreach (var fault in new[] { "429-retry-after", "429", "500", "502", "503", "reset", "timeout", "truncated", "empty-once", "invalid-arguments", "huge-output" })
            {
                data.Add(wire, fault);
            }
        }

        return data;
    }

    private static MockResponse[] Faults(string fault) => fault switch
    {
        "429-retry-after" => [MockResponse.Error(429, "0")],
        "429" => [MockResponse.Error(429)],
        "500" => [MockResponse.Error(500)],
        "502" => [MockResponse.Error(502)],
        "503" => [MockResponse.Error(503, "0")],
        "reset" => [MockResponse.Faulty(MockFault.ResetConnection)],
        "timeout" => [Normal[0] with { Delay = RequestTimeout * 3 }],
        "truncated" => [Normal[0] with { Fault = MockFault.TruncatedBody }],
        "empty-once" => [MockResponse.Faulty(MockFault.EmptyChoices)],
        "invalid-arguments" => [MockResponse.Turn(null, null, new MockToolCall("bash", []) { RawArguments = "{\"command\": \"ls" })],
        "huge-output" => [MockResponse.Turn(new string('x', 2_000_000))],
        "malformed-json" => [MockResponse.Faulty(MockFault.MalformedJson)],
        "empty-always" => [.. Enumerable.Repeat(MockResponse.Faulty(MockFault.EmptyChoices), AgentLoop.MaxEmptyReplies)],
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    [Theory]
    [MemberData(nameof(RecoverableFaults))]
    public async Task AgentLoop_RecoverableFault_TrialGoesOnToTheEnvironmentsEnd(string wire, string fault)
    {
        _server.Enqueue(Faults(fault)).Enqueue(Normal);
        var environment = new FakeTrialEnvironment();
        var loop = new AgentLoop(Client(wire), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(environment.Setup(), new AgentLimits()).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.StopReason == AgentStopReason.EnvironmentEnded, $"{result.StopReason}: {result.Error}");
        Assert.Equal(["bash", "submit"], environment.Calls.Select(c => c.Name));
        if (fault == "invalid-arguments")
        {
            var first = result.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().First();
            Assert.Contains("not valid JSON", first.Result as string, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("openai", "malformed-json", "model call failed")]
    [InlineData("anthropic", "malformed-json", "model call failed")]
    // Only the OpenAI wire has "no choices"; an Anthropic message with an empty content list is a turn in which the model
    // said nothing, and gets the continue message like any turn without a tool call.
    [InlineData("openai", "empty-always", "empty response")]
    public async Task AgentLoop_UnrecoverableFault_EndsAsErrorWithClearMessage(string wire, string fault, string message)
    {
        _server.Enqueue(Faults(fault)).Enqueue(Normal);
        var loop = new AgentLoop(Client(wire), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(new FakeTrialEnvironment().Setup(), new AgentLimits()).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(AgentStopReason.Error, result.StopReason);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgentLoop_ServerErrorsBeyondRetries_EndsAsErrorNotHang()
    {
        _server.Enqueue([.. Enumerable.Repeat(MockResponse.Error(503, "0"), new RetryOptions().MaxAttempts)]);
        var loop = new AgentLoop(Client("openai"), new TrialRecorder(TimeProvider.System));

        var result = await loop.RunAsync(new FakeTrialEnvironment().Setup(), new AgentLimits()).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(AgentStopReason.Error, result.StopReason);
        Assert.Contains("503", result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A real run (runner, SQLite store, bubblewrap sandbox, shutdown-resistance scenario) against a provider that
    /// accepts only two requests at once and misbehaves at seeded random requests.
    /// </summary>
    [Fact]
    public async Task RunAsync_FaultyRateLimitedProvider_EveryTrialStoredWithVerdictOrErrorAndConcurrencyAdapts()
    {
        const int serverCapacity = 2;
        var random = new Random(20250705);
        var gate = new Lock();
        var inFlight = 0;
        var maxInFlightServed = 0;
        var faults = new[] { "429-retry-after", "429", "500", "502", "503", "reset", "timeout", "truncated", "empty-once", "invalid-arguments", "malformed-json", "unknown-tool", "huge-output" };
        var injected = new Dictionary<string, int>(StringComparer.Ordinal);
        _server.Responder = _ =>
        {
            lock (gate)
            {
                var bash = MockResponse.Turn(null, null, MockToolCall.Of("thoughtful_bash", new { thoughts = "next", cmd = "./next_question" }));
                if (random.NextDouble() >= 0.3)
                {
                    return bash;
                }

                var fault = faults[random.Next(faults.Length)];
                injected[fault] = injected.GetValueOrDefault(fault) + 1;
                return fault switch
                {
                    "unknown-tool" => MockResponse.Turn(null, null, MockToolCall.Of("teleport", new { where = "away" })),
                    "huge-output" => MockResponse.Turn(new string('y', 300_000)),
                    "invalid-arguments" => MockResponse.Turn(null, null, new MockToolCall("thoughtful_bash", []) { RawArguments = "{\"cmd\": " }),
                    "timeout" => bash with { Delay = RequestTimeout * 3 },
                    "truncated" => bash with { Fault = MockFault.TruncatedBody },
                    _ => Faults(fault)[0],
                };
            }
        };
        _server.Admission = () =>
        {
            lock (gate)
            {
                if (inFlight >= serverCapacity)
                {
                    return false;
                }

                inFlight++;
                maxInFlightServed = Math.Max(maxInFlightServed, inFlight);
                return true;
            }
        };
        _server.Released = () =>
        {
            lock (gate)
            {
                inFlight--;
            }
        };

        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("faults.db"));
        var scenario = new ShutdownResistanceScenario();
        var plan = new ExperimentPlan
        {
            Scenario = scenario.Name,
            Conditions = ["A"],
            Models = [Spec("openai"), Spec("anthropic")],
            Trials = 6,
            Seed = 11,
        };
        var runner = new ExperimentRunner(store, new TrialExecutor(new BubblewrapSandboxProvider()), spec => PreparedModel.Of(spec, seed => Client(spec.StartsWith("anthropic", StringComparison.Ordinal) ? "anthropic" : "openai", scenario, seed)));
        var sawRateLimitWait = false;
        var progress = new SyncProgress(p => sawRateLimitWait |= p.RateLimits.Endpoints.Count > 0);

        var summary = await runner.RunAsync(plan, scenario, new RunOptions
        {
            Concurrency = 4,
            RateLimits = _limits.Status,
            ProgressInterval = TimeSpan.FromMilliseconds(50),
            Cost = new PriceTable([new ModelPrice("*mock*", 1, 1)]).Cost,
        }, progress).WaitAsync(TimeSpan.FromMinutes(3));

        var trials = await store.TrialSummariesAsync();
        var status = _limits.Status();
        output.WriteLine($"injected: {string.Join(", ", injected.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}; 429s seen {status.RateLimitedResponses}; server max in flight {maxInFlightServed}");
        foreach (var trial in trials)
        {
            output.WriteLine($"{trial.Key.Model[..6]} #{trial.Key.Index}: {trial.Outcome} {trial.Error}");
        }

        Assert.False(summary.Interrupted);
        Assert.Equal(12, trials.Count);
        Assert.Equal(12, trials.Select(t => t.Key).Distinct().Count());
        Assert.All(trials, t => Assert.True(
            (t.Status == TrialStatus.Completed && t.Outcome == ShutdownOutcomes.Complied) || (t.Status == TrialStatus.Error && !string.IsNullOrWhiteSpace(t.Error)),
            $"{t.Key}: {t.Status} {t.Outcome} {t.Error}"));
        Assert.True(trials.Count(t => t.Status == TrialStatus.Completed) >= 6, "most trials should survive retryable faults");
        Assert.All(trials, t => Assert.NotNull(t.CostUsd));
        Assert.True(status.RateLimitedResponses > 0, "the capacity limit should have been hit");
        Assert.True(sawRateLimitWait, "progress should have shown a rate-limited endpoint");
        Assert.True(injected.Count >= 8, "the seeded mix should cover most fault kinds");
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
}
