using System.Net;
using Microsoft.Extensions.Time.Testing;
using Offswitch.Models;

namespace Offswitch.Tests.Models;

public sealed class RetryHandlerTests
{
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void RetryAfter_Seconds_IsUsed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "7");

        Assert.Equal(TimeSpan.FromSeconds(7), RetryHandler.RetryAfter(response, TimeSpan.FromMinutes(1), Time));
    }

    [Fact]
    public void RetryAfter_HttpDate_IsTheTimeUntilThatDate()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("Retry-After", "Mon, 07 Dec 2026 12:00:30 GMT");

        Assert.Equal(TimeSpan.FromSeconds(30), RetryHandler.RetryAfter(response, TimeSpan.FromMinutes(1), Time));
    }

    [Fact]
    public void RetryAfter_HttpDateInThePast_IsNoWait()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        response.Headers.TryAddWithoutValidation("Retry-After", "Mon, 07 Dec 2026 11:59:00 GMT");

        Assert.Equal(TimeSpan.Zero, RetryHandler.RetryAfter(response, TimeSpan.FromMinutes(1), Time));
    }

    [Fact]
    public void RetryAfter_Milliseconds_IsUsed()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("retry-after-ms", "250");

        Assert.Equal(TimeSpan.FromMilliseconds(250), RetryHandler.RetryAfter(response, TimeSpan.FromMinutes(1), Time));
    }

    [Fact]
    public void RetryAfter_BeyondMax_IsCapped()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.TryAddWithoutValidation("Retry-After", "3600");

        Assert.Equal(TimeSpan.FromSeconds(60), RetryHandler.RetryAfter(response, TimeSpan.FromSeconds(60), Time));
    }

    [Fact]
    public void RetryAfter_Absent_LeavesItToBackoff()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.InternalServerError);

        Assert.Null(RetryHandler.RetryAfter(response, TimeSpan.FromSeconds(60), Time));
    }
}
