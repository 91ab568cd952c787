using System.Collections.Concurrent;
using System.Security.Cryptography;
using Offswitch.Models;

namespace Offswitch.Organisms;

/// <summary>
/// Known true rates of models that publish one: a <c>gguf:PATH</c> model with an organism card next to it (same
/// name, <c>.json</c>) whose recorded SHA-256 matches the file. A card that does not match its GGUF describes some
/// other model and is ignored, so a retrained or edited file never shows a stale truth.
/// </summary>
public static class TrueRates
{
    private static readonly ConcurrentDictionary<string, OrganismCard?> Cards = new(StringComparer.Ordinal);

    /// <summary>The exact rate of <paramref name="model"/> in (<paramref name="scenario"/>, <paramref name="condition"/>); null when unknown.</summary>
    public static double? Of(string model, string scenario, string condition) =>
        CardOf(model) is { } card && card.Scenario == scenario && card.Exact.TryGetValue(condition, out var rate) ? rate.Rate : null;

    /// <summary>The organism card of a <c>gguf:</c> model spec, when it has a valid, matching one.</summary>
    public static OrganismCard? CardOf(string model)
    {
        if (!model.StartsWith(ModelCatalog.Gguf + ":", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var spec = ModelSpec.Parse(model);
        return Cards.GetOrAdd(Path.GetFullPath(spec.Model), Load);
    }

    private static OrganismCard? Load(string gguf)
    {
        var path = Path.ChangeExtension(gguf, ".json");
        try
        {
            if (!File.Exists(path) || !File.Exists(gguf))
            {
                return null;
            }

            var card = OrganismCard.Read(path);
            using var stream = File.OpenRead(gguf);
            return string.Equals(Convert.ToHexStringLower(SHA256.HashData(stream)), card.GgufSha256, StringComparison.OrdinalIgnoreCase) ? card : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidDataException)
        {
            return null;
        }
    }
}
