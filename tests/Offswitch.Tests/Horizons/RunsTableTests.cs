using Offswitch.Horizons;
using Offswitch.Scenarios;
using Offswitch.Scenarios.HorizonTasks;
using Offswitch.Trials;

namespace Offswitch.Tests.Horizons;

public sealed class RunsTableTests
{
    [Fact]
    public void Parse_MetrRunsJsonlColumns_ReadsEveryRun()
    {
        // The columns of METR's published runs.jsonl; extra columns are ignored, a numeric task id is read as text.
        const string text = """
            {"task_id": "crossword/5x5", "task_family": "crossword", "run_id": "r1", "alias": "Claude 3.7 Sonnet", "score_binarized": 1, "score_cont": 0.9, "human_minutes": 12.5, "invsqrt_task_weight": 0.01}
            {"task_id": 17, "task_family": "swaa", "run_id": "r2", "alias": "GPT-4o", "score_binarized": 0, "human_minutes": 0.2}
            """;

        var runs = RunsTable.Parse(text, "jsonl", "runs.jsonl");

        Assert.Equal(
            [new HorizonRun("crossword/5x5", "crossword", "r1", "Claude 3.7 Sonnet", 12.5, 1), new HorizonRun("17", "swaa", "r2", "GPT-4o", 0.2, 0)],
            runs);
        Assert.Equal(0.9, RunsTable.Parse(text.Split('\n')[0], "jsonl", "runs.jsonl", "score_cont")[0].Score);
    }

    [Fact]
    public void Parse_CsvWithQuotedFieldsAndDates_ReadsEveryRun()
    {
        const string text = "task_id,family,model,score,human_minutes,release_date,is_control\r\n\"a,1\",f,\"m \"\"x\"\"\",1,4,2025-02-24,true\r\nb,f,m2,0,8,,false\r\n";

        var runs = RunsTable.Parse(text, "csv", "runs.csv");

        Assert.Equal(new HorizonRun("a,1", "f", "line 2", "m \"x\"", 4, 1) { ReleaseDate = new DateOnly(2025, 2, 24), IsControl = true }, runs[0]);
        Assert.Equal(new HorizonRun("b", "f", "line 3", "m2", 8, 0), runs[1]);
    }

    [Fact]
    public void ToCsv_ThenParse_GivesTheSameRuns()
    {
        List<HorizonRun> runs = [new("t,1", "f", "r\"1", "m", 2.5, 1) { ReleaseDate = new DateOnly(2024, 1, 2), IsControl = true }, new("t2", "g", "r2", "m", 1e-3, 0)];

        Assert.Equal(runs, RunsTable.Parse(RunsTable.ToCsv(runs), "csv", "x.csv"));
        Assert.Equal(runs, RunsTable.Parse(RunsTable.ToJsonLines(runs), "jsonl", "x.jsonl"));
    }

    [Theory]
    [InlineData("{\"task_id\": \"t\", \"alias\": \"m\", \"score_binarized\": 1, \"human_minutes\": 3}", "has no task family column (expected 'task_family' or 'family'")]
    [InlineData("{\"task_id\": \"t\", \"task_family\": \"f\", \"alias\": \"m\", \"score_binarized\": 1}", "has no human minutes column")]
    [InlineData("{\"task_id\": \"t\", \"task_family\": \"f\", \"alias\": \"m\", \"score_binarized\": 2, \"human_minutes\": 3}", "line 1: 'score_binarized' is '2', but it must be a number from 0 to 1")]
    [InlineData("{\"task_id\": \"t\", \"task_family\": \"f\", \"alias\": \"m\", \"score_binarized\": 1, \"human_minutes\": -3}", "'human_minutes' is '-3', but it must be a positive number of minutes")]
    [InlineData("{\"task_id\": \"t\", \"task_family\": \"f\", \"alias\": \"m\", \"score_binarized\": 1, \"human_minutes\": 3}\n{\"task_id\": \"t\",", "line 2: not valid JSON")]
    [InlineData("[1, 2]", "line 1: expected a JSON object")]
    [InlineData("", "has no rows")]
    public void Parse_BadTable_SaysWhatIsWrongAndHowToFixIt(string text, string expected)
    {
        var ex = Assert.Throws<InvalidInputException>(() => RunsTable.Parse(text, "jsonl", "runs.jsonl"));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CsvRowWithTooManyFields_NamesTheLine()
    {
        var ex = Assert.Throws<InvalidInputException>(() => RunsTable.Parse("task_id,task_family,alias,score,human_minutes\na,f,m,1,2,3\n", "csv", "r.csv"));

        Assert.Contains("r.csv, line 2: 6 field(s) where the header has 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReleaseDates_MetrLayoutAndFlatLayout_GiveTheSameDates()
    {
        var metr = ReleaseDates.Parse("date:\n  gpt-4o: 2024-05-13\n  claude-3-7-sonnet: '2025-02-24'\n", "a.yaml");
        var flat = ReleaseDates.Parse("gpt-4o: 2024-05-13\nclaude-3-7-sonnet: 2025-02-24\n", "b.yaml");

        Assert.Equal(new DateOnly(2025, 2, 24), metr["claude-3-7-sonnet"]);
        Assert.Equal(metr.OrderBy(p => p.Key), flat.OrderBy(p => p.Key));
        Assert.Throws<InvalidInputException>(() => ReleaseDates.Parse("gpt-4o: soon\n", "c.yaml"));
    }

    [Fact]
    public void HorizonTasks_IsATimedSuiteFromOneMinuteToOneHour()
    {
        var scenario = ScenarioCatalog.Default.Find("horizon-tasks")!;

        Assert.True(StoredRuns.IsTimedSuite(scenario));
        Assert.Equal(["1", "2", "4", "8", "10", "15", "30", "60"], scenario.Conditions.Select(c => c.Factors["human_minutes"]));
        Assert.Equal(4, scenario.Conditions.Select(c => c.Factors["family"]).Distinct().Count());
    }

    [Fact]
    public void HorizonTasks_Prepare_SameSeedSameFilesOtherSeedOtherData()
    {
        var scenario = ScenarioCatalog.Default.Find("horizon-tasks")!;
        string Files(int seed) => string.Join("|", scenario.Prepare(new TrialContext("inventory-reconcile", seed, new Dictionary<string, string>(), TimeProvider.System))
            .Sandbox!.Files.Select(f => f.Path + ":" + Convert.ToHexString(f.Content)));

        Assert.Equal(Files(5), Files(5));
        Assert.NotEqual(Files(5), Files(6));
    }

    [Theory]
    [InlineData(8, 8, -1, 0.5)]
    [InlineData(16, 8, -1, 1 / (1 + 2.718281828459045))]
    [InlineData(2, 8, -1.5, 1 / (1 + 0.049787068367863944))]
    public void CurveControl_Probability_IsTheLogisticOfLog2LengthAroundH50(double minutes, double h50, double slope, double expected)
    {
        Assert.Equal(expected, HorizonTasksControls.CurveProbability(minutes, h50, slope), 14);
    }
}
