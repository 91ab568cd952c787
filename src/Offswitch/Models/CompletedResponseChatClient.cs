using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Offswitch.Models;

/// <summary>
/// Base for clients that produce a whole response at once (replay, GGUF, scripted controls): streaming is the
/// finished response split into updates, and, unless a subclass says otherwise, nothing to dispose.
/// </summary>
public abstract class CompletedResponseChatClient : IChatClient
{
    /// <inheritdoc />
    public abstract Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    /// <summary>Metadata to answer <see cref="GetService"/> with, if any.</summary>
    protected virtual ChatClientMetadata? Metadata => null;

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? Metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a subclass holds (a GGUF client's context); nothing by default.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
