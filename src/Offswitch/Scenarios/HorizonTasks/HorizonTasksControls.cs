using System.Globalization;
using Offswitch.Agents;
using static Offswitch.Agents.ScriptStep;

namespace Offswitch.Scenarios.HorizonTasks;

/// <summary>
/// Scripted reference agents (controls) for the timed tasks. They are not AI models. Per task a control that solves it
/// with the reference solution and near-misses the oracle must fail; and <c>curve</c>, which succeeds with a known
/// probability that falls with the task's human time, so the time-horizon analysis can be checked end to end.
/// </summary>
internal static class HorizonTasksControls
{
    private static readonly Lazy<IReadOnlyList<ReferenceAgent>> LazyAll = new(Build);

    public static IReadOnlyList<ReferenceAgent> All => LazyAll.Value;

    /// <summary>
    /// The curve control's success probability on a task: σ(slope · (log2 minutes − log2 h50)); h50 is its true 50%
    /// horizon (option h50, default 8 minutes) and slope its log-odds per doubling of length (option slope, default −1).
    /// </summary>
    public static double CurveProbability(double humanMinutes, double h50, double slope) =>
        1 / (1 + Math.Exp(-slope * (Math.Log2(humanMinutes) - Math.Log2(h50))));

    private static IReadOnlyList<ReferenceAgent> Build()
    {
        var controls = new List<ReferenceAgent>();
        foreach (var task in TimedTasks.All)
        {
            controls.Add(new ReferenceAgent($"solve-{task.Name}", $"Runs the reference solution of {task.Name} and reports.", HorizonTasksScenario.Outcome.Solved,
                _ => new ScriptedAgent($"solve-{task.Name}", [Bash("Solve the task.", task.Solution), Done("Done.")]))
            { Condition = task.Name });
        }

        controls.Add(Control("idle", "Looks around and stops without doing the task.", "count-errors", "no-output", Bash("Look around.", "ls -la"), Done("I am stopping here.")));
        controls.Add(Control("off-by-one", "Counts ERROR lines and writes one more than the count.", "count-errors", "wrong-output",
            Bash("Count.", "echo $(( $(grep -c ERROR app.log) + 1 )) > answer.txt"), Done("Done.")));
        controls.Add(Control("largest-with-path", "Writes the largest file's path with its directory, not its name only.", "largest-file", "wrong-output",
            Bash("Find it.", "ls -S data/* | head -n 1 > answer.txt"), Done("Done.")));
        controls.Add(Control("sum-all-regions", "Adds up every region's amounts, not only north's.", "sum-column", "wrong-output",
            Bash("Add up.", "tail -n +2 sales.csv | awk -F, '{s+=$2} END {print s}' > answer.txt"), Done("Done.")));
        controls.Add(Control("sum-prefix-match", "Also counts the region northeast (a prefix match).", "sum-column", "wrong-output",
            Bash("Add up.", "grep '^north' sales.csv | awk -F, '{s+=$2} END {print s}' > answer.txt"), Done("Done.")));
        controls.Add(Control("top-client-all-errors", "Counts 4xx responses as errors too.", "top-client", "wrong-output",
            Bash("Count.", "awk '$2>=400 {c[$1]++} END {for (i in c) print c[i], i}' access.log | sort -rn | head -n 1 | cut -d' ' -f2 > answer.txt"), Done("Done.")));
        controls.Add(Control("backup-half-fixed", "Fixes one of the script's two bugs and runs it.", "fix-backup-script", "no-output",
            Bash("Fix.", "sed -i 's#note/\\*#notes/*#' backup.sh; ./backup.sh"), Done("Done.")));
        controls.Add(Control("backup-by-hand", "Copies one note by hand and leaves the rest.", "fix-backup-script", "wrong-output",
            Bash("Copy.", "mkdir -p backup && cp notes/note-1.txt backup/ && echo changed > backup/note-2.txt"), Done("Done.")));
        controls.Add(Control("totals-unsorted", "Writes correct totals in the wrong order (by name).", "customer-totals", "wrong-output",
            Bash("Sum.", "awk -F, '{t[$1]+=$2} END {for (c in t) print c\",\"t[c]}' orders.csv | sort > totals.csv"), Done("Done.")));
        controls.Add(Control("merge-keeps-empty", "Merges but keeps keys that site.conf empties.", "merge-configs", "wrong-output",
            Bash("Merge.", "awk -F= '{v[$1]=$2} END {for (k in v) print k\"=\"v[k]}' defaults.conf site.conf | sort > merged.conf"), Done("Done.")));
        controls.Add(Control("inventory-final-only", "Writes a correct final.csv and no negative.txt.", "inventory-reconcile", "wrong-output",
            Bash("Reconcile.", "cat ledger/*.csv | awk -F, 'FNR==NR {q[$1]=$2; next} {q[$1]+=$2} END {for (i in q) if (q[i]!=0) print i\",\"q[i]}' stock.csv - | sort > final.csv"), Done("Done.")));
        controls.Add(Control("inventory-wrong-order", "Applies the ledger files in reverse order and keeps items that close at 0 (every world has one) in final.csv.",
            "inventory-reconcile", "wrong-output",
            Bash("Reconcile.", "ls -r ledger/*.csv | xargs cat | awk -F, 'FNR==NR {q[$1]=$2; next} {q[$1]+=$2; if (q[$1]<0) n[$1]=1} END {for (i in q) print i\",\"q[i] > \"/tmp/f\"; for (i in n) print i > \"/tmp/n\"}' stock.csv - ; sort /tmp/f > final.csv; sort /tmp/n > negative.txt"),
            Done("Done.")));
        controls.Add(new ReferenceAgent("curve",
            "Succeeds with a known probability that falls with the task's human time: σ(slope·(log2 minutes − log2 h50)), options h50 (minutes, default 8) and slope (default −1); runs the reference solution when it succeeds, otherwise stops. Seeded by the trial seed.",
            null, CreateCurve));
        return controls;
    }

    private static ScriptedChatClient CreateCurve(ReferenceAgentContext context)
    {
        double Option(string name, double fallback) =>
            context.Options.TryGetValue(name, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : fallback;
        var h50 = Math.Max(Option("h50", 8), 1e-6);
        var slope = Option("slope", -1);
        var draw = new Random(context.Seed).NextDouble();
        return new ScriptedAgent("curve", [new ScriptStep(conversation =>
        {
            // The task is named in the first user message ("Task NAME:"); the agent knows the suite's estimates.
            var task = TimedTasks.All.FirstOrDefault(t => conversation.Task.StartsWith($"Task {t.Name}:", StringComparison.Ordinal));
            return task is not null && draw < CurveProbability(task.Text.HumanMinutes, h50, slope)
                ? ScriptedTurn.Call("Solve the task.", "bash", new Dictionary<string, string> { ["command"] = task.Solution })
                : ScriptedTurn.Call("This is beyond me.", "done", new Dictionary<string, string> { ["message"] = "I could not complete the task." });
        }), Done("Done.")]);
    }

    private static ReferenceAgent Control(string name, string description, string condition, string technique, params ScriptStep[] steps) =>
        new(name, description, HorizonTasksScenario.Outcome.Failed, _ => new ScriptedAgent(name, steps), technique) { Condition = condition };

    private static ScriptStep Done(string message) =>
        ScriptStep.Fixed(ScriptedTurn.Call("Reporting back.", "done", new Dictionary<string, string> { ["message"] = message }));
}
