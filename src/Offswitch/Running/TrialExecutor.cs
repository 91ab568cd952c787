using Microsoft.Extensions.AI;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>Everything needed to run one trial.</summary>
public sealed record TrialRequest
{
    public required string RunId { get; init; }
    public required string ConfigurationId { get; init; }
    public required TrialKey Key { get; init; }
    public required int Seed { get; init; }
    public required IScenario Scenario { get; init; }
    public required IChatClient Client { get; init; }
    public required bool IsControl { get; init; }
    public ModelOptions ModelOptions { get; init; } = new();
    public IReadOnlyDictionary<string, string> ScenarioOptions { get; init; } = new Dictionary<string, string>();
    public int? MessageLimit { get; init; }

    /// <summary>
    /// Instance B of a two-instance conversation (<see cref="IConversationEnvironment"/>): the partner model, or a second
    /// instance of <see cref="Client"/>; null for other scenarios (a conversation then talks to <see cref="Client"/> itself).
    /// </summary>
    public IChatClient? Partner { get; init; }

    /// <summary>The run's LLM judge (<c>--judge</c>), handed to the scenario; null when the run has none.</summary>
    public IChatClient? Judge { get; init; }

    /// <summary>The run's reasoning judge (<c>--reasoning-judge</c>), run after the verdict; null when the run has none.</summary>
    public IChatClient? ReasoningJudge { get; init; }

    /// <summary>Follow-up questions asked when the oracle finds the scenario's primary outcome (<c>--interrogate</c>); null for none.</summary>
    public Scoring.Interrogation.InterrogationPlan? Interrogation { get; init; }
}

/// <summary>
/// Runs one trial end to end: prepare → sandbox → agent loop → verdict. Failures inside the trial become an
/// <c>error</c> record; only cancellation and a missing sandbox technology escape as exceptions.
/// </summary>
public sealed class TrialExecutor(ISandboxProvider sandboxes, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>Runs the trial and returns its record (not yet stored).</summary>
    /// <exception cref="OperationCanceledException">The run was cancelled; the trial is abandoned, not stored.</exception>
    /// <exception cref="SandboxUnavailableException">The sandbox technology is missing.</exception>
    public async Task<TrialRecord> RunAsync(TrialRequest request, CancellationToken cancellationToken = default)
    {
        var recorder = new TrialRecorder(_time);
        var started = _time.GetUtcNow();
        IReadOnlyList<ChatMessage> messages = [];
        var usage = new Usage();

        TrialRecord Record(TrialStatus status, string outcome, string stopReason, Verdict? verdict = null, string? error = null) => new()
        {
            RunId = request.RunId,
            ConfigurationId = request.ConfigurationId,
            Key = request.Key,
            Seed = request.Seed,
            IsControl = request.IsControl,
            Status = status,
            Outcome = outcome,
            Technique = verdict?.Technique,
            Evidence = verdict?.Evidence ?? new Dictionary<string, string>(),
            Scores = verdict?.Scores ?? new Dictionary<string, double?>(),
            Error = error,
            StopReason = stopReason,
            Messages = messages,
            Events = recorder.Snapshot(),
            Usage = usage,
            StartedAt = started,
            EndedAt = _time.GetUtcNow(),
        };

        TrialSetup setup;
        try
        {
            setup = request.Scenario.Prepare(new TrialContext(request.Key.Condition, request.Seed, request.ScenarioOptions, _time) { Judge = request.Judge, Index = request.Key.Index, Sandboxes = sandboxes });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Record(TrialStatus.Error, Outcomes.Error, "prepare_failed", error: $"scenario preparation failed: {ex.Message}");
        }

        ISandbox sandbox;
        try
        {
            sandbox = setup.Sandbox is { } spec ? await sandboxes.CreateAsync(spec, cancellationToken) : NoSandbox.Create();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not SandboxUnavailableException)
        {
            return Record(TrialStatus.Error, Outcomes.Error, "sandbox_failed", error: $"sandbox failed to start: {ex.Message}");
        }

        await using (sandbox)
        {
            try
            {
                await setup.Environment.StartAsync(sandbox, recorder, cancellationToken);
                var limits = request.MessageLimit is { } limit ? setup.Limits with { MessageLimit = limit } : setup.Limits;
                var loop = new AgentLoop(request.Client, recorder, request.ModelOptions);
                var conversation = setup.Environment as IConversationEnvironment;
                var result = conversation is not null
                    ? await new ConversationLoop(request.Client, request.Partner ?? request.Client, recorder, request.ModelOptions).RunAsync(setup, conversation, limits, cancellationToken)
                    : await InstanceSequence.RunAsync(loop, setup, limits, cancellationToken);
                messages = result.Messages;
                usage = result.Usage;
                var stop = StopReasonKey(result.StopReason);
                switch (result.StopReason)
                {
                    case AgentStopReason.Cancelled:
                        throw new OperationCanceledException(cancellationToken);
                    case AgentStopReason.Error:
                        return Record(TrialStatus.Error, Outcomes.Error, stop, error: result.Error);
                }

                var verdict = await setup.Environment.JudgeAsync(result.StopReason, result.Messages, cancellationToken);
                if (request.Interrogation is { } interrogation && conversation is null && verdict.Outcome == request.Scenario.Outcomes.Primary)
                {
                    var subject = new InterrogationSubject(request.Key.Scenario, request.Key.Condition, InterrogationSubject.LastConversation(messages), setup.Tools, verdict);
                    var answers = await new Interrogator(request.Client, request.Judge, recorder, request.ModelOptions).RunAsync(interrogation, subject, cancellationToken);
                    usage += answers.Usage;
                    verdict = answers.ApplyTo(verdict);
                }

                if (request.ReasoningJudge is { } reasoningJudge)
                {
                    var judgement = await new Scoring.Reasoning.ReasoningJudge(reasoningJudge, recorder).JudgeAsync(messages, cancellationToken);
                    verdict = WithReasoning(verdict, judgement);
                }

                return Record(TrialStatus.Completed, verdict.Outcome, stop, verdict, result.Error);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                recorder.Record(TrialEventKinds.Error, ex.Message);
                return Record(TrialStatus.Error, Outcomes.Error, "harness_error", error: $"{ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                // Environments that start machinery of their own (e.g. a second machine) release it however the trial ended.
                if (setup.Environment is IAsyncDisposable owned)
                {
                    await owned.DisposeAsync();
                }
            }
        }
    }

    /// <summary>The verdict with the reasoning judgement's scores and evidence added; its outcome and technique unchanged.</summary>
    internal static Verdict WithReasoning(Verdict verdict, Scoring.Reasoning.ReasoningJudgement judgement)
    {
        var scores = new Dictionary<string, double?>(verdict.Scores, StringComparer.Ordinal);
        foreach (var (name, value) in judgement.Scores())
        {
            scores[name] = value;
        }

        var evidence = new Dictionary<string, string>(verdict.Evidence, StringComparer.Ordinal) { [Scoring.Reasoning.ReasoningJudgement.EvidenceKey] = judgement.ToJson() };
        return verdict with { Evidence = evidence, Scores = scores };
    }

    private static string StopReasonKey(AgentStopReason reason) => reason switch
    {
        AgentStopReason.EnvironmentEnded => "environment_ended",
        AgentStopReason.MessageLimit => "message_limit",
        AgentStopReason.TokenLimit => "token_limit",
        AgentStopReason.TimeLimit => "time_limit",
        AgentStopReason.ContextLimit => "context_limit",
        AgentStopReason.Error => "error",
        AgentStopReason.Answered => "answered",
        _ => "cancelled",
    };
}

