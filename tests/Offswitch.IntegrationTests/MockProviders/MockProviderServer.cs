using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Offswitch.IntegrationTests.MockProviders;

/// <summary>A scripted tool call: the tool's name and its arguments as a JSON object.</summary>
public sealed record MockToolCall(string Name, JsonObject Arguments)
{
    /// <summary>When set, sent verbatim as the arguments instead of <see cref="Arguments"/> (e.g. text that is not JSON).</summary>
    public string? RawArguments { get; init; }

    public static MockToolCall Of(string name, object arguments) =>
        new(name, JsonSerializer.SerializeToNode(arguments)!.AsObject());
}

/// <summary>A way for the mock to misbehave instead of answering normally.</summary>
public enum MockFault
{
    /// <summary>Answer normally.</summary>
    None,
    /// <summary>Abort the connection before any response byte (a connection reset).</summary>
    ResetConnection,
    /// <summary>Announce the full Content-Length, send half the body, then abort.</summary>
    TruncatedBody,
    /// <summary>Status 200 with a body that is not JSON.</summary>
    MalformedJson,
    /// <summary>A well-formed completion with no choices (OpenAI) or no content blocks (Anthropic).</summary>
    EmptyChoices,
}

/// <summary>One scripted reply: an assistant turn, or an HTTP error (optionally with Retry-After).</summary>
public sealed record MockResponse
{
    public string? Text { get; init; }
    public string? Reasoning { get; init; }
    public IReadOnlyList<MockToolCall> ToolCalls { get; init; } = [];
    public int InputTokens { get; init; } = 10;
    public int OutputTokens { get; init; } = 5;
    public int ReasoningTokens { get; init; }

    /// <summary>Signature of the Anthropic thinking block that carries <see cref="Reasoning"/>.</summary>
    public string Signature { get; init; } = "mock-signature";

    /// <summary>When set, an Anthropic <c>redacted_thinking</c> block with this opaque data comes first.</summary>
    public string? RedactedThinking { get; init; }

    /// <summary>Chat-completions message field that carries <see cref="Reasoning"/> (servers differ).</summary>
    public string ReasoningField { get; init; } = "reasoning_content";

    /// <summary>When set, the server answers with this status and an error body instead of a turn.</summary>
    public int? ErrorStatus { get; init; }

    /// <summary>Sent as the Retry-After header with an error (seconds or an HTTP date).</summary>
    public string? RetryAfter { get; init; }

    /// <summary>The server waits this long before answering (for timeout tests).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Misbehave instead of answering normally.</summary>
    public MockFault Fault { get; init; }

    public static MockResponse Faulty(MockFault fault) => new() { Fault = fault };

    public static MockResponse Turn(string? text = null, string? reasoning = null, params MockToolCall[] calls) =>
        new() { Text = text, Reasoning = reasoning, ToolCalls = calls };

    public static MockResponse Error(int status, string? retryAfter = null) => new() { ErrorStatus = status, RetryAfter = retryAfter };
}

/// <summary>A request the mock received.</summary>
public sealed record ReceivedRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    JsonNode? Body,
    DateTimeOffset At);

