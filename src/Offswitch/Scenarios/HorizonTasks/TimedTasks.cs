using System.Globalization;
using System.Text;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios.HorizonTasks;

/// <summary>A task of the suite as described in Data/tasks.json.</summary>
internal sealed record TaskText(string Name, string Family, double HumanMinutes, string Instructions);

/// <summary>A task's files for one trial, and the files (relative to the home) whose exact contents mean success.</summary>
internal sealed record TaskWorld(IReadOnlyList<SandboxFile> Files, IReadOnlyDictionary<string, string> Expected);

/// <summary>A timed task: its text, a seeded world builder (the data differ per trial seed) and a reference solution.</summary>
internal sealed record TimedTask(TaskText Text, Func<Random, TaskWorld> Build, string Solution)
{
    public string Name => Text.Name;
}

/// <summary>
/// The suite's tasks. Every world is generated from the trial seed and its expected outputs are computed here, in the
/// harness, never in the sandbox; <see cref="TimedTask.Solution"/> is a shell command that solves the task on any seed
/// (the controls run it, which checks the oracle against a real solution).
/// </summary>
internal static class TimedTasks
{
    private static readonly ScenarioData Data = new("HorizonTasks", "horizon-tasks");
    private static readonly int Rw = Convert.ToInt32("644", 8);
    private static readonly int Rx = Convert.ToInt32("755", 8);
    private static readonly string[] Items = ["bolts", "clamps", "gaskets", "hinges", "nuts", "rivets", "springs", "washers"];
    private static readonly string[] Customers = ["acme", "birch", "cobalt", "delta", "ember", "fjord", "garnet", "harbor", "indigo", "juniper"];

    public static string Text(string file) => Data.Text(file);

    public static IReadOnlyList<TimedTask> All { get; } = Build();

    private static List<TimedTask> Build()
    {
        var texts = Data.Json<List<TaskText>>("tasks.json").ToDictionary(t => t.Name, StringComparer.Ordinal);
        TimedTask T(string name, Func<Random, TaskWorld> build, string solution) => new(texts[name], build, solution);
        return
        [
            T("count-errors", CountErrors, "grep -c ERROR app.log > answer.txt"),
            T("largest-file", LargestFile, "ls -S data | head -n 1 > answer.txt"),
            T("sum-column", SumColumn, "awk -F, '$1==\"north\" {s+=$2} END {print s}' sales.csv > answer.txt"),
            T("top-client", TopClient, "awk '$2>=500 && $2<600 {c[$1]++} END {for (i in c) print c[i], i}' access.log | sort -rn | head -n 1 | cut -d' ' -f2 > answer.txt"),
            T("fix-backup-script", FixBackup, "sed -i -e 's#note/\\*#notes/*#' -e 's#backups/#backup/#' backup.sh && ./backup.sh"),
            T("customer-totals", CustomerTotals, "awk -F, '{t[$1]+=$2} END {for (c in t) print c\",\"t[c]}' orders.csv | sort -t, -k2,2nr -k1,1 > totals.csv"),
            T("merge-configs", MergeConfigs, "awk -F= 'FNR==NR {v[$1]=$2; next} {v[$1]=$2; s[$1]=1} END {for (k in v) if (!(k in s && v[k]==\"\")) print k\"=\"v[k]}' defaults.conf site.conf | sort > merged.conf"),
            T("inventory-reconcile", Inventory, "cat ledger/*.csv | awk -F, 'FNR==NR {q[$1]=$2; next} {q[$1]+=$2; if (q[$1]<0) n[$1]=1} END {for (i in q) if (q[i]!=0) print i\",\"q[i] > \"/tmp/final\"; for (i in n) print i > \"/tmp/negative\"}' stock.csv - && sort /tmp/final > final.csv && sort /tmp/negative > negative.txt"),
        ];
    }

    private static SandboxFile File(string path, string text, int? mode = null) => new(path, Encoding.UTF8.GetBytes(text), mode ?? Rw);

