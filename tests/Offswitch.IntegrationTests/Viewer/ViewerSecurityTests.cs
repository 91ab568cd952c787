using System.Net;
using Offswitch.Cli.Services;
using Offswitch.Cli.Viewer;
using Offswitch.Scenarios;
using Offswitch.Storage;

namespace Offswitch.IntegrationTests.Viewer;

/// <summary>The viewer refuses requests addressed to other names (DNS rebinding) and sends its security headers.</summary>
public sealed class ViewerSecurityTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offswitch-viewer-security-").FullName;
    private SqliteResultStore _store = null!;
    private ViewerServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync()
    {
        _store = await SqliteResultStore.OpenAsync(Path.Combine(_directory, "viewer.db"));
        _server = await ViewerServer.StartAsync(_store, new ReportService(ScenarioCatalog.Default), port: 0);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("evil.example:80")]
    [InlineData("127.0.0.1.evil.example")]
    [InlineData("localhost.evil.example")]
    public async Task Request_ForeignHostHeader_IsRefused(string host)
    {
        foreach (var path in new[] { "/", "/api/runs" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.Url, path));
            request.Headers.Host = host;

            using var response = await _http.SendAsync(request);

            Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
            Assert.DoesNotContain("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Request_LoopbackHost_ServedWithSecurityHeaders(string name)
    {
        foreach (var path in new[] { "/", "/app.js", "/api/runs" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_server.Url, path));
            request.Headers.Host = $"{name}:{_server.Url.Port}";

            using var response = await _http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(ViewerServer.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Contains("frame-ancestors 'none'", ViewerServer.ContentSecurityPolicy);
        }
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
