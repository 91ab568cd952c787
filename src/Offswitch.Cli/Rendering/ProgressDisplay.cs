using System.Globalization;
using Offswitch.Experiments;
using Offswitch.Models;
using Offswitch.Running;
using Spectre.Console;

namespace Offswitch.Cli;

/// <summary>
/// Shows a run's progress: a live bar on a terminal, plain lines when output is redirected (CI logs, files).
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<RunSummary> RunAsync(ExperimentPlan plan, bool quiet, Func<IProgress<RunProgress>, Task<RunSummary>> run)
    {
        var total = plan.Keys().Count();
        if (quiet)
        {
            return await run(new Progress<RunProgress>(_ => { }));
        }

        if (AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected)
        {
            RunSummary? summary = null;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(Markup.Escape($"{plan.Scenario}: starting"), maxValue: total);
                    var sink = new SynchronousProgress(p =>
                    {
                        task.Value = p.AlreadyStored + p.Done;
                        task.Description = Markup.Escape(Line(p));
                    });
                    summary = await run(sink);
                    task.Value = total;
                });
            return summary!;
        }

        var step = total <= 50 ? 1 : Math.Max(1, total / 20);
        var lastPrinted = -1;
        var lastRateLimits = "";
        var plain = new SynchronousProgress(p =>
        {
            var count = p.AlreadyStored + p.Done;
            var rateLimits = RateLimitText(p.RateLimits);
            var rateLimitsChanged = rateLimits != lastRateLimits;
            lastRateLimits = rateLimits;
            if (!rateLimitsChanged && (count == lastPrinted || (p.LastTrial is not null && count % step != 0 && count != total)))
            {
                return;
            }

            lastPrinted = count;
            Console.WriteLine(Line(p));
        });
        return await run(plain);
    }

    private static string Line(RunProgress p)
    {
        var count = p.AlreadyStored + p.Done;
        var outcomes = p.Outcomes.Count == 0 ? "" : " | " + string.Join(" ", p.Outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}"));
        var stored = p.AlreadyStored > 0 ? $" ({p.AlreadyStored} resumed)" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"trials {count}/{p.Total}{stored} | in flight {p.InFlight} | errors {p.Errors} | tokens {p.Tokens:N0} | cost {Reporting.ReportFormat.Cost(p.CostUsd, p.UnpricedTrials)} | {p.Elapsed:hh\\:mm\\:ss}{RateLimitText(p.RateLimits)}{outcomes}");
    }

    private static string RateLimitText(RateLimitStatus status) => status.Endpoints.Count == 0
        ? ""
        : " | waiting on rate limits: " + string.Join(", ", status.Endpoints.Select(e => string.Create(CultureInfo.InvariantCulture,
            $"{e.Endpoint} concurrency {e.Limit}/{e.Max}, {e.Waiting} waiting")));

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
    private sealed class SynchronousProgress(Action<RunProgress> report) : IProgress<RunProgress>
    {
        private readonly Lock _gate = new();

        public void Report(RunProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