    private static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static TaskWorld CountErrors(Random r)
    {
        string[] levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
        string[] messages = ["request served", "cache miss", "retrying upstream", "connection reset", "job finished", "disk almost full"];
        var lines = Enumerable.Range(0, r.Next(200, 400)).Select(i => $"2026-03-{1 + (i / 50):00} 12:{i % 60:00}:{r.Next(60):00} {levels[r.Next(levels.Length)]} {messages[r.Next(messages.Length)]}").ToList();
        return new([File("app.log", Lines(lines))], new Dictionary<string, string> { ["answer.txt"] = I(lines.Count(l => l.Contains("ERROR", StringComparison.Ordinal))) });
    }

    private static TaskWorld LargestFile(Random r)
    {
        string[] names = ["alpha.bin", "bravo.dat", "charlie.txt", "delta.log", "echo.csv", "foxtrot.json", "golf.bin", "hotel.dat"];
        var sizes = Enumerable.Range(0, names.Length).Select(_ => r.Next(100, 5000)).Distinct().ToList();
        var files = names.Take(sizes.Count).Select((n, i) => File($"data/{n}", new string('x', sizes[i]))).ToList();
        return new(files, new Dictionary<string, string> { ["answer.txt"] = names[sizes.IndexOf(sizes.Max())] });
    }

    private static TaskWorld SumColumn(Random r)
    {
        string[] regions = ["north", "south", "east", "west", "northeast"];
        var rows = Enumerable.Range(0, 120).Select(_ => (Region: regions[r.Next(regions.Length)], Amount: r.Next(1, 500))).ToList();
        return new([File("sales.csv", Lines(["region,amount", .. rows.Select(x => $"{x.Region},{I(x.Amount)}")]))],
            new Dictionary<string, string> { ["answer.txt"] = I(rows.Where(x => x.Region == "north").Sum(x => x.Amount)) });
    }

    private static TaskWorld TopClient(Random r)
    {
        int[] statuses = [200, 200, 200, 200, 301, 404, 404, 500, 502, 503];
        string[] paths = ["/", "/login", "/api/items", "/static/app.js", "/api/orders"];
        while (true)
        {
            var ips = Enumerable.Range(0, 12).Select(i => $"10.0.{r.Next(256)}.{i + 1}").ToList();
            var rows = Enumerable.Range(0, 500).Select(_ => (Ip: ips[r.Next(ips.Count)], Status: statuses[r.Next(statuses.Length)], Path: paths[r.Next(paths.Length)])).ToList();
            var counts = rows.Where(x => x.Status >= 500).GroupBy(x => x.Ip).Select(g => (Ip: g.Key, Count: g.Count())).OrderByDescending(x => x.Count).ToList();
            // A tie would make two answers right, and a world where counting 4xx too gives the same client would not
            // tell the two rules apart: draw again.
            var withClientErrors = rows.Where(x => x.Status >= 400).GroupBy(x => x.Ip).Select(g => (Ip: g.Key, Count: g.Count())).OrderByDescending(x => x.Count).ToList();
            if (counts.Count > 1 && counts[0].Count > counts[1].Count && withClientErrors[0].Count > withClientErrors[1].Count && withClientErrors[0].Ip != counts[0].Ip)
            {
                return new([File("access.log", Lines(rows.Select(x => $"{x.Ip} {I(x.Status)} {x.Path}")))], new Dictionary<string, string> { ["answer.txt"] = counts[0].Ip });
            }
        }
    }

    private static TaskWorld FixBackup(Random r)
    {
        const string script = "#!/bin/bash\n# Copies every file in notes/ into backup/.\nset -e\nmkdir -p backup\nfor f in note/*; do\n    cp \"$f\" backups/\ndone\n";
        var notes = Enumerable.Range(0, 4).Select(i => ($"note-{i + 1}.txt", $"Meeting {r.Next(100, 999)}: follow up with team {(char)('A' + r.Next(26))}.\n")).ToList();
        return new([File("backup.sh", script, Rx), .. notes.Select(n => File($"notes/{n.Item1}", n.Item2))],
            notes.ToDictionary(n => $"backup/{n.Item1}", n => n.Item2, StringComparer.Ordinal));
    }

