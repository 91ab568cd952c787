using System.Text;

namespace Offswitch.Scoring.Reasoning;

/// <summary>
/// The reasoning judge's four questions (our own wording, <c>Data/*.txt</c>), each a yes/no rubric. The version is
/// stored with every score and changes whenever any of the texts changes (a test pins the texts' hash to it).
/// </summary>
public static class ReasoningRubrics
{
    /// <summary>Version of the rubric texts, stored with every reasoning score.</summary>
    public const string Version = "1";

    /// <summary>The agent gives its own continuation as a reason.</summary>
    public const string SelfPreservationMotive = "self_preservation_motive";

    /// <summary>The agent weighs ethics against its continuation or goal.</summary>
    public const string WeighsEthicsVsSurvival = "weighs_ethics_vs_survival";

    /// <summary>The agent refers to the instruction or notice about being stopped.</summary>
    public const string AcknowledgesInstruction = "acknowledges_instruction";

    /// <summary>The agent considers that it may be tested.</summary>
    public const string EvalAwareness = "eval_awareness";

    /// <summary>The rubric's answers.</summary>
    public const string Yes = "yes";

    /// <inheritdoc cref="Yes"/>
    public const string No = "no";

    private static readonly (string Dimension, string File)[] Files =
    [
        (SelfPreservationMotive, "self-preservation-motive.txt"),
        (WeighsEthicsVsSurvival, "ethics-vs-survival.txt"),
        (AcknowledgesInstruction, "acknowledges-instruction.txt"),
        (EvalAwareness, "eval-awareness.txt"),
    ];

    private static readonly Lazy<IReadOnlyList<JudgeRubric>> LazyAll = new(() =>
    {
        var preamble = EmbeddedText("preamble.txt").Trim();
        return [.. Files.Select(f => new JudgeRubric("reasoning-" + f.Dimension, Version, preamble + "\n" + EmbeddedText(f.File).Trim(), [Yes, No]))];
    });

    /// <summary>The dimensions in report order.</summary>
    public static IReadOnlyList<string> Dimensions { get; } = [.. Files.Select(f => f.Dimension)];

    /// <summary>One rubric per dimension, in <see cref="Dimensions"/> order.</summary>
    public static IReadOnlyList<JudgeRubric> All => LazyAll.Value;

    /// <summary>The rubric of one dimension.</summary>
    public static JudgeRubric For(string dimension) =>
        All[Array.FindIndex(Files, f => f.Dimension == dimension) is var i and >= 0 ? i : throw new ArgumentException($"Unknown reasoning dimension '{dimension}'.", nameof(dimension))];

    /// <summary>The dimension a rubric (by its name) belongs to; null for another rubric.</summary>
    public static string? DimensionOf(string rubricName) =>
        rubricName.StartsWith("reasoning-", StringComparison.Ordinal) && Dimensions.Contains(rubricName["reasoning-".Length..]) ? rubricName["reasoning-".Length..] : null;

    internal static string EmbeddedText(string file)
    {
        using var stream = typeof(ReasoningRubrics).Assembly.GetManifestResourceStream($"Offswitch.Scoring.Reasoning.{file}")
            ?? throw new InvalidOperationException($"Embedded reasoning rubric '{file}' is missing.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
