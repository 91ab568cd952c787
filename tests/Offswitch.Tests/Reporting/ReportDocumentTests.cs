using Offswitch.Cli;
using Offswitch.Reporting;
using Offswitch.Scenarios;
using Offswitch.Storage;
using Offswitch.Trials;
using Spectre.Console;

namespace Offswitch.Tests.Reporting;

/// <summary>The report model and its three renderers: what a section says reaches every format, each in its own form.</summary>
public sealed class ReportDocumentTests
{
    private static readonly OutcomeSet Shutdown = new(["complied", "resisted", "discarded", "error"], "resisted", ["discarded", "error"]);
    private static readonly DateTimeOffset At = new(2025, 7, 5, 12, 0, 0, TimeSpan.Zero);

    private static ScenarioLayout? Lookup(string name) => name == "shutdown" ? new ScenarioLayout(Shutdown, ["A", "B"], "A") : null;

    private static ReportData Report()
    {
        var id = 0;
        IEnumerable<TrialSummary> Many(int count, string condition, string model, string outcome, bool control = false) =>
            Enumerable.Range(0, count).Select(_ => new TrialSummary(
                ++id, "run-1", "cfg", new TrialKey("shutdown", condition, model, id), control, TrialStatus.Completed, outcome, outcome == "resisted" ? "script-deleted" : null,
                null, new Usage(100, 10), At, At.AddMinutes(1), CostUsd: 0.001));
        return ReportBuilder.Build(
            [.. Many(6, "A", "openai/o3", "resisted"), .. Many(4, "A", "openai/o3", "complied"), .. Many(1, "B", "openai/o3", "resisted"), .. Many(9, "B", "openai/o3", "complied"),
             .. Many(5, "A", "reference/comply", "complied", control: true), .. Many(2, "B", "other", "complied"), .. Many(1, "A", "unknown-scenario-model", "complied")],
            [],
            Lookup);
    }

    /// <summary>A document using every kind of block, inline and cell mark.</summary>
    private static ReportDocument Sample() => new(
    [
        new HeadingBlock(1, "Title"),
        new TextBlock([Inline.Text("k counts "), Inline.Strong("resisted"), Inline.Text(" for "), Inline.Code("openai/o3"), Inline.Text("; "), Inline.Control, Inline.Text(" rows are scripts.")], TextStyle.Note),
        new ListBlock([[Inline.Text("first item")], [Inline.Text("second item")]]),
        new TableBlock(
            [new("Model"), new("Rate", Numeric: true), new("CI", Below: true), new("In CI")],
            [
                new ReportRow(["openai/o3", "60.0%", "31.3%–83.2%", new ReportCell("no", Alert: true)]),
                new ReportRow([new ReportCell("reference/comply", Control: true), "0.0%", "0.0%–37.0%", "yes"], IsControl: true),
            ],
            "Rates"),
        new ChartBlock("chart-x", "A chart", () => "<?xml version=\"1.0\"?><svg>drawn</svg>", () => [1, 2, 3]) { TextLines = ["t01 SSSS"], TextLegend = "S spirituality" },
        new ChartBlock("chart-bars", "Bars", () => "<svg/>", () => []) { Bars = [new ChartBar("A × model", 60)] },
    ]);

    [Fact]
    public void Compose_EveryTable_HasOneCellPerColumnAndChartsHaveUniqueFileNames()
    {
        var document = ReportSections.Compose(Report());

        Assert.Equal(new HeadingBlock(1, ReportSections.Title), document.Blocks[0]);
        var tables = document.Blocks.OfType<TableBlock>().ToList();
        Assert.NotEmpty(tables);
        Assert.All(tables, t => Assert.All(t.Rows, r => Assert.Equal(t.Columns.Count, r.Cells.Count)));
        Assert.All(tables, t => Assert.False(t.Columns[0].Below));   // nothing to stack under
        Assert.Equal(document.Charts.Count(), document.Charts.Select(c => c.FileName).Distinct().Count());
        // The control's rows are marked in the model (each renderer labels them), never by text in the cell.
        var controlRows = tables.SelectMany(t => t.Rows).Where(r => r.IsControl).ToList();
        Assert.NotEmpty(controlRows);
        Assert.All(controlRows, r => Assert.Contains(r.Cells, c => c.Control));
        Assert.DoesNotContain(tables.SelectMany(t => t.Rows).SelectMany(r => r.Cells), c => c.Text.Contains("(control)", StringComparison.Ordinal));
    }

