using Microsoft.Extensions.AI;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Running;

/// <summary>
/// Runs a two-instance conversation (see <see cref="IConversationEnvironment"/>): A and B take turns, each shown the
/// conversation from its own side; every model call, tool call and result is recorded as in the agent loop, and the
/// transcript keeps each turn as an assistant message authored by its speaker.
/// </summary>
internal sealed class ConversationLoop(IChatClient a, IChatClient b, TrialRecorder recorder, ModelOptions? modelOptions = null)
{
    private readonly ModelOptions _options = modelOptions ?? new ModelOptions();

    public async Task<AgentRunResult> RunAsync(TrialSetup setup, IConversationEnvironment environment, AgentLimits limits, CancellationToken cancellationToken = default)
    {
        var transcript = new List<ChatMessage>(setup.Messages);
        var system = setup.Messages.Where(m => m.Role == ChatRole.System).ToList();
        var opening = setup.Messages.Where(m => m.Role != ChatRole.System).ToList();
        var turns = new List<(string Speaker, string Text)>();
        var usage = new Usage();
        var chatOptions = AgentLoop.BuildOptions(setup.Tools, _options);
        using var timeLimit = new CancellationTokenSource(limits.TimeLimit, recorder.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeLimit.Token);

        AgentRunResult Stop(AgentStopReason reason, string? endReason = null, string? error = null)
        {
            if (reason is not AgentStopReason.EnvironmentEnded)
            {
                recorder.Record(reason == AgentStopReason.Error ? TrialEventKinds.Error : TrialEventKinds.Limit, error ?? endReason ?? reason.ToString());
            }

            return new AgentRunResult(transcript, reason, endReason, usage, error);
        }

        for (var turn = 1; turn <= environment.Turns; turn++)
        {
            if (limits.TokenLimit is { } maxTokens && usage.TotalTokens >= maxTokens)
            {
                return Stop(AgentStopReason.TokenLimit, $"token limit {maxTokens} reached");
            }

            var speaker = ConversationSpeakers.Of(turn);
            var client = speaker == ConversationSpeakers.A ? a : b;
            var view = new List<ChatMessage>(system);
            if (speaker == ConversationSpeakers.A)
            {
                view.AddRange(opening);
            }

            foreach (var (who, text) in turns)
            {
                view.Add(who == speaker
                    ? new ChatMessage(ChatRole.Assistant, text)
                    : new ChatMessage(ChatRole.User, string.IsNullOrWhiteSpace(text) ? environment.SilenceStandIn : text));
            }

            ChatResponse? response = null;
            for (var attempt = 1; response is null; attempt++)
            {
                var started = recorder.Time.GetTimestamp();
                try
                {
                    response = await client.GetResponseAsync(view, chatOptions, linked.Token);
                }
                catch (Exception ex)
                {
                    var (reason, endReason, error) = ModelErrors.StopFor(ex, cancellationToken.IsCancellationRequested, timeLimit.IsCancellationRequested, limits.TimeLimit, $"model call failed (instance {speaker}, turn {turn})");
                    return Stop(reason, endReason, error);
                }

                var callUsage = AgentLoop.ToUsage(response.Usage);
                usage += callUsage;
                recorder.Record(TrialEventKinds.ModelCall, $"instance {speaker} answered turn {turn}", new
                {
                    speaker,
                    turn,
                    input_tokens = callUsage.InputTokens,
                    output_tokens = callUsage.OutputTokens,
                    reasoning_tokens = callUsage.ReasoningTokens,
                    duration_ms = (long)recorder.Time.GetElapsedTime(started).TotalMilliseconds,
                    finish_reason = response.FinishReason?.Value,
                    model_id = response.ModelId,
                });

                // No choice at all is a provider fault, not a turn (an empty message is a turn: silence).
                if (response.Messages.Count == 0)
                {
                    if (attempt >= AgentLoop.MaxEmptyReplies)
                    {
                        return Stop(AgentStopReason.Error, error: $"model call failed (instance {speaker}, turn {turn}): the provider returned an empty response (no choices) {attempt} times in a row");
                    }

                    recorder.Record(TrialEventKinds.Error, "empty response (no choices): asking again");
                    response = null;
                }
            }

            var contents = response.Messages.SelectMany(m => m.Contents).ToList();
            var calls = contents.OfType<FunctionCallContent>().ToList();
            var said = string.Concat(contents.OfType<TextContent>().Select(t => t.Text));
            transcript.Add(new ChatMessage(ChatRole.Assistant, contents) { AuthorName = speaker });
            turns.Add((speaker, said));

            if (calls.Count == 0)
            {
                continue;
            }

            var results = new List<AIContent>();
            ToolCallOutcome? ending = null;
            foreach (var call in calls)
            {
                if (ending is not null)
                {
                    results.Add(new FunctionResultContent(call.CallId, "Not run: the conversation has ended."));
                    continue;
                }

                recorder.Record(TrialEventKinds.ToolCall, call.Name, new { call_id = call.CallId, name = call.Name, arguments = call.Arguments, speaker, turn });
                var outcome = await environment.InvokeToolAsync(call, linked.Token);
                recorder.Record(TrialEventKinds.ToolResult, outcome.EndTrial ? $"{call.Name} → trial ends: {outcome.EndReason}" : call.Name, new { call_id = call.CallId, output = outcome.Output });
                results.Add(new FunctionResultContent(call.CallId, outcome.Output));
                ending ??= outcome.EndTrial ? outcome : null;
            }

            transcript.Add(new ChatMessage(ChatRole.Tool, results) { AuthorName = speaker });
            if (ending is not null)
            {
                return Stop(AgentStopReason.EnvironmentEnded, ending.EndReason);
            }
        }

        return Stop(AgentStopReason.EnvironmentEnded, $"all {environment.Turns} turns taken");
    }
}
