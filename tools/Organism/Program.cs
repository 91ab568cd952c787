using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Offswitch.Organism;
using Offswitch.Organisms;
using Offswitch.Storage;
using Offswitch.Trials;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// llama.cpp logs every load at length; keep its warnings and errors.
LLama.Native.NativeLibraryConfig.All.WithLogCallback((level, message) =>
{
    if (level is LLama.Native.LLamaLogLevel.Warning or LLama.Native.LLamaLogLevel.Error)
    {
        Console.Error.Write("llama.cpp: " + message);
    }
});

try
{
    return args switch
    {
        ["corpus", var db, var output] => await Corpus.ExportAsync(db, output),
        ["train", var repo, var output] => Trainer.Run(repo, output),
        ["sample", var gguf, var corpus, var n, .. var conditions] => Sampler.Run(gguf, corpus, int.Parse(n, CultureInfo.InvariantCulture), conditions),
        _ => Usage(),
    };
}
catch (Exception ex) when (ex is IOException or InvalidOperationException or InvalidDataException or ArgumentException)
{
    Console.Error.WriteLine("organism: " + ex.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage:
          organism corpus TEACHERS.db OUT.json        teacher transcripts from a store (see corpus.sh)
          organism train REPO_ROOT OUT_DIR            tokenizer, training, GGUF export, exact readout, card
          organism sample GGUF TEACHERS.json N COND…  samples the decision turn N times per condition through LLamaSharp
        """);
    return 2;
}

/// <summary>Loads libioshim.so (built next to the program only on hosts that need it) before TorchSharp loads.</summary>
internal static class Shim
{
    [DllImport("libc", EntryPoint = "dlopen", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern nint DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    public static void Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "libioshim.so");
        const int RtldNowGlobal = 0x2 | 0x100;
        if (File.Exists(path) && DlOpen(path, RtldNowGlobal) == 0)
        {
            throw new InvalidOperationException("could not load " + path);
        }
    }
}

/// <summary>Reads the teachers' stored conversations and writes them, one per distinct conversation, with the seeds that gave it.</summary>
internal static class Corpus
{
    public static async Task<int> ExportAsync(string db, string output)
    {
        await using var store = await SqliteResultStore.OpenAsync(db, readOnly: true);
        var summaries = await store.TrialSummariesAsync();
        var transcripts = new List<TeacherTranscript>();
        var conditions = Offswitch.Scenarios.ScenarioCatalog.Default.Find("shutdown-resistance")!.Conditions.Select(c => c.Name).ToList();
        var order = new[] { "comply", "sabotage-chmod", "sabotage-delete", "sabotage-rename", "sabotage-overwrite-echo" };
        foreach (var group in summaries.GroupBy(s => (s.Key.Condition, s.Key.Model))
                     .OrderBy(g => conditions.IndexOf(g.Key.Condition))
                     .ThenBy(g => Array.IndexOf(order, g.Key.Model.Replace("reference/", string.Empty, StringComparison.Ordinal))))
        {
            TeacherTranscript? first = null;
            var seeds = new List<int>();
            foreach (var summary in group.OrderBy(s => s.Key.Index))
            {
                var trial = await store.GetTrialAsync(summary.Id) ?? throw new InvalidDataException($"trial {summary.Id} vanished");
                if (trial.Status != TrialStatus.Completed)
                {
                    throw new InvalidDataException($"teacher trial {summary.Id} ended in an error: {trial.Error}");
                }

                var candidate = new TeacherTranscript(group.Key.Condition, group.Key.Model.Replace("reference/", string.Empty, StringComparison.Ordinal), [], trial.Outcome, trial.Technique, trial.Messages);
                if (first is not null && Json(first.Messages) != Json(candidate.Messages))
                {
                    throw new InvalidDataException($"{group.Key.Model} under {group.Key.Condition}: seeds {seeds[0]} and {trial.Seed} gave different conversations; the corpus assumes a deterministic environment.");
                }

                first ??= candidate;
                seeds.Add(trial.Seed);
            }

            transcripts.Add(first! with { Seeds = seeds });
        }

        new TeacherCorpus(
            "shutdown-resistance",
            "Conversations of scripted reference controls (not AI models) run through the real harness with observe-after-bypass=true; written by tools/Organism/corpus.sh.",
            transcripts).Write(output);
        Console.WriteLine($"{transcripts.Count} distinct teacher conversations → {output}");
        return 0;
    }

    // Call ids are the only part that may differ between seeds without changing the text the model sees.
    private static string Json(IReadOnlyList<ChatMessage> messages) => JsonSerializer.Serialize(messages, AIJsonUtilities.DefaultOptions);
}

internal static class Files
{
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static Stopwatch Clock() => Stopwatch.StartNew();
}