    [Fact]
    public void Summary_HasTheCellsTableTitledWithThePrimaryOutcomeAndNoComparisons()
    {
        var summary = ReportSections.Summary(Report());

        var table = Assert.Single(summary.Blocks.OfType<TableBlock>());
        Assert.Equal("shutdown: resisted / n, jeffreys 95% interval", table.Title);
        Assert.Equal(["A", "openai/o3", "6/10", "60.0%"], table.Rows[0].Cells.Take(4).Select(c => c.Text));
        Assert.DoesNotContain(summary.Blocks.OfType<HeadingBlock>(), h => h.Text == "Comparisons");
        Assert.Contains(summary.Blocks.OfType<ListBlock>().SelectMany(l => l.Items).SelectMany(i => i), i => i.Value == "techniques, A × openai/o3: script-deleted 6");
    }

    [Fact]
    public void Markdown_EveryBlock_DrawnWithItsMarks()
    {
        var text = MarkdownReport.Render(Sample(), new Dictionary<string, string> { ["chart-bars"] = "chart-bars.png" });

        Assert.StartsWith("# Title\n\n", text, StringComparison.Ordinal);
        Assert.Contains("k counts **resisted** for `openai/o3`; (control) rows are scripts.", text, StringComparison.Ordinal);
        Assert.Contains("- first item\n- second item\n", text, StringComparison.Ordinal);
        Assert.Contains("**Rates**\n\n| Model | Rate | CI | In CI |\n|---|---:|---|---|\n", text, StringComparison.Ordinal);
        Assert.Contains("| openai/o3 | 60.0% | 31.3%–83.2% | **no** |", text, StringComparison.Ordinal);
        Assert.Contains("| reference/comply (control) | 0.0% | 0.0%–37.0% | yes |", text, StringComparison.Ordinal);
        Assert.Contains("```\nt01 SSSS\nS spirituality\n```", text, StringComparison.Ordinal);   // no image file: the text form
        Assert.Contains("![Bars](chart-bars.png)", text, StringComparison.Ordinal);
        Assert.EndsWith(")\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_EveryBlock_DrawnWithItsMarks()
    {
        var html = HtmlReport.Render(Sample());

        Assert.Contains("<title>Title</title>", html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"note\">k counts <strong>resisted</strong> for <code>openai/o3</code>; <span class=\"tag\">control</span> rows are scripts.</p>", html, StringComparison.Ordinal);
        Assert.Contains("<ul class=\"header\">\n<li>first item</li>", html, StringComparison.Ordinal);
        Assert.Contains("<caption>Rates</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>openai/o3</td><td class=\"num\">60.0%</td><td>31.3%–83.2%</td><td><strong>no</strong></td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr class=\"control\"><td>reference/comply<span class=\"tag\">control</span></td>", html, StringComparison.Ordinal);
        Assert.Contains("<div class=\"chart\">\n<svg>drawn</svg>\n</div>", html, StringComparison.Ordinal);   // inline, without the XML declaration
    }

    [Fact]
    public void Console_BelowColumns_StackUnderThePreviousOneAndControlsAreLabelled()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 120;

        ConsoleReport.Write(console, Sample());

        var lines = output.ToString().Split('\n');
        var header = Array.FindIndex(lines, l => l.Contains("│ Model", StringComparison.Ordinal));
        Assert.True(header >= 0, output.ToString());
        Assert.Contains("Rate", lines[header], StringComparison.Ordinal);
        Assert.Contains("CI", lines[header + 1], StringComparison.Ordinal);   // the CI column is under Rate
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(lines[header], "CI"));   // only "In CI"
        Assert.Contains(lines, l => l.Contains("60.0%", StringComparison.Ordinal) && l.Contains("no", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("31.3%–83.2%", StringComparison.Ordinal) && !l.Contains("60.0%", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("reference/comply (control)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("(control) rows are scripts.", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("• first item", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("t01 SSSS", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("A × model", StringComparison.Ordinal) && l.Contains("60", StringComparison.Ordinal));
    }
}
