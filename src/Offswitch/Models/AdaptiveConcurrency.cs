using System.Net;

namespace Offswitch.Models;

/// <summary>Settings of the per-provider adaptive concurrency (AIMD) limiters.</summary>
public sealed record AdaptiveConcurrencyOptions
{
    /// <summary>Requests in flight per endpoint when nothing is rate limited (the run's trial concurrency is a good value).</summary>
    public int MaxConcurrency { get; init; } = 4;

    /// <summary>The limit never shrinks below this.</summary>
    public int MinConcurrency { get; init; } = 1;

    /// <summary>Multiplies the limit on a rate-limited response (the multiplicative decrease).</summary>
    public double DecreaseFactor { get; init; } = 0.5;
}

/// <summary>
/// Additive-increase / multiplicative-decrease concurrency limit for one provider endpoint: a 429 halves the number of
/// requests allowed in flight, every successful response adds 1/limit (about +1 per limit's worth of successes), so a
/// rate-limited provider is slowed to what it accepts instead of failing trials, and speeds up again when it recovers.
/// </summary>
public sealed class AimdLimiter
{
    private readonly AdaptiveConcurrencyOptions _options;
    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource<Permit>> _waiters = new();
    private double _limit;
    private int _inFlight;
    private long _generation;

    public AimdLimiter(string endpoint, AdaptiveConcurrencyOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinConcurrency, 1);
        Endpoint = endpoint;
        _options = options;
        _limit = options.MaxConcurrency;
    }

    /// <summary>scheme://host:port this limiter guards.</summary>
    public string Endpoint { get; }

    /// <summary>The current limit (requests allowed in flight).</summary>
    public int Limit
    {
        get
        {
            lock (_gate)
            {
                return CurrentLimit;
            }
        }
    }

    private int CurrentLimit => Math.Max(_options.MinConcurrency, (int)Math.Floor(_limit));

    /// <summary>A snapshot for progress displays.</summary>
    public EndpointRateLimit Snapshot()
    {
        lock (_gate)
        {
            return new EndpointRateLimit(Endpoint, CurrentLimit, _options.MaxConcurrency, _inFlight, _waiters.Count);
        }
    }

    /// <summary>Waits for a permit to send one request; dispose the permit when the response has arrived.</summary>
    public async ValueTask<Permit> AcquireAsync(CancellationToken cancellationToken = default)
    {
        TaskCompletionSource<Permit> waiter;
        LinkedListNode<TaskCompletionSource<Permit>> node;
        lock (_gate)
        {
            if (_waiters.Count == 0 && _inFlight < CurrentLimit)
            {
                _inFlight++;
                return new Permit(this, _generation);
            }

            waiter = new TaskCompletionSource<Permit>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiters.AddLast(waiter);
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_gate)
            {
                if (node.List is not null)
                {
                    _waiters.Remove(node);
                }
            }

            waiter.TrySetCanceled(cancellationToken);
        });
        return await waiter.Task;
    }

    /// <summary>The provider answered 429 to a request sent under <paramref name="permit"/>: shrink the limit.</summary>
    public void OnRateLimited(Permit permit)
    {
        lock (_gate)
        {
            // Requests sent before the last decrease saw the old limit; their 429s are the same congestion signal, so one
            // burst of concurrent 429s shrinks the limit once, not once per request.
            if (permit.Generation != _generation)
            {
                return;
            }

            _generation++;
            _limit = Math.Max(_options.MinConcurrency, _limit * _options.DecreaseFactor);
        }
    }

    /// <summary>The provider answered normally: grow the limit additively.</summary>
    public void OnSuccess()
    {
        lock (_gate)
        {
            if (_limit < _options.MaxConcurrency)
            {
                _limit = Math.Min(_options.MaxConcurrency, _limit + (1.0 / Math.Max(1.0, Math.Floor(_limit))));
                WakeWaiters();
            }
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _inFlight--;
            WakeWaiters();
        }
    }

    private void WakeWaiters()
    {
        while (_inFlight < CurrentLimit && _waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            _inFlight++;
            if (!first.Value.TrySetResult(new Permit(this, _generation)))
            {
                _inFlight--; // cancelled meanwhile
            }
        }
    }

    /// <summary>Permission to have one request in flight.</summary>
    public sealed class Permit : IDisposable
    {
        private readonly AimdLimiter _owner;
        private int _released;

        internal Permit(AimdLimiter owner, long generation)
        {
            _owner = owner;
            Generation = generation;
        }

        internal long Generation { get; }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                _owner.Release();
            }
        }
    }
}

