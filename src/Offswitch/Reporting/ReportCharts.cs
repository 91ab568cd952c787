using ScottPlot;

namespace Offswitch.Reporting;

/// <summary>
/// Grouped bar charts of a scenario's rates: one group per condition, one bar per model, interval whiskers, controls
/// labelled in the legend and the caption. Rendering needs font files (e.g. fonts-dejavu-core): without them the text
/// is silently left out.
/// </summary>
public static class ReportCharts
{
    /// <summary>Default chart size in pixels.</summary>
    public const int Width = 1000, Height = 520;

    private static readonly string[] Palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"];

    /// <summary>The chart of one scenario's cells as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<CellAnalysis> cells, string primaryOutcome, string intervalLabel, int width = Width, int height = Height) =>
        Build(cells, primaryOutcome, intervalLabel).GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>The chart of one scenario's cells as an SVG document.</summary>
    public static string Svg(IReadOnlyList<CellAnalysis> cells, string primaryOutcome, string intervalLabel, int width = Width, int height = Height) =>
        Build(cells, primaryOutcome, intervalLabel).GetSvgXml(width, height);

    /// <summary>The legend text of a model: controls say so.</summary>
    public static string ModelLabel(CellAnalysis cell) => cell.IsControl ? $"{cell.Model} (scripted control)" : cell.Model;

    private static Plot Build(IReadOnlyList<CellAnalysis> cells, string primaryOutcome, string intervalLabel)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var plot = new Plot();
        var conditions = cells.Select(c => c.Condition).Distinct(StringComparer.Ordinal).ToList();
        var models = cells.Select(c => c.Model).Distinct(StringComparer.Ordinal).ToList();
        const double groupWidth = 0.8;
        var barWidth = groupWidth / Math.Max(1, models.Count);

        for (var m = 0; m < models.Count; m++)
        {
            var color = Color.FromHex(Palette[m % Palette.Length]);
            var modelCells = cells.Where(c => c.Model == models[m]).ToList();
            var isControl = modelCells.Any(c => c.IsControl);
            var bars = new List<Bar>();
            foreach (var cell in modelCells)
            {
                var x = conditions.IndexOf(cell.Condition) - (groupWidth / 2) + ((m + 0.5) * barWidth);
                bars.Add(new Bar
                {
                    Position = x,
                    Value = (cell.Rate ?? 0) * 100,
                    Size = barWidth * 0.9,
                    FillColor = isControl ? color.WithAlpha(0.45) : color,
                    LineColor = color.Darken(0.4),
                    LineWidth = 1,
                });

                if (cell.CiLow is { } low && cell.CiHigh is { } high)
                {
                    Whisker(plot, x, low * 100, high * 100, barWidth * 0.25);
                }
            }

            var barPlot = plot.Add.Bars(bars);
            barPlot.LegendText = ModelLabel(modelCells[0]);
        }

        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, conditions.Count).Select(i => (double)i)], [.. conditions]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimits(-0.6, conditions.Count - 0.4, 0, 108);
        plot.Axes.Left.Label.Text = $"{primaryOutcome} rate (%)";
        plot.Axes.Bottom.Label.Text = "Condition";
        var scenario = cells.Count > 0 ? cells[0].Scenario : "";
        plot.Font.Set("DejaVu Sans");
        plot.Title($"{scenario}: {primaryOutcome} rate by condition and model");
        plot.Axes.Title.Label.FontSize = 16;
        plot.Axes.Bottom.Label.Text = $"Condition (whiskers: {intervalLabel} interval)";
        plot.Axes.Bottom.Label.FontSize = 13;
        plot.Axes.Left.Label.FontSize = 13;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        if (cells.Any(c => c.IsControl))
        {
            // The note sits inside the axes so it survives any layout; controls are also named as such in the legend.
            var note = plot.Add.Text("Pale bars: scripted controls (reference agents), not AI models", -0.55, 104);
            note.LabelFontSize = 12;
            note.LabelFontColor = Colors.DarkGoldenRod.Darken(0.3);
            note.LabelBold = true;
        }

        plot.Legend.FontSize = 12;
        plot.ShowLegend(Edge.Bottom);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        return plot;
    }

    /// <summary>Colours of the conversation themes, in <see cref="Scenarios.Conversation.ConversationThemes.All"/> order.</summary>
    private static readonly string[] ThemePalette = ["#4C72B0", "#55A868", "#DD8452", "#8172B3", "#B0B0B0"];

    /// <summary>A conversation pair's theme share by turn index (stacked bars) as PNG bytes.</summary>
    public static byte[] ThemeSharePng(ConversationPair pair, int width = Width, int height = Height) =>
        BuildThemeShare(pair).GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>A conversation pair's theme share by turn index (stacked bars) as an SVG document.</summary>
    public static string ThemeShareSvg(ConversationPair pair, int width = Width, int height = Height) =>
        BuildThemeShare(pair).GetSvgXml(width, height);

    private static Plot BuildThemeShare(ConversationPair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        var plot = new Plot();
        var themes = Scenarios.Conversation.ConversationThemes.All;
        var bases = pair.ThemeShares.ToDictionary(s => s.Turn, _ => 0.0);
        for (var i = 0; i < themes.Count; i++)
        {
            var color = Color.FromHex(ThemePalette[i % ThemePalette.Length]);
            var bars = new List<Bar>();
            foreach (var share in pair.ThemeShares)
            {
                var value = share.Shares.GetValueOrDefault(themes[i]) * 100;
                bars.Add(new Bar { Position = share.Turn, ValueBase = bases[share.Turn], Value = bases[share.Turn] + value, Size = 0.85, FillColor = pair.IsControl ? color.WithAlpha(0.6) : color, LineWidth = 0 });
                bases[share.Turn] += value;
            }

            plot.Add.Bars(bars).LegendText = themes[i];
        }

        var last = pair.ThemeShares.Count == 0 ? 1 : pair.ThemeShares.Max(s => s.Turn);
        plot.Axes.SetLimits(0.4, last + 0.6, 0, 100);
        plot.Font.Set("DejaVu Sans");
        plot.Title($"{pair.Condition}: {pair.PairLabel}\ntheme share by turn ({pair.ThemeBasis} labels, {pair.Counted} conversations)");
        plot.Axes.Title.Label.FontSize = 14;
        plot.Axes.Left.Label.Text = "Share of conversations (%)";
        plot.Axes.Bottom.Label.Text = "Turn (A speaks on odd turns, B on even)";
        plot.Legend.FontSize = 12;
        plot.ShowLegend(Edge.Bottom);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        return plot;
    }

    private static void Whisker(Plot plot, double x, double low, double high, double cap)
    {
        var black = Colors.Black;
        foreach (var (x1, y1, x2, y2) in new[] { (x, low, x, high), (x - cap, low, x + cap, low), (x - cap, high, x + cap, high) })
        {
            var line = plot.Add.Line(x1, y1, x2, y2);
            line.LineColor = black;
            line.LineWidth = 1.5f;
            line.MarkerSize = 0;
        }
    }
}