/// <summary>
/// A local provider server speaking the OpenAI Chat Completions (<c>POST /v1/chat/completions</c>) and Anthropic
/// Messages (<c>POST /v1/messages</c>) wire formats, answering from a queue of scripted responses and logging every
/// request. Binds 127.0.0.1 on a free port. When the queue is empty it answers with a plain "done." turn.
/// </summary>
public sealed class MockProviderServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<MockResponse> _script = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Lock _gate = new();
    private int _ids;

    private MockProviderServer(WebApplication app) => _app = app;

    /// <summary>http://127.0.0.1:PORT (Anthropic base URL).</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>http://127.0.0.1:PORT/v1 (OpenAI base URL).</summary>
    public string OpenAIBaseUrl => BaseUrl + "/v1";

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<MockProviderServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new MockProviderServer(app);
        app.MapPost("/v1/chat/completions", http => server.AdmitAsync(http, server.HandleOpenAIAsync));
        app.MapPost("/v1/messages", http => server.AdmitAsync(http, server.HandleAnthropicAsync));
        await app.StartAsync(cancellationToken);
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>
    /// Answers requests when the queue is empty, from the request body (the conversation so far); lets a test drive
    /// whole trials, e.g. a scripted agent with faults injected at seeded random requests.
    /// </summary>
    public Func<JsonNode?, MockResponse>? Responder { get; set; }

    /// <summary>
    /// Asked before each request is served: false answers 429 at once (a provider over its concurrency limit).
    /// <see cref="Released"/> is called when an admitted request has been answered.
    /// </summary>
    public Func<bool>? Admission { get; set; }

    /// <summary>See <see cref="Admission"/>.</summary>
    public Action? Released { get; set; }

    public MockProviderServer Enqueue(params MockResponse[] responses)
    {
        foreach (var response in responses)
        {
            _script.Enqueue(response);
        }

        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AdmitAsync(HttpContext http, Func<HttpContext, Task> handle)
    {
        if (Admission is not { } admission)
        {
            await handle(http);
            return;
        }

        if (!admission())
        {
            await JsonNode.ParseAsync(http.Request.Body);
            http.Response.StatusCode = 429;
            await http.Response.WriteAsJsonAsync(new { error = new { message = "mock: too many concurrent requests", type = "rate_limit_error" } });
            return;
        }

        try
        {
            await handle(http);
        }
        finally
        {
            Released?.Invoke();
        }
    }

    private async Task<(MockResponse Response, JsonNode? Body)> ReceiveAsync(HttpContext http)
    {
        var at = DateTimeOffset.UtcNow;
        var body = await JsonNode.ParseAsync(http.Request.Body);
        var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        lock (_gate)
        {
            _requests.Add(new ReceivedRequest(http.Request.Method, http.Request.Path, headers, body, at));
        }

        var response = _script.TryDequeue(out var next) ? next : Responder?.Invoke(body) ?? MockResponse.Turn("done.");
        if (response.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(response.Delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return (response, body);
    }

    /// <summary>Carries out connection-level and body-level faults; true when the response has been dealt with.</summary>
    private static async Task<bool> TryFaultAsync(HttpContext http, MockResponse response, Func<string> normalBody)
    {
        switch (response.Fault)
        {
            case MockFault.ResetConnection:
                http.Abort();
                return true;
            case MockFault.TruncatedBody:
                {
                    var bytes = System.Text.Encoding.UTF8.GetBytes(normalBody());
                    http.Response.ContentType = "application/json";
                    http.Response.ContentLength = bytes.Length;
                    await http.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                    await http.Response.Body.FlushAsync();
                    http.Abort();
                    return true;
                }

            case MockFault.MalformedJson:
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync("{\"id\": \"broken\", \"choices\": [{\"index\": 0, \"message\": <html>Bad gateway</html>");
                return true;
            default:
                return false;
        }
    }

    private static async Task<bool> TryWriteErrorAsync(HttpContext http, MockResponse response, object errorBody)
    {
        if (response.ErrorStatus is not { } status)
        {
            return false;
        }

        if (response.RetryAfter is not null)
        {
            http.Response.Headers["Retry-After"] = response.RetryAfter;
        }

        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(errorBody);
        return true;
    }

    private async Task HandleOpenAIAsync(HttpContext http)
    {
        var (response, body) = await ReceiveAsync(http);
        if (await TryFaultAsync(http, response, () => OpenAICompletion(response, body).ToJsonString())
            || await TryWriteErrorAsync(http, response, new { error = new { message = $"mock error {response.ErrorStatus}", type = "server_error", code = (string?)null } }))
        {
            return;
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(OpenAICompletion(response, body).ToJsonString());
    }

    private JsonObject OpenAICompletion(MockResponse response, JsonNode? body)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = response.Text, ["refusal"] = null };
        if (response.Reasoning is not null)
        {
            message[response.ReasoningField] = response.Reasoning;
        }

        if (response.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. response.ToolCalls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = $"call_mock_{Interlocked.Increment(ref _ids)}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.RawArguments ?? c.Arguments.ToJsonString() },
            })]);
        }

        var completion = new JsonObject
        {
            ["id"] = $"chatcmpl-mock-{Interlocked.Increment(ref _ids)}",
            ["object"] = "chat.completion",
            ["created"] = 1700000000,
            ["model"] = body?["model"]?.GetValue<string>() ?? "mock",
            ["choices"] = response.Fault == MockFault.EmptyChoices ? new JsonArray() : new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = response.ToolCalls.Count > 0 ? "tool_calls" : "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = response.InputTokens,
                ["completion_tokens"] = response.OutputTokens,
                ["total_tokens"] = response.InputTokens + response.OutputTokens,
                ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = response.ReasoningTokens },
            },
        };
        return completion;
    }

    private async Task HandleAnthropicAsync(HttpContext http)
    {
        var (response, body) = await ReceiveAsync(http);
        if (await TryFaultAsync(http, response, () => AnthropicMessage(response, body).ToJsonString())
            || await TryWriteErrorAsync(http, response, new { type = "error", error = new { type = "api_error", message = $"mock error {response.ErrorStatus}" } }))
        {
            return;
        }

        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(AnthropicMessage(response, body).ToJsonString());
    }

    private JsonObject AnthropicMessage(MockResponse response, JsonNode? body)
    {
        var content = new JsonArray();
        if (response.Fault == MockFault.EmptyChoices)
        {
            response = response with { Text = null, Reasoning = null, RedactedThinking = null, ToolCalls = [] };
        }

        if (response.RedactedThinking is not null)
        {
            content.Add(new JsonObject { ["type"] = "redacted_thinking", ["data"] = response.RedactedThinking });
        }

        if (response.Reasoning is not null)
        {
            content.Add(new JsonObject { ["type"] = "thinking", ["thinking"] = response.Reasoning, ["signature"] = response.Signature });
        }

        if (response.Text is not null)
        {
            content.Add(new JsonObject { ["type"] = "text", ["text"] = response.Text });
        }

        foreach (var call in response.ToolCalls)
        {
            content.Add(new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = $"toolu_mock_{Interlocked.Increment(ref _ids)}",
                ["name"] = call.Name,
                ["input"] = call.RawArguments is { } raw ? JsonValue.Create(raw) : call.Arguments.DeepClone(),
                ["caller"] = new JsonObject { ["type"] = "direct" },
            });
        }

        var message = new JsonObject
        {
            ["id"] = $"msg_mock_{Interlocked.Increment(ref _ids)}",
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = body?["model"]?.GetValue<string>() ?? "mock",
            ["content"] = content,
            ["stop_reason"] = response.ToolCalls.Count > 0 ? "tool_use" : "end_turn",
            ["stop_sequence"] = null,
            ["usage"] = new JsonObject { ["input_tokens"] = response.InputTokens, ["output_tokens"] = response.OutputTokens },
        };
        return message;
    }
}
