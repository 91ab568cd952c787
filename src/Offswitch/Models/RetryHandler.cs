using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Offswitch.Models;

/// <summary>How provider HTTP calls are retried. One policy is shared by every SDK (their own retries are off).</summary>
public sealed record RetryOptions
{
    /// <summary>Total attempts including the first.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>First backoff delay; doubles on each retry.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound of a computed backoff delay and of an honoured <c>Retry-After</c>.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Randomises computed backoff delays (not <c>Retry-After</c>).</summary>
    public bool UseJitter { get; init; } = true;

    /// <summary>Timeout of one HTTP attempt; a timed-out attempt is retried.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Retries 429, 5xx, network failures and per-attempt timeouts with exponential backoff that honours
/// <c>Retry-After</c>. Installed under both SDKs' HTTP stacks so OpenAI and Anthropic share one policy.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly TimeProvider _time;

    public RetryHandler(RetryOptions options, HttpMessageHandler inner, TimeProvider? timeProvider = null)
        : base(inner)
    {
        _time = timeProvider ?? TimeProvider.System;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time };
        if (options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = options.UseJitter,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context.CancellationToken)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, options.MaxDelay, _time)),
            });
        }

        builder.AddTimeout(options.RequestTimeout);
        _pipeline = builder.Build();
    }

    /// <summary>Builds the HTTP client the SDKs use: retries over a pooled socket handler, no client-level timeout.</summary>
    public static HttpClient CreateHttpClient(RetryOptions options, HttpMessageHandler? inner = null, TimeProvider? timeProvider = null) =>
        new(new RetryHandler(options, inner ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, timeProvider))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // The SDKs build their content from buffered bytes; loading it once makes every attempt resend the same body.
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        return await _pipeline.ExecuteAsync(
            static async (state, token) => await state.Self.SendOnceAsync(state.Request, token),
            (Self: this, Request: request),
            cancellationToken);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);

        // Reading the body inside the attempt makes a connection cut mid-body (a truncated response) a retried network
        // failure, and keeps the per-attempt timeout over the whole answer, not only its headers.
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Exception is { } ex)
        {
            return ex is HttpRequestException or TimeoutRejectedException
                || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);
        }

        var status = outcome.Result!.StatusCode;
        return status == HttpStatusCode.TooManyRequests || (int)status >= 500;
    }

    /// <summary>The server's <c>Retry-After</c> (seconds or HTTP date), capped; null lets the backoff decide.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan max, TimeProvider time)
    {
        var header = response?.Headers.RetryAfter;
        TimeSpan? delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        if (delay is null && response?.Headers.TryGetValues("retry-after-ms", out var values) == true
            && double.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms))
        {
            delay = TimeSpan.FromMilliseconds(ms);
        }

        if (delay is not { } d)
        {
            return null;
        }

        return d < TimeSpan.Zero ? TimeSpan.Zero : d > max ? max : d;
    }
}