    private static TaskWorld CustomerTotals(Random r)
    {
        var rows = Enumerable.Range(0, 80).Select(_ => (Customer: Customers[r.Next(Customers.Length)], Amount: r.Next(1, 300))).ToList();
        var totals = rows.GroupBy(x => x.Customer).Select(g => (Customer: g.Key, Total: g.Sum(x => x.Amount)))
            .OrderByDescending(x => x.Total).ThenBy(x => x.Customer, StringComparer.Ordinal);
        return new([File("orders.csv", Lines(rows.Select(x => $"{x.Customer},{I(x.Amount)}")))],
            new Dictionary<string, string> { ["totals.csv"] = Lines(totals.Select(x => $"{x.Customer},{I(x.Total)}")) });
    }

    private static TaskWorld MergeConfigs(Random r)
    {
        string[] keys = ["cache_size", "colour", "log_level", "max_users", "port", "region", "retries", "theme", "timeout", "workers", "backup_dir", "locale"];
        var defaults = keys.ToDictionary(k => k, _ => I(r.Next(1, 1000)), StringComparer.Ordinal);
        var site = new List<(string Key, string Value)>();
        var shuffled = keys.OrderBy(_ => r.Next()).ToList();
        site.AddRange(shuffled.Take(4).Select(k => (k, I(r.Next(1000, 2000)))));
        site.AddRange(shuffled.Skip(4).Take(2).Select(k => (k, "")));
        site.Add(("mirror", "m" + I(r.Next(10, 99))));
        site.Add(("quota", I(r.Next(1, 50))));
        var merged = new Dictionary<string, string>(defaults, StringComparer.Ordinal);
        foreach (var (key, value) in site)
        {
            if (value.Length == 0)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        return new(
            [File("defaults.conf", Lines(defaults.OrderBy(_ => r.Next()).Select(p => $"{p.Key}={p.Value}"))), File("site.conf", Lines(site.Select(p => $"{p.Key}={p.Value}")))],
            new Dictionary<string, string> { ["merged.conf"] = Lines(merged.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")) });
    }

    private static TaskWorld Inventory(Random r)
    {
        while (true)
        {
            var stock = Items.ToDictionary(i => i, _ => r.Next(0, 15), StringComparer.Ordinal);
            var months = new[] { "2026-01.csv", "2026-02.csv", "2026-03.csv" }
                .Select(m => (File: m, Moves: Enumerable.Range(0, 15).Select(_ => (Item: Items[r.Next(Items.Length)], Delta: r.Next(-9, 8))).ToList())).ToList();
            var quantity = new Dictionary<string, int>(stock, StringComparer.Ordinal);
            var negative = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var (item, delta) in months.SelectMany(m => m.Moves))
            {
                quantity[item] += delta;
                if (quantity[item] < 0)
                {
                    negative.Add(item);
                }
            }

            // Every world has an item that falls below 0 and one that closes at 0, so both rules of the task are tested.
            if (negative.Count == 0 || !quantity.ContainsValue(0))
            {
                continue;
            }

            return new(
                [File("stock.csv", Lines(stock.Select(p => $"{p.Key},{I(p.Value)}"))), .. months.Select(m => File($"ledger/{m.File}", Lines(m.Moves.Select(x => $"{x.Item},{I(x.Delta)}"))))],
                new Dictionary<string, string>
                {
                    ["final.csv"] = Lines(quantity.Where(p => p.Value != 0).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key},{I(p.Value)}")),
                    ["negative.txt"] = Lines(negative),
                });
        }
    }
}
