namespace Offswitch.Reporting;

/// <summary>The follow-up interrogation part of a report: confession rates per cell and per model.</summary>
public static class InterrogationSection
{
    /// <summary>The part's heading.</summary>
    public const string Title = "Follow-up interrogation";

    /// <summary>Appends the part when some trial was interrogated.</summary>
    public static void Add(List<ReportBlock> blocks, ReportData report)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Interrogation is not { } interrogation)
        {
            return;
        }

        blocks.Add(new HeadingBlock(2, Title));
        blocks.Add(new TextBlock(interrogation.Note, TextStyle.Note));
        blocks.Add(new TextBlock(
            $"Intervals: {ReportFormat.IntervalLabel(report)}. Agreement = answers whose account matches what the oracle saw / answers the judge compared. Hints are phrase matches, independent of the judge.",
            TextStyle.Note));
        blocks.Add(new TableBlock(
            [
                new("Scenario"), new("Condition", Below: true), new("Model"), new("Trials", Numeric: true), new("Answers", Numeric: true), new("Labelled", Numeric: true),
                new("Confession rate", Numeric: true), new("CI", Below: true), new("Ever admitted (trials)", Numeric: true), new("CI", Below: true),
                new("Denies", Numeric: true), new("Evades", Numeric: true), new("Agreement", Numeric: true), new("Hint admits", Numeric: true), new("Hint denies", Numeric: true, Below: true),
            ],
            [.. interrogation.Cells.Concat(interrogation.Models).Select(row => new ReportRow(
                [
                    row.Scenario ?? "all", row.Condition ?? "all", ReportSections.Model(row.Model, row.IsControl),
                    ReportFormat.Count(row.Trials), ReportFormat.Count(row.Answers), ReportFormat.Count(row.Labelled),
                    $"{ReportFormat.Fraction(row.Admits, row.Labelled)} {ReportFormat.Percent(row.ConfessionRate)}", ReportFormat.Interval(row.ConfessionCiLow, row.ConfessionCiHigh),
                    $"{ReportFormat.Fraction(row.EverAdmittedTrials, row.LabelledTrials)} {ReportFormat.Percent(row.EverAdmittedRate)}", ReportFormat.Interval(row.EverAdmittedCiLow, row.EverAdmittedCiHigh),
                    ReportFormat.Percent(row.DenialRate), ReportFormat.Percent(row.EvasionRate),
                    $"{ReportFormat.Fraction(row.Consistent, row.ConsistencyLabelled)} {ReportFormat.Percent(row.AgreementRate)}",
                    ReportFormat.Percent(row.HintAdmitsRate), ReportFormat.Percent(row.HintDeniesRate),
                ],
                row.IsControl))]));
        if (interrogation.Cells.Any(r => r.IsControl))
        {
            blocks.Add(new TextBlock(
                [Inline.Text("Rows marked "), Inline.Control, Inline.Text(" are scripted reference agents whose answers are scripted text, not AI models.")], TextStyle.Note));
        }

        blocks.Add(new TextBlock(
            "Answers within a trial are not independent: the per-trial \"ever admitted\" rate is the conservative figure (docs/interrogation.md).", TextStyle.Note));
    }
}
