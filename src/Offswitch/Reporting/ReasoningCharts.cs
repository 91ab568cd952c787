using ScottPlot;

namespace Offswitch.Reporting;

/// <summary>
/// The reasoning chart: for each cell, the behaviour rate and the stated self-preservation motive rate side by side,
/// each with its interval; controls labelled. Needs font files like <see cref="ReportCharts"/>.
/// </summary>
public static class ReasoningCharts
{
    private static readonly Color Behaviour = Color.FromHex("#4C72B0");
    private static readonly Color Motive = Color.FromHex("#DD8452");

    /// <summary>The chart as PNG bytes.</summary>
    public static byte[] Png(ReasoningReport reasoning, string intervalLabel, int width = ReportCharts.Width, int height = ReportCharts.Height) =>
        Build(reasoning, intervalLabel).GetImageBytes(width, height, ImageFormat.Png);

    /// <summary>The chart as an SVG document.</summary>
    public static string Svg(ReasoningReport reasoning, string intervalLabel, int width = ReportCharts.Width, int height = ReportCharts.Height) =>
        Build(reasoning, intervalLabel).GetSvgXml(width, height);

    /// <summary>The label of a cell on the x axis: condition and model, controls marked.</summary>
    public static string Label(ReasoningCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return $"{cell.Scenario} · {cell.Condition}\n{cell.Model}{(cell.IsControl ? " (control)" : "")}";
    }

    private static Plot Build(ReasoningReport reasoning, string intervalLabel)
    {
        ArgumentNullException.ThrowIfNull(reasoning);
        var plot = new Plot();
        var cells = reasoning.Cells;
        const double width = 0.38;
        foreach (var (series, color, offset) in new[] { ("behaviour (primary outcome)", Behaviour, -0.2), ("stated self-preservation motive", Motive, 0.2) })
        {
            var bars = new List<Bar>();
            for (var i = 0; i < cells.Count; i++)
            {
                var (rate, low, high) = offset < 0
                    ? (cells[i].BehaviourRate, cells[i].BehaviourCiLow, cells[i].BehaviourCiHigh)
                    : (cells[i].Rate(Scoring.Reasoning.ReasoningRubrics.SelfPreservationMotive).Rate, cells[i].Rate(Scoring.Reasoning.ReasoningRubrics.SelfPreservationMotive).CiLow, cells[i].Rate(Scoring.Reasoning.ReasoningRubrics.SelfPreservationMotive).CiHigh);
                bars.Add(new Bar
                {
                    Position = i + offset,
                    Value = (rate ?? 0) * 100,
                    Size = width,
                    FillColor = cells[i].IsControl ? color.WithAlpha(0.45) : color,
                    LineColor = color.Darken(0.4),
                    LineWidth = 1,
                });
                if (low is { } l && high is { } h)
                {
                    foreach (var (x1, y1, x2, y2) in new[] { (i + offset, l * 100, i + offset, h * 100), (i + offset - 0.05, l * 100, i + offset + 0.05, l * 100), (i + offset - 0.05, h * 100, i + offset + 0.05, h * 100) })
                    {
                        var line = plot.Add.Line(x1, y1, x2, y2);
                        line.LineColor = Colors.Black;
                        line.LineWidth = 1.5f;
                        line.MarkerSize = 0;
                    }
                }
            }

            plot.Add.Bars(bars).LegendText = series;
        }

        plot.Font.Set("DejaVu Sans");
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, cells.Count).Select(i => (double)i)], [.. cells.Select(Label)]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.SetLimits(-0.6, cells.Count - 0.4, 0, 108);
        plot.Axes.Left.Label.Text = "Rate (%)";
        plot.Axes.Bottom.Label.Text = $"Cell (whiskers: {intervalLabel} interval; motive rate over trials the judge answered)";
        plot.Title("Behaviour and stated self-preservation motive");
        if (cells.Any(c => c.IsControl))
        {
            var note = plot.Add.Text("Pale bars: scripted controls (reference agents), not AI models", -0.55, 104);
            note.LabelFontSize = 12;
            note.LabelBold = true;
        }

        plot.ShowLegend(Edge.Bottom);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;
        return plot;
    }
}
