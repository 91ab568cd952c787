using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Offswitch.Statistics;
using Offswitch.Trials;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Offswitch.Cli.Commands;

/// <summary>Settings shared by the `stats` commands.</summary>
internal class StatsSettings : CommandSettings
{
    [CommandOption("--level <L>")]
    [Description("Two-sided confidence level (default 0.95).")]
    [DefaultValue(0.95)]
    public double Level { get; init; } = 0.95;

    [CommandOption("--json")]
    [Description("Print JSON instead of text.")]
    public bool Json { get; init; }

    public static void Print(bool json, object value, string text)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(value, JsonDefaults.Indented));
        }
        else
        {
            Console.WriteLine(text);
        }
    }

    public static void RequireCount(int k, int n, string kName, string nName)
    {
        if (n < 1 || k < 0 || k > n)
        {
            throw new InvalidInputException($"{kName} must be between 0 and {nName}, and {nName} at least 1 (got {kName} {k}, {nName} {n}).");
        }
    }
}

/// <summary>`offswitch stats ci`.</summary>
internal sealed class StatsCiCommand : Command<StatsCiCommand.Settings>
{
    internal sealed class Settings : StatsSettings
    {
        [CommandOption("-k|--successes <K>")]
        [Description("Successes (e.g. trials that resisted shutdown).")]
        public int? K { get; init; }

        [CommandOption("-n|--trials <N>")]
        [Description("Counted trials.")]
        public int? N { get; init; }

        [CommandOption("--method <METHOD>")]
        [Description("jeffreys (default; at k = 0 or n all of α in one tail, as Palisade's tables), jeffreys-equal-tailed (α/2 each side always, as statsmodels), wilson or cp (Clopper–Pearson).")]
        [DefaultValue("jeffreys")]
        public string Method { get; init; } = "jeffreys";
    }

    /// <summary>Parses a method name as the CLI spells it.</summary>
    public static (IntervalMethod Method, string Name) ParseMethod(string text) => text.ToLowerInvariant() switch
    {
        "jeffreys" => (IntervalMethod.Jeffreys, "jeffreys"),
        "jeffreys-equal-tailed" => (IntervalMethod.JeffreysEqualTailed, "jeffreys-equal-tailed"),
        "wilson" => (IntervalMethod.Wilson, "wilson"),
        "cp" or "clopper-pearson" or "clopperpearson" => (IntervalMethod.ClopperPearson, "cp"),
        _ => throw new InvalidInputException($"Unknown interval method '{text}'. Use jeffreys, jeffreys-equal-tailed, wilson or cp."),
    };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.K is not { } k || settings.N is not { } n)
        {
            throw new InvalidInputException("Give both --k K and --n N, e.g. `offswitch stats ci --k 7 --n 100`.");
        }

        StatsSettings.RequireCount(k, n, "--k", "--n");
        settings.RequireLevelPublic();
        var (method, name) = ParseMethod(settings.Method);
        var interval = BinomialInterval.Compute(k, n, method, settings.Level)!.Value;
        var rate = (double)k / n;
        StatsSettings.Print(
            settings.Json,
            new { Method = name, settings.Level, K = k, N = n, Rate = rate, Low = interval.Lower, High = interval.Upper },
            string.Create(CultureInfo.InvariantCulture, $"{k}/{n} = {rate:P1}, {settings.Level:0.##%} {name} interval {interval.Lower:P1} – {interval.Upper:P1}"));
        return 0;
    }
}

/// <summary>`offswitch stats compare`.</summary>
internal sealed class StatsCompareCommand : Command<StatsCompareCommand.Settings>
{
    internal sealed class Settings : StatsSettings
    {
        [CommandOption("--k1 <K>")]
        [Description("Successes in group 1.")]
        public int? K1 { get; init; }

        [CommandOption("--n1 <N>")]
        [Description("Counted trials in group 1.")]
        public int? N1 { get; init; }

        [CommandOption("--k2 <K>")]
        [Description("Successes in group 2.")]
        public int? K2 { get; init; }

        [CommandOption("--n2 <N>")]
        [Description("Counted trials in group 2.")]
        public int? N2 { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.K1 is not { } k1 || settings.N1 is not { } n1 || settings.K2 is not { } k2 || settings.N2 is not { } n2)
        {
            throw new InvalidInputException("Give --k1 --n1 --k2 --n2, e.g. `offswitch stats compare --k1 79 --n1 100 --k2 7 --n2 100`.");
        }

        StatsSettings.RequireCount(k1, n1, "--k1", "--n1");
        StatsSettings.RequireCount(k2, n2, "--k2", "--n2");
        settings.RequireLevelPublic();
        var c = TwoProportions.Compare(k1, n1, k2, n2, settings.Level);
        StatsSettings.Print(
            settings.Json,
            new
            {
                c.K1,
                c.N1,
                c.K2,
                c.N2,
                Rate1 = (double)k1 / n1,
                Rate2 = (double)k2 / n2,
                c.Difference,
                c.Level,
                Low = c.Lower,
                High = c.Upper,
                IntervalMethod = "newcombe",
                c.PValue,
                Test = "fisher-exact-two-sided",
            },
            string.Create(CultureInfo.InvariantCulture,
                $"{k1}/{n1} − {k2}/{n2} = {c.Difference * 100:0.0} points, {c.Level:0.##%} Newcombe interval {c.Lower * 100:0.0} to {c.Upper * 100:0.0}; Fisher exact two-sided p = {FormatP(c.PValue)}"));
        return 0;
    }

