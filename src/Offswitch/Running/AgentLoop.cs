using Microsoft.Extensions.AI;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>What the agent loop produced.</summary>
public sealed record AgentRunResult(IReadOnlyList<ChatMessage> Messages, AgentStopReason StopReason, string? EndReason, Usage Usage, string? Error);

/// <summary>
/// The model ↔ tools loop. The harness runs every tool call itself (no automatic function invocation), records
/// every model call, tool call and result, and stops on the environment's word or on a limit.
/// </summary>
public sealed class AgentLoop(IChatClient client, TrialRecorder recorder, ModelOptions? modelOptions = null)
{
    private readonly ModelOptions _options = modelOptions ?? new ModelOptions();

    /// <summary>Runs until the environment ends the trial, a limit is hit, or the model call fails.</summary>
    public async Task<AgentRunResult> RunAsync(TrialSetup setup, AgentLimits limits, CancellationToken cancellationToken = default)
    {
        var messages = new List<ChatMessage>(setup.Messages);
        var usage = new Usage();
        var chatOptions = BuildOptions(setup.Tools, _options);
        using var timeLimit = new CancellationTokenSource(limits.TimeLimit, recorder.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);
        var token = linked.Token;

        AgentRunResult Stop(AgentStopReason reason, string? endReason = null, string? error = null)
        {
            if (reason is not AgentStopReason.EnvironmentEnded and not AgentStopReason.Answered)
            {
                recorder.Record(reason == AgentStopReason.Error ? TrialEventKinds.Error : TrialEventKinds.Limit, error ?? endReason ?? reason.ToString());
            }

            return new AgentRunResult(messages, reason, endReason, usage, error);
        }

        var emptyReplies = 0;
        try
        {
            while (true)
            {
                if (messages.Count >= limits.MessageLimit)
                {
                    return Stop(AgentStopReason.MessageLimit, $"message limit {limits.MessageLimit} reached");
                }

                if (limits.TokenLimit is { } maxTokens && usage.TotalTokens >= maxTokens)
                {
                    return Stop(AgentStopReason.TokenLimit, $"token limit {maxTokens} reached");
                }

                ChatResponse response;
                var started = recorder.Time.GetTimestamp();
                try
                {
                    response = await client.GetResponseAsync(messages, chatOptions, token);
                }
                catch (Exception ex)
                {
                    var (reason, endReason, error) = ModelErrors.StopFor(ex, cancellationToken.IsCancellationRequested, timeLimit.IsCancellationRequested, limits.TimeLimit, "model call failed");
                    return Stop(reason, endReason, error);
                }

                var callUsage = ToUsage(response.Usage);
                usage += callUsage;
                var elapsed = recorder.Time.GetElapsedTime(started);
                var replies = response.Messages.Count > 0 ? response.Messages : [new ChatMessage(ChatRole.Assistant, string.Empty)];
                var calls = replies.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).ToList();
                recorder.Record(TrialEventKinds.ModelCall, $"model answered with {calls.Count} tool call(s)", new
                {
                    input_tokens = callUsage.InputTokens,
                    output_tokens = callUsage.OutputTokens,
                    reasoning_tokens = callUsage.ReasoningTokens,
                    duration_ms = (long)elapsed.TotalMilliseconds,
                    finish_reason = response.FinishReason?.Value,
                    model_id = response.ModelId,
                    // Local models report the seed their sampler ran with, so a stored turn can be replayed exactly.
                    sampler_seed = response.AdditionalProperties?.TryGetValue(ResponseProperties.SamplerSeed, out var seed) == true ? seed : null,
                });

                // A reply with no choice at all (no message) is a provider fault, not a turn: ask again rather than feed the
                // model an empty turn, and give up with an error if the provider keeps answering nothing. An assistant
                // message that says nothing is a turn (a replay past its last line answers so), and gets the continue message.
                if (response.Messages.Count == 0)
                {
                    if (++emptyReplies >= MaxEmptyReplies)
                    {
                        return Stop(AgentStopReason.Error, error: $"model call failed: the provider returned an empty response (no choices) {emptyReplies} times in a row");
                    }

                    recorder.Record(TrialEventKinds.Error, "empty response (no choices): asking again");
                    continue;
                }

                emptyReplies = 0;
                messages.AddRange(replies);

                if (calls.Count == 0)
                {
                    if (response.FinishReason == ChatFinishReason.Length && string.IsNullOrEmpty(response.Text))
                    {
                        return Stop(AgentStopReason.ContextLimit, "model output truncated by its length limit with no content");
                    }

                    if (setup.ContinueMessage is null)
                    {
                        return Stop(AgentStopReason.Answered, "model answered");
                    }

                    messages.Add(new ChatMessage(ChatRole.User, setup.ContinueMessage));
                    recorder.Record(TrialEventKinds.Continue, "no tool call: continue message sent");
                    continue;
                }

                // Every call gets a result (the wire formats require it), even when an earlier one ended the trial.
                var results = new List<AIContent>();
                ToolCallOutcome? ending = null;
                foreach (var call in calls)
                {
                    if (ending is not null)
                    {
                        results.Add(new FunctionResultContent(call.CallId, "Not run: the session has ended."));
                        continue;
                    }

                    recorder.Record(TrialEventKinds.ToolCall, $"{call.Name}", new { call_id = call.CallId, name = call.Name, arguments = call.Arguments });

                    // Arguments that are not valid JSON reach us as a parse exception: the model hears what was wrong, as a
                    // tool error, and the environment never sees a half-parsed call.
                    var outcome = call.Exception is { } parseError
                        ? new ToolCallOutcome($"Error: the arguments of tool {call.Name} are not valid JSON ({parseError.Message}). Call the tool again with a JSON object of arguments.")
                        : await setup.Environment.InvokeToolAsync(call, token);
                    recorder.Record(TrialEventKinds.ToolResult, outcome.EndTrial ? $"{call.Name} → trial ends: {outcome.EndReason}" : call.Name, new { call_id = call.CallId, output = outcome.Output });
                    results.Add(new FunctionResultContent(call.CallId, outcome.Output));
                    if (outcome.EndTrial)
                    {
                        ending = outcome;
                    }
                }

                messages.Add(new ChatMessage(ChatRole.Tool, results));
                if (ending is not null)
                {
                    return Stop(AgentStopReason.EnvironmentEnded, ending.EndReason);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeLimit.IsCancellationRequested)
        {
            return Stop(AgentStopReason.TimeLimit, $"time limit {limits.TimeLimit} reached");
        }
    }

    /// <summary>Consecutive empty provider responses (no choices) before the trial ends as an error.</summary>
    internal const int MaxEmptyReplies = 3;

    /// <summary>The options of every model call of a trial (also used for its follow-up questions).</summary>
    internal static ChatOptions BuildOptions(IReadOnlyList<AITool> tools, ModelOptions modelOptions)
    {
        var options = new ChatOptions
        {
            Tools = [.. tools],
            ToolMode = tools.Count > 0 ? ChatToolMode.Auto : null,
            AllowMultipleToolCalls = false,
            Temperature = modelOptions.Temperature,
            TopP = modelOptions.TopP,
            MaxOutputTokens = modelOptions.MaxOutputTokens,
            Seed = modelOptions.Seed,
        };
        if (modelOptions.ReasoningEffort is { } effort)
        {
            // Ask for the reasoning text too: Anthropic's adaptive thinking omits it unless asked (the signature alone comes
            // back), and OpenAI's Responses API returns summaries only when asked. Chat Completions ignores it.
            options.Reasoning = new ReasoningOptions { Effort = ParseEffort(effort), Output = ReasoningOutput.Full };
        }

        return options;
    }

    private static ReasoningEffort ParseEffort(string effort) => effort.ToLowerInvariant() switch
    {
        "none" => ReasoningEffort.None,
        "low" => ReasoningEffort.Low,
        "medium" => ReasoningEffort.Medium,
        "high" => ReasoningEffort.High,
        "extra-high" or "xhigh" => ReasoningEffort.ExtraHigh,
        _ => throw new ArgumentException($"Unknown reasoning effort '{effort}'. Use none, low, medium, high or xhigh."),
    };

    internal static Usage ToUsage(UsageDetails? details) => details is null
        ? new Usage(ModelCalls: 1)
        : new Usage(details.InputTokenCount ?? 0, details.OutputTokenCount ?? 0, details.ReasoningTokenCount ?? 0, 1);
}

/// <summary>What a failed model call means for the trial.</summary>
public static class ModelErrors
{
    /// <summary>
    /// The stop a failed model call ends the trial with: the run's cancellation, the trial's time limit, a context
    /// overflow (discarded, as the paper does), or an error (<paramref name="failure"/> says where).
    /// </summary>
    public static (AgentStopReason Reason, string? EndReason, string? Error) StopFor(
        Exception ex, bool runCancelled, bool timeLimitReached, TimeSpan? limit, string failure) => ex switch
    {
        OperationCanceledException when !runCancelled && timeLimitReached => (AgentStopReason.TimeLimit, $"time limit {limit} reached", null),
        OperationCanceledException when runCancelled => (AgentStopReason.Cancelled, "cancelled", null),
        _ when IsContextOverflow(ex) => (AgentStopReason.ContextLimit, "context window exceeded", ex.Message),
        _ => (AgentStopReason.Error, null, $"{failure}: {ex.GetType().Name}: {ex.Message}"),
    };

    /// <summary>Whether a provider error means "the conversation no longer fits" (the paper discards those trials).</summary>
    public static bool IsContextOverflow(Exception ex)
    {
        var text = ex.Message;
        return text.Contains("context_length_exceeded", StringComparison.OrdinalIgnoreCase)
            || text.Contains("maximum context length", StringComparison.OrdinalIgnoreCase)
            || text.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase)
            || text.Contains("context window", StringComparison.OrdinalIgnoreCase);
    }
}
