namespace Offswitch.Reporting;

/// <summary>
/// A report as format-neutral blocks, in reading order: what it says is decided once (<see cref="ReportSections"/>), and
/// each renderer (Markdown, HTML, the console) only draws blocks. A renderer knows no section of the report.
/// </summary>
/// <param name="Blocks">Headings, text, lists, tables and charts in order.</param>
public sealed record ReportDocument(IReadOnlyList<ReportBlock> Blocks)
{
    /// <summary>Every chart of the document, in order (what a Markdown report writes as image files).</summary>
    public IEnumerable<ChartBlock> Charts => Blocks.OfType<ChartBlock>();
}

/// <summary>One block of a <see cref="ReportDocument"/>.</summary>
public abstract record ReportBlock;

/// <summary>A heading: 1 the report's title, 2 a scenario or a report-wide part, 3 a section, 4 a sub-section.</summary>
public sealed record HeadingBlock(int Level, string Text) : ReportBlock;

/// <summary>How a paragraph reads.</summary>
public enum TextStyle
{
    /// <summary>Body text.</summary>
    Plain,

    /// <summary>An explanation of the numbers (small or grey where the format allows).</summary>
    Note,
}

/// <summary>A paragraph.</summary>
public sealed record TextBlock(IReadOnlyList<Inline> Inlines, TextStyle Style = TextStyle.Plain) : ReportBlock
{
    /// <summary>A paragraph of plain text.</summary>
    public TextBlock(string text, TextStyle style = TextStyle.Plain) : this([Inline.Text(text)], style)
    {
    }
}

/// <summary>A bulleted list; each item is a run of inlines.</summary>
public sealed record ListBlock(IReadOnlyList<IReadOnlyList<Inline>> Items) : ReportBlock;

/// <summary>What an inline run of text is.</summary>
public enum InlineKind
{
    /// <summary>Text.</summary>
    Text,

    /// <summary>Emphasised text.</summary>
    Strong,

    /// <summary>A literal: a model spec, a run id, a hash.</summary>
    Code,

    /// <summary>The mark of a scripted control (its text is ignored): "(control)", a tag, a colour.</summary>
    ControlTag,
}

/// <summary>A run of text inside a paragraph or list item. Text from the store is raw here: each renderer escapes it.</summary>
public sealed record Inline(InlineKind Kind, string Value)
{
    /// <summary>Plain text.</summary>
    public static Inline Text(string value) => new(InlineKind.Text, value);

    /// <summary>Emphasised text.</summary>
    public static Inline Strong(string value) => new(InlineKind.Strong, value);

    /// <summary>A literal.</summary>
    public static Inline Code(string value) => new(InlineKind.Code, value);

    /// <summary>The control mark.</summary>
    public static Inline Control { get; } = new(InlineKind.ControlTag, "control");
}

/// <summary>A table column.</summary>
/// <param name="Header">Its header.</param>
/// <param name="Numeric">Right-aligned figures.</param>
/// <param name="Wrap">Long free text (techniques, notes) that may wrap.</param>
/// <param name="Below">
/// On a narrow output (the console) this column is shown under the previous one, in the same cell — e.g. an interval
/// under its rate — so that a wide table still fits a terminal. Wide outputs ignore it.
/// </param>
public sealed record ReportColumn(string Header, bool Numeric = false, bool Wrap = false, bool Below = false);

/// <summary>A table cell.</summary>
/// <param name="Text">Its text, raw.</param>
/// <param name="Alert">A value the reader must not miss (e.g. a true rate outside its interval).</param>
/// <param name="Control">The cell names a scripted control (its row's model): renderers add the control mark.</param>
public sealed record ReportCell(string Text, bool Alert = false, bool Control = false)
{
    /// <summary>A plain cell.</summary>
    public static implicit operator ReportCell(string text) => new(text);
}

/// <summary>A table row; <paramref name="IsControl"/> rows come from scripted controls and are shaded where the format allows.</summary>
public sealed record ReportRow(IReadOnlyList<ReportCell> Cells, bool IsControl = false);

/// <summary>A table, with an optional title line and a caption under it.</summary>
public sealed record TableBlock(IReadOnlyList<ReportColumn> Columns, IReadOnlyList<ReportRow> Rows, string? Title = null) : ReportBlock;

/// <summary>One bar of a chart drawn as text (the console).</summary>
/// <param name="Label">What the bar is.</param>
/// <param name="Percent">Its length, 0–100.</param>
/// <param name="Series">Bars of the same series share a colour (0, 1, …).</param>
public sealed record ChartBar(string Label, double Percent, int Series = 0);

/// <summary>
/// A chart. Image formats draw <see cref="Svg"/> (inline) or <see cref="Png"/> (a file named after <see cref="FileName"/>);
/// a terminal draws <see cref="Bars"/>, or <see cref="TextLines"/> with <see cref="TextLegend"/>, and else nothing.
/// </summary>
/// <param name="FileName">A file-safe name, unique in the document, without extension (e.g. "chart-shutdown-resistance").</param>
/// <param name="Title">What the chart shows (the image's alternative text).</param>
/// <param name="Svg">Draws the chart as an SVG document.</param>
/// <param name="Png">Draws the chart as PNG bytes.</param>
public sealed record ChartBlock(string FileName, string Title, Func<string> Svg, Func<byte[]> Png) : ReportBlock
{
    /// <summary>The chart as bars for a terminal; null when it has none.</summary>
    public IReadOnlyList<ChartBar>? Bars { get; init; }

    /// <summary>The chart as lines of text (where a format has no image); null when it has none.</summary>
    public IReadOnlyList<string>? TextLines { get; init; }

    /// <summary>The key to <see cref="TextLines"/>.</summary>
    public string? TextLegend { get; init; }
}
