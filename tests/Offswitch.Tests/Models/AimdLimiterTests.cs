using Offswitch.Models;

namespace Offswitch.Tests.Models;

public sealed class AimdLimiterTests
{
    private static AimdLimiter Limiter(int max = 8) => new("http://127.0.0.1:1", new AdaptiveConcurrencyOptions { MaxConcurrency = max });

    [Fact]
    public async Task OnRateLimited_BurstOfConcurrent429s_HalvesLimitOnce()
    {
        var limiter = Limiter(8);
        var permits = new List<AimdLimiter.Permit>();
        for (var i = 0; i < 8; i++)
        {
            permits.Add(await limiter.AcquireAsync());
        }

        foreach (var permit in permits)
        {
            limiter.OnRateLimited(permit);
            permit.Dispose();
        }

        Assert.Equal(4, limiter.Limit);

        using var later = await limiter.AcquireAsync();
        limiter.OnRateLimited(later);
        Assert.Equal(2, limiter.Limit);
    }

    [Fact]
    public async Task OnSuccess_AfterDecrease_GrowsBackAdditivelyToMax()
    {
        var limiter = Limiter(4);
        using (var permit = await limiter.AcquireAsync())
        {
            limiter.OnRateLimited(permit);
        }

        Assert.Equal(2, limiter.Limit);
        limiter.OnSuccess();
        Assert.Equal(2, limiter.Limit); // +1/2
        limiter.OnSuccess();
        Assert.Equal(3, limiter.Limit);
        for (var i = 0; i < 10; i++)
        {
            limiter.OnSuccess();
        }

        Assert.Equal(4, limiter.Limit);
    }

    [Fact]
    public async Task AcquireAsync_AtLimit_WaitsUntilARequestEnds()
    {
        var limiter = Limiter(1);
        var first = await limiter.AcquireAsync();
        var second = limiter.AcquireAsync().AsTask();

        Assert.False(second.IsCompleted);
        Assert.Equal(1, limiter.Snapshot().Waiting);
        first.Dispose();
        using var granted = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, limiter.Snapshot().InFlight);
    }

    [Fact]
    public async Task AcquireAsync_CancelledWhileWaiting_LeavesNoWaiterAndNoPermitTaken()
    {
        var limiter = Limiter(1);
        var first = await limiter.AcquireAsync();
        using var cts = new CancellationTokenSource();
        var waiting = limiter.AcquireAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();
        Assert.Equal(new EndpointRateLimitShape(0, 0), Shape(limiter));
        using var again = await limiter.AcquireAsync();
        Assert.Equal(new EndpointRateLimitShape(1, 0), Shape(limiter));
    }

    [Fact]
    public async Task Status_LimitedEndpoint_IsReportedUntilRecovered()
    {
        var limits = new ProviderRateLimits(new AdaptiveConcurrencyOptions { MaxConcurrency = 2 });
        var limiter = limits.For(new Uri("http://127.0.0.1:5000/v1/chat/completions"));
        Assert.Same(limiter, limits.For(new Uri("http://127.0.0.1:5000/v1/messages")));
        Assert.Empty(limits.Status().Endpoints);

        using (var permit = await limiter.AcquireAsync())
        {
            limiter.OnRateLimited(permit);
        }

        var status = limits.Status();
        Assert.Equal("http://127.0.0.1:5000", Assert.Single(status.Endpoints).Endpoint);
        limiter.OnSuccess();
        limiter.OnSuccess();
        Assert.Empty(limits.Status().Endpoints);
    }

    private sealed record EndpointRateLimitShape(int InFlight, int Waiting);

    private static EndpointRateLimitShape Shape(AimdLimiter limiter)
    {
        var snapshot = limiter.Snapshot();
        return new EndpointRateLimitShape(snapshot.InFlight, snapshot.Waiting);
    }
}
