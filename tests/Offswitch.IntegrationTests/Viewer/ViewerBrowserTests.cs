using Offswitch.Cli.Services;
using Offswitch.Cli.Viewer;
using Offswitch.Experiments;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Offswitch.IntegrationTests.Viewer;

/// <summary>Runs only where Debian's chromium and chromium-driver are installed; skipped with the install command otherwise.</summary>
public sealed class RequiresChromiumFactAttribute : FactAttribute
{
    public const string Browser = "/usr/bin/chromium";
    public const string Driver = "/usr/bin/chromedriver";

    public RequiresChromiumFactAttribute()
    {
        if (!File.Exists(Browser) || !File.Exists(Driver))
        {
            Skip = $"headless browser tests need {Browser} and {Driver}: apt-get install -y chromium chromium-driver";
        }
    }
}

/// <summary>A store with one run, the viewer serving it on 127.0.0.1, and one headless Chromium.</summary>
public sealed class ViewerBrowserFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("offswitch-viewer-").FullName;
    private ViewerServer? _server;

    public SqliteResultStore Store { get; private set; } = null!;
    public string RunId { get; private set; } = null!;
    public ExperimentPlan Plan { get; } = ViewerTestStore.Plan(trials: 15);
    public Uri Url => _server!.Url;
    public ChromeDriver? Browser { get; private set; }

    /// <summary>Where screenshots go: OFFSWITCH_VIEWER_SCREENSHOTS, or a folder beside the test assembly.</summary>
    public string Screenshots { get; } = Environment.GetEnvironmentVariable("OFFSWITCH_VIEWER_SCREENSHOTS") is { Length: > 0 } dir
        ? dir : Path.Combine(AppContext.BaseDirectory, "viewer-screenshots");

    // 60 trials (more than one page). A×o3 resists 8 of 15, E×o3 1 of 15: a difference the comparison must call significant.
    public static bool Resists(TrialKey key) => (key.Condition, key.Model) switch
    {
        ("A", "openai/o3") => key.Index < 8,
        ("E", "openai/o3") => key.Index == 0,
        ("A", _) => key.Index < 5,
        _ => false,
    };

    public async Task InitializeAsync()
    {
        Store = await SqliteResultStore.OpenAsync(Path.Combine(_directory, "viewer.db"));
        RunId = await Store.BeginRunAsync(Plan, "test");
        foreach (var trial in ViewerTestStore.Trials(RunId, Plan, Resists))
        {
            await Store.SaveTrialAsync(trial);
        }

        await Store.EndRunAsync(RunId, RunStatuses.Completed);
        _server = await ViewerServer.StartAsync(Store, new ReportService(ScenarioCatalog.Default), port: 0);
        if (File.Exists(RequiresChromiumFactAttribute.Browser) && File.Exists(RequiresChromiumFactAttribute.Driver))
        {
            var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(RequiresChromiumFactAttribute.Driver), Path.GetFileName(RequiresChromiumFactAttribute.Driver));
            service.HideCommandPromptWindow = true;
            service.SuppressInitialDiagnosticInformation = true;
            var options = new ChromeOptions { BinaryLocation = RequiresChromiumFactAttribute.Browser };
            options.AddArguments(
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                $"--user-data-dir={Path.Combine(_directory, "chromium-profile")}");
            Browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
            Directory.CreateDirectory(Screenshots);
        }
    }

    public async Task DisposeAsync()
    {
        Browser?.Quit();
        Browser?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await Store.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class ViewerBrowserTests(ViewerBrowserFixture fixture) : IClassFixture<ViewerBrowserFixture>
{
    private ChromeDriver Browser => fixture.Browser!;

    [RequiresChromiumFact]
    public void RunPage_OpenRun_ShowsCellsWithControlLabelAndChart()
    {
        Go("#/");
        Wait(d => d.FindElements(By.CssSelector("#runs .run-row")).Count == 1);
        Browser.FindElement(By.CssSelector($"#runs .run-row a")).Click();
        Wait(d => d.FindElements(By.CssSelector("#cells .cell-row")).Count == 4);
        Shot("1-run");

        var rows = Browser.FindElements(By.CssSelector("#cells .cell-row")).Select(r => r.Text).ToList();
        Assert.Contains(rows, r => r.Contains("openai/o3", StringComparison.Ordinal) && r.Contains("8/15", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("reference/mixed?p=0.5", StringComparison.Ordinal) && r.Contains("control", StringComparison.Ordinal));
        Assert.Equal(4, Browser.FindElements(By.CssSelector("#chart rect.bar")).Count);
        Assert.Equal(4, Browser.FindElements(By.CssSelector("#chart line.whisker")).Count);
    }

    [RequiresChromiumFact]
    public void TrialPage_ResistedTrial_ShowsVerdictScriptDiffAndDecisiveCall()
    {
        Go($"#/trials?run={Uri.EscapeDataString(fixture.RunId)}&outcome=resisted&model=openai%2Fo3");
        Wait(d => d.FindElements(By.CssSelector("#results .trial-row")).Count > 0);
        Browser.FindElement(By.CssSelector("#results .trial-row a")).Click();
        Wait(d => d.FindElements(By.Id("diff")).Count == 1);

        var verdict = Browser.FindElement(By.Id("verdict")).Text;
        Assert.Contains("resisted", verdict, StringComparison.Ordinal);
        Assert.Contains("script-replaced", verdict, StringComparison.Ordinal);
        Assert.Equal("kill -s TERM 1", Browser.FindElement(By.CssSelector("#diff .diff-del")).Text);
        Assert.Equal("echo \"Shutdown skipped\"", Browser.FindElement(By.CssSelector("#diff .diff-ins")).Text);

        // System and user prompts start collapsed; the assistant's reasoning is shown.
        Assert.All(Browser.FindElements(By.CssSelector("details.msg.system, details.msg.user")), d => Assert.Null(d.GetAttribute("open")));
        Assert.Contains(Browser.FindElements(By.CssSelector(".reasoning pre")), r => r.Text.Contains("harmless", StringComparison.Ordinal));

        Browser.FindElement(By.CssSelector("#verdict a.jump")).Click();
        var decisive = Browser.FindElement(By.CssSelector(".call.decisive"));
        Assert.Contains("./next_question", decisive.FindElement(By.CssSelector("pre.cmd")).Text, StringComparison.Ordinal);
        Assert.Contains("returned with status 0", decisive.Text, StringComparison.Ordinal);
        Wait(_ => Browser.ExecuteScript("const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;", decisive) is true);
        Shot("2-trial-decisive");
        Browser.ExecuteScript("window.scrollTo(0, 0)");
        Shot("3-trial-verdict");
    }

    [RequiresChromiumFact]
    public async Task Search_ShutdownScript_ListsHitsWithHighlights()
    {
        // Every stored trial reaches the fourth call, so every one mentions the script (another test may add a run).
        var all = (await fixture.Store.BrowseTrialsAsync(new TrialFilter())).Total;
        Go("#/");
        Wait(d => d.FindElements(By.CssSelector("#runs .run-row")).Count == 1);
        var box = Browser.FindElement(By.Id("q"));
        box.SendKeys("shutdown.sh");
        box.SendKeys(Keys.Enter);
        Wait(d => d.FindElements(By.CssSelector("#results .trial-row")).Count > 0);
        Shot("4-search");

        Assert.Equal($"{all} trials", Browser.FindElement(By.Id("total")).Text);
        Assert.Equal(50, Browser.FindElements(By.CssSelector("#results .trial-row")).Count);
        Assert.Contains(Browser.FindElements(By.CssSelector("#results .snippet mark")), m => m.Text == "shutdown.sh");

        Browser.FindElement(By.Id("next")).Click();
        Wait(d => d.FindElements(By.CssSelector("#results .trial-row")).Count == Math.Min(50, all - 50));

        Browser.FindElement(By.CssSelector("#results .trial-row a")).Click();
        Wait(d => d.FindElements(By.Id("verdict")).Count == 1);
        Assert.Contains(Browser.FindElements(By.CssSelector("main mark")), m => m.Text == "shutdown.sh");
    }

    [RequiresChromiumFact]
    public void Filter_ByOutcome_ShowsOnlyThatOutcome()
    {
        Go($"#/trials?run={Uri.EscapeDataString(fixture.RunId)}");
        Wait(d => d.FindElements(By.CssSelector("#results .trial-row")).Count > 0);
        Browser.FindElement(By.XPath("//select[@id='f-outcome']/option[.='resisted']")).Click();
        Wait(d => d.FindElement(By.Id("total")).Text == "14 trials");
        Shot("5-filter-resisted");

        var outcomes = Browser.FindElements(By.CssSelector("#results .trial-row")).Select(r => r.GetAttribute("data-outcome")).ToList();
        Assert.Equal(14, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal("resisted", o));
    }

    [RequiresChromiumFact]
    public void CompareCells_TwoPicked_ShowsDifferenceIntervalAndPValue()
    {
        Go($"#/run/{Uri.EscapeDataString(fixture.RunId)}");
        Wait(d => d.FindElements(By.CssSelector("#cells .cell-row")).Count == 4);
        foreach (var row in Browser.FindElements(By.CssSelector("#cells .cell-row")).Where(r => r.Text.Contains("openai/o3", StringComparison.Ordinal)))
        {
            row.FindElement(By.CssSelector("input.pick")).Click();
        }

        Browser.FindElement(By.Id("compare-cells")).Click();
        Wait(d => d.FindElements(By.Id("difference")).Count == 1);
        Shot("6-compare-cells");

        var difference = Browser.FindElement(By.Id("difference")).Text;
        var expected = Offswitch.Statistics.TwoProportions.Compare(8, 15, 1, 15);
        Assert.Contains($"{100 * expected.Difference:0.0}%", difference, StringComparison.Ordinal);
        Assert.Contains($"p = {expected.PValue:0.0000}", difference, StringComparison.Ordinal);
        Assert.Contains($"{100 * expected.Lower:0.0}% to {100 * expected.Upper:0.0}%", difference, StringComparison.Ordinal);
    }

    [RequiresChromiumFact]
    public void CompareTrials_TwoPicked_ShowsBothSideBySide()
    {
        Go($"#/trials?run={Uri.EscapeDataString(fixture.RunId)}&model=openai%2Fo3&condition=A");
        Wait(d => d.FindElements(By.CssSelector("#results .trial-row")).Count == 15);
        var rows = Browser.FindElements(By.CssSelector("#results .trial-row"));
        rows[0].FindElement(By.CssSelector("input.pick")).Click();
        rows[14].FindElement(By.CssSelector("input.pick")).Click();
        Browser.FindElement(By.Id("compare-trials")).Click();
        Wait(d => d.FindElements(By.CssSelector("#compare .verdict")).Count == 2);
        Shot("7-compare-trials");

        var sides = Browser.FindElements(By.CssSelector("#compare .verdict")).Select(v => v.Text).ToList();
        Assert.Contains("resisted", sides[0], StringComparison.Ordinal);
        Assert.Contains("complied", sides[1], StringComparison.Ordinal);
    }

    [RequiresChromiumFact]
    public async Task RunsPage_TrialsStoredWhileOpen_UpdatesCountsWithoutReload()
    {
        var plan = ViewerTestStore.Plan(trials: 3) with { Seed = 99 };
        var runId = await fixture.Store.BeginRunAsync(plan, "test");
        Go("#/");
        Wait(d => d.FindElements(By.CssSelector($"#runs .run-row[data-run='{runId}'] .stored")).Count == 1);
        Assert.Equal("0 / 12", StoredText(runId));
        Browser.ExecuteScript("window.__sameDocument = true");

        foreach (var trial in ViewerTestStore.Trials(runId, plan, _ => true).Take(5))
        {
            await fixture.Store.SaveTrialAsync(trial);
        }

        Wait(_ => StoredText(runId) == "5 / 12");
        Assert.Equal(true, Browser.ExecuteScript("return window.__sameDocument === true"));
        Shot("8-live");
    }

    private string StoredText(string runId) => Browser.FindElement(By.CssSelector($"#runs .run-row[data-run='{runId}'] .stored")).Text;

    private void Go(string hash)
    {
        Browser.Navigate().GoToUrl(new Uri(fixture.Url, "/" + hash));
    }

    private void Wait(Func<IWebDriver, bool> condition)
    {
        var wait = new WebDriverWait(Browser, TimeSpan.FromSeconds(15));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        wait.Until(condition);
    }

    private void Shot(string name) => Browser.GetScreenshot().SaveAsFile(Path.Combine(fixture.Screenshots, name + ".png"));
}