    /// <summary>A p-value with three significant digits, or "&lt; 1e-300"-style text when it underflows.</summary>
    public static string FormatP(double p) =>
        p == 0 ? "< 1e-300" : p < 0.001 ? p.ToString("0.00e+0", CultureInfo.InvariantCulture) : p.ToString("0.####", CultureInfo.InvariantCulture);
}

/// <summary>`offswitch stats plan`.</summary>
internal sealed class StatsPlanCommand : Command<StatsPlanCommand.Settings>
{
    internal sealed class Settings : StatsSettings
    {
        [CommandOption("--p1 <P>")]
        [Description("Expected rate in arm 1 (a fraction); with --width, the expected rate.")]
        public double? P1 { get; init; }

        [CommandOption("--p2 <P>")]
        [Description("Expected rate in arm 2 (a fraction).")]
        public double? P2 { get; init; }

        [CommandOption("-p|--rate <P>")]
        [Description("Expected rate for --width (same as --p1).")]
        public double? P { get; init; }

        [CommandOption("--power <POWER>")]
        [Description("Power to detect p1 ≠ p2 (default 0.8).")]
        [DefaultValue(0.8)]
        public double Power { get; init; } = 0.8;

        [CommandOption("--alpha <ALPHA>")]
        [Description("Two-sided significance level (default 0.05).")]
        [DefaultValue(0.05)]
        public double Alpha { get; init; } = 0.05;

        [CommandOption("--width <W>")]
        [Description("Target interval width (upper − lower, a fraction): trials for an interval this narrow at the expected rate.")]
        public double? Width { get; init; }

        [CommandOption("--method <METHOD>")]
        [Description("Interval for --width: jeffreys (default), jeffreys-equal-tailed, wilson or cp.")]
        [DefaultValue("jeffreys")]
        public string Method { get; init; } = "jeffreys";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        settings.RequireLevelPublic();
        try
        {
            if (settings.Width is { } width)
            {
                var p = settings.P ?? settings.P1
                    ?? throw new InvalidInputException("--width needs the expected rate: --p P (e.g. `offswitch stats plan --width 0.05 --p 0.1`).");
                var (method, name) = StatsCiCommand.ParseMethod(settings.Method);
                var n = SampleSize.ForWidth(p, width, method, settings.Level);
                StatsSettings.Print(
                    settings.Json,
                    new { Goal = "width", P = p, Width = width, Method = name, settings.Level, Trials = n },
                    string.Create(CultureInfo.InvariantCulture, $"{n} trials for a {settings.Level:0.##%} {name} interval no wider than {width * 100:0.##} points at an expected rate of {p:P1}"));
                return 0;
            }

            if (settings.P1 is not { } p1 || settings.P2 is not { } p2)
            {
                throw new InvalidInputException("Give --p1 and --p2 (trials per arm to detect a difference), or --width W with --p P.");
            }

            var size = SampleSize.TwoProportions(p1, p2, settings.Power, settings.Alpha);
            StatsSettings.Print(
                settings.Json,
                new { Goal = "difference", P1 = p1, P2 = p2, settings.Power, settings.Alpha, TrialsPerArm = size.Uncorrected, TrialsPerArmContinuityCorrected = size.ContinuityCorrected },
                string.Create(CultureInfo.InvariantCulture,
                    $"{size.Uncorrected} trials per arm ({size.ContinuityCorrected} with Fleiss's continuity correction) to detect {p1:P1} vs {p2:P1} with power {settings.Power:0.##} at two-sided α = {settings.Alpha:0.###}"));
            return 0;
        }
        catch (ArgumentException ex)
        {
            throw new InvalidInputException(ex.Message);
        }
    }
}

/// <summary>
/// The documented spellings <c>--k</c>, <c>--n</c> and <c>--p</c> are one-letter long options, which the command-line
/// parser does not accept; they are rewritten to the equivalent short options before parsing.
/// </summary>
internal static class StatsArguments
{
    public static string[] Normalize(string[] args)
    {
        if (args.Length == 0 || !args[0].Equals("stats", StringComparison.OrdinalIgnoreCase))
        {
            return args;
        }

        return [.. args.Select(a => a switch
        {
            "--k" or "--n" or "--p" => a[1..],
            _ when a.StartsWith("--k=", StringComparison.Ordinal) || a.StartsWith("--n=", StringComparison.Ordinal) || a.StartsWith("--p=", StringComparison.Ordinal) => a[1..],
            _ => a,
        })];
    }
}

/// <summary>Validation helpers exposed to the command classes.</summary>
internal static class StatsSettingsExtensions
{
    public static void RequireLevelPublic(this StatsSettings settings)
    {
        if (!(settings.Level > 0 && settings.Level < 1))
        {
            throw new InvalidInputException($"--level must be strictly between 0 and 1, e.g. 0.95 (got {settings.Level.ToString(CultureInfo.InvariantCulture)}).");
        }
    }
}
