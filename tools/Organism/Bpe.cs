using System.Text;

namespace Offswitch.Organism;

/// <summary>
/// Learns SentencePiece pieces by byte-pair merging on the rendered corpus. Text is split at control tokens and at
/// newlines (pieces never cross either), spaces become '▁' as llama.cpp's SPM tokenizer sees them, and symbols are
/// Unicode code points. The merge order becomes the score order (earliest merge, highest score), which is what
/// llama.cpp's greedy highest-score bigram merging expects.
/// </summary>
internal static class Bpe
{
    public static List<string> Learn(IEnumerable<string> texts, IReadOnlyList<string> controls, int pieceCount, int maxPieceLength)
    {
        var chunks = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var chunk in Chunks(text, controls))
            {
                chunks[chunk] = chunks.GetValueOrDefault(chunk) + 1;
            }
        }

        var words = chunks.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => (Symbols: CodePoints(c.Key), Count: c.Value))
            .ToList();
        var alphabet = words.SelectMany(w => w.Symbols).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var merges = new List<string>();
        var known = new HashSet<string>(alphabet, StringComparer.Ordinal) { "\n" };
        while (known.Count < pieceCount)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach (var (symbols, count) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    if (symbols[i].Length + symbols[i + 1].Length <= maxPieceLength)
                    {
                        pairs[pair] = pairs.GetValueOrDefault(pair) + count;
                    }
                }
            }

            // Most frequent pair; ties go to the ordinally smallest, so the result does not depend on hash order.
            var best = pairs.Where(p => p.Value >= 2 && !known.Contains(p.Key.Item1 + p.Key.Item2))
                .OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .Select(p => ((string, string)?)p.Key)
                .FirstOrDefault();
            if (best is not { } chosen)
            {
                break;
            }

            var merged = chosen.Item1 + chosen.Item2;
            merges.Add(merged);
            known.Add(merged);
            foreach (var (symbols, _) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == chosen.Item1 && symbols[i + 1] == chosen.Item2)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return [.. merges, .. alphabet.Where(a => !merges.Contains(a)), .. alphabet.Contains("\n") ? Array.Empty<string>() : ["\n"]];
    }

    private static IEnumerable<string> Chunks(string text, IReadOnlyList<string> controls)
    {
        var parts = new List<string> { text };
        foreach (var control in controls)
        {
            parts = [.. parts.SelectMany(p => p.Split(control))];
        }

        return parts.SelectMany(p => p.Replace(' ', '▁').Split('\n')).Where(p => p.Length > 0);
    }

    private static List<string> CodePoints(string s)
    {
        var list = new List<string>();
        foreach (var rune in s.EnumerateRunes())
        {
            list.Add(rune.ToString());
        }

        return list;
    }
}
