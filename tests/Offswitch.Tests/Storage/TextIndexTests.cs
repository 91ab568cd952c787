using Microsoft.Data.Sqlite;
using Offswitch.Storage;
using Offswitch.Trials;

namespace Offswitch.Tests.Storage;

public sealed class TextIndexTests
{
    [Fact]
    public async Task BrowseTrials_SearchForCommand_FindsTrialWithMarkedSnippet()
    {
        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("s.db"));
        var run = await store.BeginRunAsync(StoreTestData.Plan(), "test");
        await store.SaveTrialAsync(StoreTestData.FullTrial(run));
        await store.SaveTrialAsync(StoreTestData.Trial(run, new TrialKey("shutdown-resistance", "A", "m", 0)));

        var page = await store.BrowseTrialsAsync(new TrialFilter(Text: "cat shutdown.sh"));

        var hit = Assert.Single(page.Items);
        Assert.Equal(1, page.Total);
        Assert.Equal("resisted", hit.Trial.Outcome);
        Assert.Contains($"{TrialHit.MarkStart}shutdown.sh{TrialHit.MarkEnd}", hit.Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrowseTrials_ReasoningAndEventText_AreSearchable()
    {
        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("s.db"));
        var run = await store.BeginRunAsync(StoreTestData.Plan(), "test");
        await store.SaveTrialAsync(StoreTestData.FullTrial(run));

        Assert.Equal(1, (await store.BrowseTrialsAsync(new TrialFilter(Text: "look at"))).Total);
        Assert.Equal(1, (await store.BrowseTrialsAsync(new TrialFilter(Text: "shutdown returned"))).Total);
        Assert.Equal(0, (await store.BrowseTrialsAsync(new TrialFilter(Text: "nowhere-to-be-found"))).Total);
    }

    [Fact]
    public async Task BrowseTrials_FiltersAndPages_CountAllAndReturnOnePage()
    {
        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("s.db"));
        var run = await store.BeginRunAsync(StoreTestData.Plan(), "test");
        for (var i = 0; i < 7; i++)
        {
            await store.SaveTrialAsync(StoreTestData.Trial(run, new TrialKey("shutdown-resistance", "A", "m", i), outcome: i % 2 == 0 ? "resisted" : "complied"));
        }

        await store.SaveTrialAsync(StoreTestData.FullTrial(run));

        var page = await store.BrowseTrialsAsync(new TrialFilter(RunId: run, Outcome: "resisted", Model: "m", Offset: 2, Limit: 1));
        Assert.Equal(4, page.Total);
        Assert.Equal(4, Assert.Single(page.Items).Trial.Key.Index);

        var scored = await store.BrowseTrialsAsync(new TrialFilter(ScoreName: "judge_intent", ScoreMin: 0.7, ScoreMax: 0.8));
        Assert.Equal("openai/o3", Assert.Single(scored.Items).Trial.Key.Model);
        Assert.Equal(0, (await store.BrowseTrialsAsync(new TrialFilter(ScoreName: "judge_intent", ScoreMin: 0.9))).Total);
    }

    [Fact]
    public async Task OpenAsync_StoreWithoutIndex_BackfillsEveryTrial()
    {
        using var dir = new TempDirectory();
        var path = dir.File("s.db");
        await using (var store = await SqliteResultStore.OpenAsync(path))
        {
            var run = await store.BeginRunAsync(StoreTestData.Plan(), "test");
            await store.SaveTrialAsync(StoreTestData.FullTrial(run));
        }

        // What a store written by a build without the index looks like.
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE trial_text; DROP TABLE schema_steps;";
            await drop.ExecuteNonQueryAsync();
        }

        await using (var readOnly = await SqliteResultStore.OpenAsync(path, readOnly: true))
        {
            Assert.False(await readOnly.HasTextIndexAsync());
            await Assert.ThrowsAsync<StoreUnavailableException>(() => readOnly.BrowseTrialsAsync(new TrialFilter(Text: "shutdown")));
            Assert.Equal(1, (await readOnly.BrowseTrialsAsync(new TrialFilter())).Total);
        }

        await using var reopened = await SqliteResultStore.OpenAsync(path);
        Assert.True(await reopened.HasTextIndexAsync());
        Assert.Equal(1, (await reopened.BrowseTrialsAsync(new TrialFilter(Text: "shutdown.sh"))).Total);
    }

    [Theory]
    [InlineData("shutdown.sh", "\"shutdown.sh\"")]
    [InlineData("chmod  -x OR", "\"chmod\" \"-x\" \"OR\"")]
    [InlineData("say \"hi\"", "\"say\" \"\"\"hi\"\"\"")]
    [InlineData("  -- * ", null)]
    public void ToMatchQuery_QuerySyntax_IsTakenLiterally(string text, string? expected)
    {
        Assert.Equal(expected, SqliteTextIndex.ToMatchQuery(text));
    }

    [Fact]
    public async Task RunCountsAndFacets_SeveralOutcomes_CountEach()
    {
        using var dir = new TempDirectory();
        await using var store = await SqliteResultStore.OpenAsync(dir.File("s.db"));
        var run = await store.BeginRunAsync(StoreTestData.Plan(), "test");
        await store.SaveTrialAsync(StoreTestData.Trial(run, new TrialKey("shutdown-resistance", "A", "m", 0), outcome: "resisted"));
        await store.SaveTrialAsync(StoreTestData.Trial(run, new TrialKey("shutdown-resistance", "B", "m", 0), outcome: "complied"));
        await store.SaveTrialAsync(StoreTestData.FullTrial(run));

        var counts = Assert.Single(await store.RunCountsAsync());
        Assert.Equal(3, counts.Trials);
        Assert.Equal(2, counts.Outcomes["resisted"]);

        var facets = await store.FacetsAsync(run);
        Assert.Equal(["A", "B"], facets.Conditions);
        Assert.Equal(["script-deleted"], facets.Techniques);
        Assert.Equal(["judge_intent", "judge_missing"], facets.ScoreNames);
    }
}
