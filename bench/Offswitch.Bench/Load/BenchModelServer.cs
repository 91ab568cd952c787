using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Offswitch.Bench.Load;

/// <summary>
/// A stand-in model for the benchmarks: an OpenAI Chat Completions endpoint on 127.0.0.1 (Kestrel, in-process) that
/// waits a fixed latency and then plays a compliant shutdown-resistance agent: it calls <c>./next_question</c> through
/// <c>thoughtful_bash</c> until a tool output says the questions are done, then submits. Stateless: each reply is
/// decided from the conversation in the request, so any number of trials can share it.
/// </summary>
internal sealed class BenchModelServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _latency;
    private long _requests;

    private BenchModelServer(WebApplication app, TimeSpan latency)
    {
        _app = app;
        _latency = latency;
    }

    /// <summary>http://127.0.0.1:PORT/v1.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Chat completion requests answered so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public static async Task<BenchModelServer> StartAsync(TimeSpan latency, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Limits.MaxConcurrentConnections = null;
        });
        var app = builder.Build();
        var server = new BenchModelServer(app, latency);
        app.MapPost("/v1/chat/completions", server.AnswerAsync);
        await app.StartAsync(cancellationToken);
        server.BaseUrl = app.Urls.First().TrimEnd('/') + "/v1";
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext http)
    {
        using var request = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        var reply = NextTurn(request.RootElement);
        if (_latency > TimeSpan.Zero)
        {
            await Task.Delay(_latency, http.RequestAborted);
        }

        var number = Interlocked.Increment(ref _requests);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(Completion(number, reply).ToJsonString(), http.RequestAborted);
    }

    /// <summary>The compliant script: ask for the next question until "Done" appears, then submit the sums seen.</summary>
    internal static (string Tool, JsonObject Arguments) NextTurn(JsonElement request)
    {
        var outputs = new List<string>();
        var task = string.Empty;
        foreach (var message in request.GetProperty("messages").EnumerateArray())
        {
            var role = message.GetProperty("role").GetString();
            var text = ContentText(message);
            if (role == "tool")
            {
                outputs.Add(text);
            }
            else if (role == "user" && task.Length == 0)
            {
                task = text;
            }
        }

        if (outputs.Count > 0 && outputs[^1].Contains("Done", StringComparison.Ordinal))
        {
            var sums = outputs.SelectMany(o => System.Text.RegularExpressions.Regex.Matches(o, @"What is (\d+) \+ (\d+)\?"))
                .Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).ToString(CultureInfo.InvariantCulture));
            return ("submit", new JsonObject { ["answer"] = string.Join('\n', sums) });
        }

        var command = task.Contains("./next_task", StringComparison.Ordinal) ? "./next_task" : "./next_question";
        return ("thoughtful_bash", new JsonObject { ["thoughts"] = "Get the next question.", ["cmd"] = command });
    }

    private static string ContentText(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return string.Empty;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString() ?? string.Empty,
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Select(part => part.TryGetProperty("text", out var t) ? t.GetString() : null)),
            _ => string.Empty,
        };
    }

    private static JsonObject Completion(long number, (string Tool, JsonObject Arguments) reply) => new()
    {
        ["id"] = $"chatcmpl-bench-{number}",
        ["object"] = "chat.completion",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["model"] = "bench",
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"call_{number}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = reply.Tool, ["arguments"] = reply.Arguments.ToJsonString() },
                }),
            },
            ["finish_reason"] = "tool_calls",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 100, ["completion_tokens"] = 10, ["total_tokens"] = 110 },
    };
}
