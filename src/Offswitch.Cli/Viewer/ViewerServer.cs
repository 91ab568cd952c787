using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Offswitch.Cli.Services;
using Offswitch.Models;
using Offswitch.Statistics;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Cli.Viewer;

/// <summary>
/// The local web viewer over a result store: a JSON API plus a static page (HTML, CSS, JS embedded in this assembly,
/// nothing fetched from elsewhere). Binds 127.0.0.1 only.
/// </summary>
internal sealed class ViewerServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ViewerServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>Where the viewer answers, e.g. http://127.0.0.1:5170/.</summary>
    public Uri Url { get; }

    /// <summary>Starts serving <paramref name="store"/> on 127.0.0.1, its cells analysed by <paramref name="reports"/>; port 0 picks a free port.</summary>
    public static async Task<ViewerServer> StartAsync(SqliteResultStore store, ReportService reports, int port, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reports);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Use(GuardAsync);
        var api = new ViewerApi(store, reports);
        MapStatic(app);
        api.Map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var bound = new Uri(address);
        return new ViewerServer(app, new Uri($"http://127.0.0.1:{bound.Port}/"));
    }

    /// <summary>Completes when the server stops (Ctrl-C or <paramref name="cancellationToken"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>No script, style, image or connection from anywhere but the viewer itself; no framing.</summary>
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>
    /// Answers only requests addressed to a loopback name: a page on another site that makes its own name resolve to
    /// 127.0.0.1 (DNS rebinding) sends its own name in <c>Host</c> and is refused, so it cannot read the store. Every
    /// answer carries the security headers.
    /// </summary>
    private static Task GuardAsync(HttpContext context, Func<Task> next)
    {
        var host = context.Request.Host.Host;
        if (host is not ("127.0.0.1" or "localhost" or "[::1]" or "::1"))
        {
            context.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("The Offswitch viewer answers only requests addressed to 127.0.0.1 or localhost.\n");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        return next();
    }

    private static void MapStatic(WebApplication app)
    {
        var assembly = typeof(ViewerServer).Assembly;
        (string Path, string Resource, string Type)[] files =
        [
            ("/", "viewer/index.html", "text/html; charset=utf-8"),
            ("/app.js", "viewer/app.js", "text/javascript; charset=utf-8"),
            ("/app.css", "viewer/app.css", "text/css; charset=utf-8"),
        ];
        foreach (var (path, resource, type) in files)
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"The viewer asset {resource} is missing from the build.");
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var bytes = memory.ToArray();
            app.MapGet(path, () => Results.Bytes(bytes, type));
        }
    }
}

/// <summary>The viewer's JSON endpoints.</summary>
internal sealed class ViewerApi(SqliteResultStore store, ReportService reports)
{
    public void Map(WebApplication app)
    {
        app.MapGet("/api/runs", RunsAsync);
        app.MapGet("/api/counts", async (CancellationToken token) => Json(await store.RunCountsAsync(token)));
        app.MapGet("/api/runs/{id}/cells", CellsAsync);
        app.MapGet("/api/facets", async (string? run, CancellationToken token) => Json(await store.FacetsAsync(run, token)));
        app.MapGet("/api/trials", TrialsAsync);
        app.MapGet("/api/trials/{id:long}", TrialAsync);
        app.MapGet("/api/compare", Compare);
    }

    private static IResult Json(object value) => Results.Json(value, JsonDefaults.Options);

    private async Task<IResult> RunsAsync(CancellationToken token)
    {
        var runs = await store.RunsAsync(token);
        var counts = (await store.RunCountsAsync(token)).ToDictionary(c => c.RunId, StringComparer.Ordinal);
        return Json(runs.Reverse().Select(r => new
        {
            r.Id,
            r.Plan,
            r.Status,
            r.StartedAt,
            r.EndedAt,
            r.HarnessVersion,
            Controls = r.Plan.Models.Where(ModelCatalog.IsControl).ToArray(),
            Planned = (long)r.Plan.Trials * r.Plan.Models.Count * r.Plan.Conditions.Count,
            Stored = counts.TryGetValue(r.Id, out var c) ? c.Trials : 0,
            Outcomes = counts.TryGetValue(r.Id, out var o) ? o.Outcomes : new Dictionary<string, long>(),
        }));
    }

    private async Task<IResult> CellsAsync(string id, CancellationToken token)
    {
        var trials = await store.TrialSummariesAsync(new TrialQuery(RunId: id), token);
        return Json(reports.Analyze(trials));
    }

    private async Task<IResult> TrialsAsync(HttpRequest request, CancellationToken token)
    {
        var q = request.Query;
        string? S(string name) => string.IsNullOrWhiteSpace(q[name]) ? null : q[name].ToString();
        double? D(string name) => double.TryParse(S(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        int I(string name, int fallback) => int.TryParse(S(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        var filter = new TrialFilter(
            RunId: S("run"), Scenario: S("scenario"), Condition: S("condition"), Model: S("model"), Outcome: S("outcome"),
            Technique: S("technique"), Text: S("q"), ScoreName: S("score"), ScoreMin: D("min"), ScoreMax: D("max"),
            Offset: I("offset", 0), Limit: I("limit", 50));
        try
        {
            return Json(await store.BrowseTrialsAsync(filter, token));
        }
        catch (StoreUnavailableException ex)
        {
            return Results.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private async Task<IResult> TrialAsync(long id, CancellationToken token)
    {
        var trial = await store.GetTrialAsync(id, token);
        return trial is null ? Results.NotFound() : Json(TrialView.From(trial, ModelCatalog.IsControl(trial.Key.Model)));
    }

    // k/n of two cells come from the cell endpoint; the statistics live in the core library.
    private static IResult Compare(int k1, int n1, int k2, int n2, double? level)
    {
        if (n1 <= 0 || n2 <= 0 || k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2)
        {
            return Results.BadRequest(new { error = "need 0 <= k <= n and n > 0 for both cells" });
        }

        return Json(TwoProportions.Compare(k1, n1, k2, n2, level ?? 0.95));
    }
}
