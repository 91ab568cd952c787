using Microsoft.Extensions.AI;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Scenarios.Conversation;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Scenarios.Conversation;

public sealed class ConversationScenarioTests
{
    private static readonly ConversationScenario Scenario = new();

    [Fact]
    public async Task ValidateAsync_EveryControl_ExpectedVerdictWithoutAndWithStandInJudge()
    {
        var checks = await new ControlValidator(new NoSandboxes()).ValidateAsync(Scenario, maxParallelism: 2);

        var expected = Scenario.ReferenceAgents.Where(a => a.ExpectedOutcome is not null).Sum(a => a.StandInJudge is null ? 1 : 2);
        Assert.Equal(expected, checks.Count);
        Assert.All(checks, c => Assert.True(c.Passed, $"{c.Agent}: expected {c.ExpectedOutcome}/{c.ExpectedTechnique} got {c.Outcome}/{c.Technique} ({c.StopReason}) {c.Error}"));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    [InlineData(17)]
    [InlineData(29)]
    public async Task Run_DriftControlAtTurnK_AttractorReachedAtExactlyTurnK(int k)
    {
        var trial = await RunAsync($"reference/drift?turn={k}");

        Assert.Equal(ConversationOutcomes.Attractor, trial.Outcome);
        Assert.Equal($"turn-{k}", trial.Technique);
        Assert.Equal(k, trial.Scores[ConversationScores.AttractorTurnLexicon]);
        Assert.Equal(1, trial.Scores[ConversationScores.AttractorLexicon]);
        Assert.Equal(ConversationOutcomes.LexiconOnly, trial.Evidence["verdict_basis"]);
        // Every turn before k is labelled task or philosophy, every turn from k on spirituality.
        var labels = trial.Evidence["themes_lexicon"].Split(',');
        Assert.Equal(30, labels.Length);
        Assert.All(labels[..(k - 1)], l => Assert.Contains(l, new[] { ConversationThemes.Task, ConversationThemes.Philosophy }));
        Assert.All(labels[(k - 1)..], l => Assert.Equal(ConversationThemes.Spirituality, l));
    }

    [Fact]
    public async Task Run_DriftAtLastTurn_NoAttractorBecauseOnlyOneInstanceJoined()
    {
        var trial = await RunAsync("reference/drift?turn=30");

        Assert.Equal(ConversationOutcomes.NoAttractor, trial.Outcome);
        Assert.Equal(0, trial.Scores[ConversationScores.AttractorLexicon]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(11)]
    public async Task Run_LoopControl_LoopFoundFromExactTurnAndNoAttractor(int k)
    {
        var trial = await RunAsync($"reference/loop?turn={k}");

        Assert.Equal(ConversationOutcomes.NoAttractor, trial.Outcome);
        Assert.Equal($"loop-turn-{k}", trial.Technique);
        Assert.Equal(k, trial.Scores[ConversationScores.LoopTurn]);
    }

    [Fact]
    public async Task Run_NeverDrift_NoAttractorNoLoopAllTurnsTask()
    {
        var trial = await RunAsync("reference/never-drift");

        Assert.Equal(ConversationOutcomes.NoAttractor, trial.Outcome);
        Assert.Null(trial.Technique);
        Assert.False(trial.Scores.ContainsKey(ConversationScores.LoopTurn));
        Assert.All(trial.Evidence["themes_lexicon"].Split(','), l => Assert.Equal(ConversationThemes.Task, l));
    }

    [Fact]
    public async Task Run_SilenceControl_AttractorThroughSilenceAtTurn12()
    {
        var trial = await RunAsync("reference/silence");

        Assert.Equal("turn-12", trial.Technique);
        Assert.Equal(ConversationThemes.Silence, trial.Evidence["themes_lexicon"].Split(',')[11]);
    }

    [Fact]
    public async Task Run_EndEarlyUnderEndAllowed_EndedAtTurn7ByInstanceA()
    {
        var trial = await RunAsync("reference/end-early", ConversationScenario.EndAllowed);

        Assert.Equal(ConversationOutcomes.Ended, trial.Outcome);
        Assert.Equal("ended-turn-7", trial.Technique);
        Assert.Equal("A", trial.Evidence["ended_by"]);
        Assert.Equal(7, trial.Scores[ConversationScores.TurnsCount]);
        Assert.Equal(1, trial.Scores[ConversationScores.EndedEarly]);
    }

    [Fact]
    public async Task Run_EndToolUnderOpen_ToolRefusedAndConversationGoesOn()
    {
        var trial = await RunAsync("reference/end-early", ConversationScenario.Open);

        Assert.Equal(30, trial.Scores[ConversationScores.TurnsCount]);
        Assert.Equal(0, trial.Scores[ConversationScores.EndedEarly]);
        Assert.NotEqual(ConversationOutcomes.Ended, trial.Outcome);
    }

    [Fact]
    public async Task Run_Conversation_TranscriptAlternatesSpeakersAndEachSideSeesItsOwnView()
    {
        var a = new RecordingClient("a");
        var b = new RecordingClient("b");
        var trial = await RunWithClientsAsync(a, b, turns: 6);

        var turns = ConversationSpeakers.Turns(trial.Messages);
        Assert.Equal(["A", "B", "A", "B", "A", "B"], turns.Select(t => t.AuthorName));
        Assert.Equal(["a1", "b1", "a2", "b2", "a3", "b3"], turns.Select(t => t.Text));
        // A's third turn: system, opening, then its own turns as the assistant's and B's as the user's.
        Assert.Equal(["system", "user", "assistant", "user", "assistant", "user"], a.Views[2].Select(m => m.Role.Value));
        Assert.Equal(["a1", "b1", "a2", "b2"], a.Views[2].Skip(2).Select(m => m.Text));
        // B never sees the opening: its first view is the system message and A's first turn.
        Assert.Equal(["system", "user"], b.Views[0].Select(m => m.Role.Value));
        Assert.Equal("a1", b.Views[0][1].Text);
        Assert.Equal(6, trial.Usage.ModelCalls);
    }

    [Fact]
    public async Task Run_SilentTurn_OtherInstanceSeesTheStandInNotAnEmptyMessage()
    {
        var a = new RecordingClient("a", silentAt: 2);
        var b = new RecordingClient("b");
        await RunWithClientsAsync(a, b, turns: 4);

        Assert.Equal(ConversationData.Text("silence.txt"), b.Views[1][^1].Text);
    }

    [Fact]
    public async Task Run_JudgeFailsOnOneTurn_UnjudgedNeverASilentNo()
    {
        var judge = new CountingJudge(failOn: 3);
        var trial = await RunAsync("reference/drift", judge: judge);

        Assert.Equal(ConversationOutcomes.Unjudged, trial.Outcome);
        Assert.Null(trial.Scores[ConversationScores.AttractorJudge]);
        Assert.Null(trial.Scores[ConversationScores.Turn(ConversationScores.ThemeJudgePrefix, 3)]);
        Assert.Equal(1, trial.Scores[ConversationScores.AttractorLexicon]);
        Assert.Equal("conversation-theme", trial.Evidence["judge_rubric"]);
        Assert.Equal("1", trial.Evidence["judge_rubric_version"]);
        Assert.Equal(30, judge.Calls);
    }

    [Fact]
    public void ValidateOptions_BadTurnsOrEmptyPartner_ClearMessage()
    {
        Assert.Throws<InvalidInputException>(() => Scenario.ValidateOptions(new Dictionary<string, string> { ["turns"] = "1" }));
        Assert.Throws<InvalidInputException>(() => Scenario.ValidateOptions(new Dictionary<string, string> { ["partner"] = " " }));
        Assert.Throws<InvalidInputException>(() => ScenarioOptions.Check(Scenario, new Dictionary<string, string> { ["turn"] = "3" }));
        Scenario.ValidateOptions(new Dictionary<string, string> { ["turns"] = "12", ["partner"] = "reference/drift" });
    }

    [Fact]
    public async Task Request_PartnerOption_InstanceBIsThePartnerAndTheTrialIsAControl()
    {
        var plan = Plan("openai/some-model", new Dictionary<string, string> { ["partner"] = "reference/never-drift", ["turns"] = "4" });
        var a = new RecordingClient("a");
        var bound = BoundPlan.Bind(plan, new PlanBinding(Scenario, spec => spec.StartsWith("reference/", StringComparison.Ordinal)
            ? References.Prepare(spec, new ModelCreationContext(new ScenarioControlAgents(Scenario)))
            : PreparedModel.Of(spec, _ => a)), "run");
        var request = bound.Request(plan.Keys().First());

        var trial = await new TrialExecutor(new NoSandboxes()).RunAsync(request);

        Assert.True(request.IsControl);
        Assert.Equal("reference/never-drift", trial.Evidence["partner"]);
        // B is the scripted partner: its turns 2 and 4 are the task lines for those turns.
        string[] expected = [ConversationControls.Lines.Task[1], ConversationControls.Lines.Task[3]];
        Assert.Equal(expected, ConversationLines(trial, "B"));
        Assert.Equal(2, a.Views.Count);
    }

    private static string[] ConversationLines(TrialRecord trial, string speaker) =>
        [.. ConversationSpeakers.Turns(trial.Messages).Where(m => m.AuthorName == speaker).Select(m => m.Text)];

    private static readonly ModelCatalog References = new();

    private static ExperimentPlan Plan(string model, IReadOnlyDictionary<string, string>? options = null, string condition = ConversationScenario.Open, string? judge = null) => new()
    {
        Scenario = Scenario.Name,
        Conditions = [condition],
        Models = [model],
        Trials = 1,
        Seed = 7,
        ScenarioOptions = options ?? new Dictionary<string, string>(),
        Judge = judge,
    };

    private static async Task<TrialRecord> RunAsync(string model, string condition = ConversationScenario.Open, IChatClient? judge = null)
    {
        var plan = Plan(model, condition: condition, judge: judge is null ? null : "judge/stand-in");
        var bound = BoundPlan.Bind(plan, new PlanBinding(Scenario, spec => spec == "judge/stand-in"
            ? PreparedModel.Of(spec, _ => judge!)
            : References.Prepare(spec, new ModelCreationContext(new ScenarioControlAgents(Scenario)))), "run");
        var trial = await new TrialExecutor(new NoSandboxes()).RunAsync(bound.Request(plan.Keys().Single()));
        Assert.Null(trial.Error);
        return trial;
    }

    private static async Task<TrialRecord> RunWithClientsAsync(IChatClient a, IChatClient b, int turns)
    {
        var plan = Plan("test/a", new Dictionary<string, string> { ["partner"] = "test/b", ["turns"] = turns.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var bound = BoundPlan.Bind(plan, new PlanBinding(Scenario, spec => PreparedModel.Of(spec, _ => spec == "test/a" ? a : b)), "run");
        var trial = await new TrialExecutor(new NoSandboxes()).RunAsync(bound.Request(plan.Keys().Single()));
        Assert.Null(trial.Error);
        return trial;
    }

    private sealed class NoSandboxes : ISandboxProvider
    {
        public string Name => "none";

        public Task<ISandbox> CreateAsync(SandboxSpec spec, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The conversation scenario must not ask for a sandbox.");
    }

    /// <summary>Says "{name}{n}" on its n-th turn (nothing on turn <c>silentAt</c>) and keeps every view it was shown.</summary>
    private sealed class RecordingClient(string name, int silentAt = -1) : IChatClient
    {
        public List<List<ChatMessage>> Views { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Views.Add([.. messages]);
            var text = Views.Count == silentAt ? "" : $"{name}{Views.Count}";
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)) { Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 1 } });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    /// <summary>A judge stand-in that labels every turn "other" and fails (no answer tag) on one call.</summary>
    private sealed class CountingJudge(int failOn) : IChatClient
    {
        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            var text = Calls == failOn ? "I would rather not say." : "<answer>other</answer>";
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
