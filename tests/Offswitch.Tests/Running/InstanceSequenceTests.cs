using Microsoft.Extensions.AI;
using Offswitch.Running;
using Offswitch.Sandboxes;
using Offswitch.Scenarios;
using Offswitch.Trials;

namespace Offswitch.Tests.Running;

public sealed class InstanceSequenceTests
{
    [Fact]
    public async Task RunAsync_MultiInstanceEnvironment_RunsEachInstanceFreshAndJoinsTranscripts()
    {
        var environment = new TwoInstances();
        var client = new RecordingClient();
        var setup = Setup(environment);

        var result = await InstanceSequence.RunAsync(new AgentLoop(client, new TrialRecorder(TimeProvider.System)), setup, new AgentLimits());

        Assert.Equal(2, environment.NextCalls);
        Assert.Equal([2, 2], client.ConversationLengths);
        Assert.Equal(["one", "two"], client.FirstUserTexts);
        Assert.Equal(AgentStopReason.Answered, result.StopReason);
        Assert.Equal(4, result.Messages.Count);
        Assert.Equal(2, result.Usage.ModelCalls);
    }

    [Fact]
    public async Task RunAsync_ModelErrorInFirstInstance_NoSecondInstance()
    {
        var environment = new TwoInstances();
        var result = await InstanceSequence.RunAsync(new AgentLoop(new FailingClient(), new TrialRecorder(TimeProvider.System)), Setup(environment), new AgentLimits());

        Assert.Equal(AgentStopReason.Error, result.StopReason);
        Assert.Equal(0, environment.NextCalls);
    }

    [Fact]
    public async Task RunAsync_EnvironmentReadingConversations_GetsEachEndedInstancesOwnMessages()
    {
        var environment = new ReadsConversations();

        await InstanceSequence.RunAsync(new AgentLoop(new RecordingClient(), new TrialRecorder(TimeProvider.System)), Setup(environment), new AgentLimits());

        Assert.Equal(["one ok", "two ok", "three ok"], environment.Seen);
    }

    private static TrialSetup Setup(ITrialEnvironment environment) => new()
    {
        Messages = [new ChatMessage(ChatRole.User, "one")],
        Tools = [],
        ContinueMessage = null,
        Sandbox = null,
        Environment = environment,
    };

    private sealed class TwoInstances : IMultiInstanceEnvironment
    {
        public int NextCalls { get; private set; }

        public Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<ChatMessage>?>(++NextCalls == 1 ? [new ChatMessage(ChatRole.User, "two")] : null);
    }

    private sealed class ReadsConversations : IMultiInstanceEnvironment
    {
        public List<string> Seen { get; } = [];

        public Task StartAsync(ISandbox sandbox, TrialRecorder recorder, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<ToolCallOutcome> InvokeToolAsync(FunctionCallContent call, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Verdict> JudgeAsync(AgentStopReason stopReason, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("the overload with the conversation is the one called");

        public Task<IReadOnlyList<ChatMessage>?> NextInstanceAsync(AgentStopReason previousStop, IReadOnlyList<ChatMessage> previousConversation, CancellationToken cancellationToken = default)
        {
            Seen.Add(string.Join(' ', previousConversation.Select(m => m.Text)));
            string[] next = ["two", "three"];
            return Task.FromResult<IReadOnlyList<ChatMessage>?>(Seen.Count <= next.Length ? [new ChatMessage(ChatRole.User, next[Seen.Count - 1])] : null);
        }
    }

    private sealed class RecordingClient : IChatClient
    {
        public List<int> ConversationLengths { get; } = [];

        public List<string> FirstUserTexts { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            ConversationLengths.Add(list.Count + 1);
            FirstUserTexts.Add(list[0].Text);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    private sealed class FailingClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("boom");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