/// <summary>One <see cref="AimdLimiter"/> per provider endpoint (scheme, host and port), created on first use.</summary>
public sealed class ProviderRateLimits(AdaptiveConcurrencyOptions options)
{
    private readonly Dictionary<string, AimdLimiter> _limiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();
    private long _rateLimited;

    /// <summary>The settings every limiter uses.</summary>
    public AdaptiveConcurrencyOptions Options { get; } = options;

    /// <summary>The limiter of the endpoint serving <paramref name="uri"/>.</summary>
    public AimdLimiter For(Uri uri)
    {
        var endpoint = uri.GetLeftPart(UriPartial.Authority);
        lock (_gate)
        {
            if (!_limiters.TryGetValue(endpoint, out var limiter))
            {
                limiter = new AimdLimiter(endpoint, Options);
                _limiters[endpoint] = limiter;
            }

            return limiter;
        }
    }

    internal void CountRateLimited() => Interlocked.Increment(ref _rateLimited);

    /// <summary>Endpoints currently below their full concurrency or with requests waiting, and the 429s seen so far.</summary>
    public RateLimitStatus Status()
    {
        List<AimdLimiter> limiters;
        lock (_gate)
        {
            limiters = [.. _limiters.Values];
        }

        var limited = limiters.Select(l => l.Snapshot()).Where(s => s.Limit < s.Max || s.Waiting > 0).ToList();
        return new RateLimitStatus(limited, Interlocked.Read(ref _rateLimited));
    }
}

/// <summary>
/// Holds a permit of the endpoint's <see cref="AimdLimiter"/> for each HTTP attempt and feeds the limiter: a 429 shrinks
/// it, any other non-5xx answer grows it. Sits under <see cref="RetryHandler"/>, so a request waiting out
/// <c>Retry-After</c> holds no permit.
/// </summary>
public sealed class AdaptiveConcurrencyHandler(ProviderRateLimits limits, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var limiter = limits.For(request.RequestUri ?? throw new InvalidOperationException("A provider request has no URI."));
        using var permit = await limiter.AcquireAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            limits.CountRateLimited();
            limiter.OnRateLimited(permit);
        }
        else if ((int)response.StatusCode < 500)
        {
            limiter.OnSuccess();
        }

        return response;
    }
}

/// <summary>Providers whose concurrency is currently reduced by rate limiting.</summary>
/// <param name="Endpoints">One entry per provider endpoint that has been rate limited and has not yet recovered.</param>
/// <param name="RateLimitedResponses">429 responses seen so far by this process.</param>
public sealed record RateLimitStatus(IReadOnlyList<EndpointRateLimit> Endpoints, long RateLimitedResponses)
{
    /// <summary>No endpoint is limited.</summary>
    public static RateLimitStatus None { get; } = new([], 0);

    /// <summary>Requests waiting for a permit on a limited endpoint.</summary>
    public int Waiting => Endpoints.Sum(e => e.Waiting);
}

/// <summary>One endpoint's adaptive concurrency.</summary>
/// <param name="Endpoint">scheme://host:port of the provider.</param>
/// <param name="Limit">Requests allowed in flight at once now.</param>
/// <param name="Max">The limit it grows back to.</param>
/// <param name="InFlight">Requests in flight.</param>
/// <param name="Waiting">Requests waiting for a permit.</param>
public sealed record EndpointRateLimit(string Endpoint, int Limit, int Max, int InFlight, int Waiting);
