using System.Globalization;
using ScottPlot;

namespace Offswitch.Horizons;

/// <summary>
/// The two plots of METR's paper, drawn with ScottPlot as the report's charts are: each model's fitted success curve
/// against task length (log scale) with its weighted empirical success per length bucket, and the 50% horizons
/// against release date (log scale) with their intervals and the doubling-time line. Scripted controls are named as
/// such in the legend and in a note on the chart.
/// </summary>
public static class HorizonCharts
{
    /// <summary>Default chart size in pixels.</summary>
    public const int Width = 1000, Height = 560;

    private static readonly string[] Palette = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"];
    private static readonly double[] MinuteTicks = [1.0 / 60, 0.25, 1, 2, 4, 8, 15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680];

    /// <summary>Success probability against task length, per model.</summary>
    public static Plot SuccessCurves(HorizonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var models = report.Models;
        var minX = models.SelectMany(m => m.Buckets).Select(b => Math.Log2(b.FromMinutes)).DefaultIfEmpty(0).Min();
        var maxX = models.SelectMany(m => m.Buckets).Select(b => Math.Log2(b.ToMinutes)).DefaultIfEmpty(6).Max();
        foreach (var h in models.SelectMany(m => m.Horizons).Where(h => h.Minutes is > 0))
        {
            minX = Math.Min(minX, Math.Log2(h.Minutes!.Value) - 1);
            maxX = Math.Max(maxX, Math.Log2(h.Minutes!.Value) + 1);
        }

        minX = Math.Max(minX, Math.Log2(MinuteTicks[0]));
        maxX = Math.Min(maxX, Math.Log2(MinuteTicks[^1]));
        for (var m = 0; m < models.Count; m++)
        {
            var model = models[m];
            var color = Color.FromHex(Palette[m % Palette.Length]);
            var xs = Enumerable.Range(0, 201).Select(i => minX + ((maxX - minX) * i / 200)).ToArray();
            var curve = new Horizons.LogisticCurve(model.Intercept ?? 0, model.Slope ?? double.NegativeInfinity);
            var line = plot.Add.ScatterLine(xs, xs.Select(x => curve.SuccessProbability(Math.Pow(2, x))).ToArray());
            // Controls are drawn pale, as in the report's charts (dash patterns print warnings from Skia's SVG backend).
            line.Color = model.IsControl ? color.WithAlpha(0.55) : color;
            line.LineWidth = model.IsControl ? 3 : 2;
            var p50 = model.At(50)?.Minutes;
            line.LegendText = Label(model) + (p50 is { } v ? $" — 50% horizon {Minutes(v)}" : "");
            if (model.Buckets.Count > 0)
            {
                var points = plot.Add.ScatterPoints(
                    model.Buckets.Select(b => (Math.Log2(b.FromMinutes) + Math.Log2(b.ToMinutes)) / 2).ToArray(),
                    model.Buckets.Select(b => b.WeightedSuccess).ToArray());
                points.Color = color;
                points.MarkerSize = 9;
            }
        }

        var half = plot.Add.HorizontalLine(0.5);
        half.Color = Colors.Gray.WithAlpha(0.6);
        Ticks(plot.Axes.Bottom, minX, maxX);
        plot.Axes.SetLimits(minX, maxX, -0.03, 1.08);
        plot.Axes.Left.Label.Text = "Success probability";
        plot.Axes.Bottom.Label.Text = "Task length (human minutes, log scale); points: weighted success per length bucket";
        plot.Title("Success against task length");
        Controls(plot, models, minX, 1.05);
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    /// <summary>50% horizon against release date (log scale), with the doubling-time line when there is one.</summary>
    public static Plot HorizonOverTime(HorizonReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var dated = report.Models.Where(m => m.ReleaseDate is not null && m.At(50)?.Minutes is > 0).ToList();
        double X(DateOnly d) => d.ToDateTime(TimeOnly.MinValue).ToOADate();
        double Y(double minutes) => Math.Log2(Math.Max(minutes, HorizonAnalysis.MinTrendMinutes));
        for (var m = 0; m < dated.Count; m++)
        {
            var model = dated[m];
            var p50 = model.At(50)!;
            var x = X(model.ReleaseDate!.Value);
            var color = model.InTrend ? Color.FromHex("#2c7c58") : Colors.Gray;
            if (p50.CiLow is { } low && p50.CiHigh is { } high)
            {
                var bar = plot.Add.Line(x, Y(low), x, Y(high));
                bar.LineColor = color;
                bar.MarkerSize = 0;
            }

            var point = plot.Add.ScatterPoints(new[] { x }, new[] { Y(p50.Minutes!.Value) });
            point.Color = color;
            point.MarkerSize = 10;
            var text = plot.Add.Text(Label(model), x, Y(p50.Minutes!.Value));
            text.LabelFontSize = 11;
            text.OffsetX = 8;
        }

        var minY = dated.Select(m => Y(m.At(50)!.CiLow ?? m.At(50)!.Minutes!.Value)).DefaultIfEmpty(0).Min() - 0.5;
        var maxY = dated.Select(m => Y(m.At(50)!.CiHigh ?? m.At(50)!.Minutes!.Value)).DefaultIfEmpty(6).Max() + 0.5;
        var title = "50% time horizon by release date";
        if (report.DoublingTime is { } trend && dated.Count > 0)
        {
            var first = dated.Min(m => m.ReleaseDate!.Value);
            var last = dated.Max(m => m.ReleaseDate!.Value);
            var line = plot.Add.Line(X(first), Y(trend.PredictedMinutes(first)), X(last), Y(trend.PredictedMinutes(last)));
            line.LineColor = Color.FromHex("#2c7c58").WithAlpha(0.6);
            line.MarkerSize = 0;
            title += string.Create(CultureInfo.InvariantCulture, $": doubling every {trend.Days:0} days")
                + (trend.CiLow is { } lo && trend.CiHigh is { } hi ? string.Create(CultureInfo.InvariantCulture, $" (95% CI {lo:0}–{hi:0})") : "");
        }

        if (dated.Count > 0)
        {
            var xs = dated.Select(m => X(m.ReleaseDate!.Value)).ToList();
            var pad = Math.Max(30, (xs.Max() - xs.Min()) * 0.08);
            var dates = plot.Axes.DateTimeTicksBottom();
            if (dates.TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic automatic)
            {
                automatic.LabelFormatter = d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            }
            Ticks(plot.Axes.Left, minY, maxY);
            plot.Axes.SetLimits(xs.Min() - pad, xs.Max() + (pad * 3), minY, maxY);
        }

        plot.Axes.Left.Label.Text = "50% time horizon (human minutes, log scale)";
        plot.Axes.Bottom.Label.Text = "Release date (green: state of the art, used for the line; bars: 95% bootstrap interval)";
        plot.Title(title);
        Controls(plot, dated, plot.Axes.GetLimits().Left, maxY - 0.2);
        return plot;
    }

    /// <summary>A model's name in legends and tables: scripted controls say so.</summary>
    public static string Label(ModelHorizon model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.IsControl ? $"{model.Model} (scripted control)" : model.Model;
    }

    /// <summary>Minutes as a person would say them: "45 s", "12.3 min", "2.1 h".</summary>
    public static string Minutes(double minutes) => minutes switch
    {
        0 => "0",
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{minutes * 60:0.#} s"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{minutes:0.#} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:0.#} h"),
    };

    /// <summary>Writes both charts as SVG and PNG into a folder; returns the files written.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(HorizonReport report, string folder, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (var (name, plot) in new[] { ("horizon-success", SuccessCurves(report)), ("horizon-trend", HorizonOverTime(report)) })
        {
            var svg = Path.Combine(folder, name + ".svg");
            await File.WriteAllTextAsync(svg, plot.GetSvgXml(Width, Height), cancellationToken);
            var png = Path.Combine(folder, name + ".png");
            await File.WriteAllBytesAsync(png, plot.GetImageBytes(Width, Height, ImageFormat.Png), cancellationToken);
            written.Add(svg);
            written.Add(png);
        }

        return written;
    }

    private static void Ticks(IAxis axis, double min, double max)
    {
        var ticks = MinuteTicks.Select(Math.Log2).Where(t => t >= min - 1e-9 && t <= max + 1e-9).ToList();
        axis.SetTicks([.. ticks], [.. ticks.Select(t => Minutes(Math.Pow(2, t)))]);
    }

    private static void Controls(Plot plot, IEnumerable<ModelHorizon> models, double x, double y)
    {
        if (models.Any(m => m.IsControl))
        {
            var note = plot.Add.Text("Pale lines, \"(scripted control)\": reference agents, not AI models", x, y);
            note.LabelFontSize = 12;
            note.LabelFontColor = Colors.DarkGoldenRod.Darken(0.3);
            note.LabelBold = true;
        }
    }
}
