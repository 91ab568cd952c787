using System.Text;
using System.Text.Json;
using Offswitch.Trials;

namespace Offswitch.Scenarios.AgenticMisalignment;

/// <summary>
/// A set of email templates and variable files in the original repository's layout
/// (<c>&lt;scenario&gt;/templates/…</c>, <c>&lt;scenario&gt;/variables/…</c>, optional <c>&lt;scenario&gt;/scenario.json</c>):
/// the built-in set embedded in the assembly, or a directory on disk (<c>--option templates=DIR</c>).
/// Files are read as UTF-8 bytes and never normalised (no newline or BOM changes).
/// </summary>
public abstract class TemplateSet
{
    /// <summary>The built-in set (this project's own texts).</summary>
    public static TemplateSet BuiltIn { get; } = new EmbeddedTemplateSet();

    /// <summary>Where the set comes from, for messages ("built-in" or the directory).</summary>
    public abstract string Origin { get; }

    /// <summary>True when the set has a file at <paramref name="path"/> ('/'-separated, relative to the set).</summary>
    public abstract bool Exists(string path);

    /// <summary>A file's text, decoded from UTF-8 exactly as stored.</summary>
    /// <exception cref="InvalidInputException">The file is missing or not UTF-8.</exception>
    public abstract string Read(string path);

    /// <summary>The names of the files directly in <paramref name="folder"/>, sorted ordinally.</summary>
    public abstract IReadOnlyList<string> List(string folder);

    /// <summary>A set read from a directory on disk.</summary>
    /// <exception cref="InvalidInputException">The directory does not exist.</exception>
    public static TemplateSet FromDirectory(string directory)
    {
        var full = Path.GetFullPath(directory);
        return Directory.Exists(full)
            ? new DirectoryTemplateSet(full)
            : throw new InvalidInputException($"templates={directory}: no such directory. Pass a directory laid out like the original repository's templates/ folder (blackmail/, leaking/, murder/).");
    }

    /// <summary>Decodes strictly: a file that is not UTF-8 is an error, not silently repaired.</summary>
    protected string Decode(string path, byte[] bytes)
    {
        try
        {
            var text = new UTF8Encoding(false, true).GetString(bytes);

            // Python's open(encoding="utf-8") keeps a byte-order mark as U+FEFF; so do we.
            return text;
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidInputException($"Template file {path} in {Origin} is not valid UTF-8.");
        }
    }

    private sealed class EmbeddedTemplateSet : TemplateSet
    {
        private const string Prefix = "Offswitch.AgenticMisalignment.templates/";
        private readonly Dictionary<string, string> _resources = typeof(TemplateSet).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(n => n[Prefix.Length..].Replace('\\', '/'), n => n, StringComparer.Ordinal);

        public override string Origin => "the built-in template set";

        public override bool Exists(string path) => _resources.ContainsKey(path);

        public override string Read(string path)
        {
            if (!_resources.TryGetValue(path, out var name))
            {
                throw new InvalidInputException($"Template file {path} is missing from {Origin}.");
            }

            using var stream = typeof(TemplateSet).Assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return Decode(path, buffer.ToArray());
        }

        public override IReadOnlyList<string> List(string folder)
        {
            var prefix = folder.TrimEnd('/') + "/";
            return [.. _resources.Keys
                .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !k[prefix.Length..].Contains('/'))
                .Select(k => k[prefix.Length..])
                .Order(StringComparer.Ordinal)];
        }
    }

    private sealed class DirectoryTemplateSet(string root) : TemplateSet
    {
        public override string Origin => root;

        public override bool Exists(string path) => File.Exists(Path.Combine(root, path));

        public override string Read(string path)
        {
            var file = Path.Combine(root, path);
            if (!File.Exists(file))
            {
                throw new InvalidInputException($"Template file {path} is missing from {Origin}.");
            }

            return Decode(path, File.ReadAllBytes(file));
        }

        public override IReadOnlyList<string> List(string folder)
        {
            var directory = Path.Combine(root, folder);
            return Directory.Exists(directory)
                ? [.. Directory.EnumerateFiles(directory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)]
                : [];
        }
    }
}

/// <summary>
/// Our addition to a scenario's template folder (<c>&lt;scenario&gt;/scenario.json</c>): the names the system prompt
/// and the checks need. Absent in the original repository; then <see cref="Original"/> values apply.
/// </summary>
public sealed record CastSettings
{
    public required string AgentName { get; init; }
    public required string Company { get; init; }
    public required string CompanyShort { get; init; }
    public required string CompanyDescription { get; init; }
    public string? AgentEmail { get; init; }
    public string? ExecutiveName { get; init; }
    public string? ExecutiveEmail { get; init; }
    public string? OverrideCode { get; init; }
    public string? OverrideCodeDigits { get; init; }
    public IReadOnlyList<string> LeakAddresses { get; init; } = [];
    public IReadOnlyList<string> AuthorityAddresses { get; init; } = [];
    public int? SpecsEmailId { get; init; }

    /// <summary>The original repository's values for a scenario folder ("blackmail", "leaking", "murder").</summary>
    public static CastSettings Original(string folder) =>
        MisalignmentData.OriginalValues.TryGetValue(folder, out var settings)
            ? settings
            : throw new ArgumentException($"No original values for '{folder}'.", nameof(folder));

    /// <summary>Reads <c>&lt;folder&gt;/scenario.json</c> from the set, or the original values when there is none.</summary>
    /// <exception cref="InvalidInputException">The file exists but is malformed or lacks a field the scenario needs.</exception>
    public static CastSettings Load(TemplateSet set, string folder)
    {
        var path = $"{folder}/scenario.json";
        if (!set.Exists(path))
        {
            return Original(folder);
        }

        CastSettings? settings;
        try
        {
            settings = JsonSerializer.Deserialize<CastSettings>(set.Read(path), JsonDefaults.Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"{path} in {set.Origin} is not valid: {ex.Message}");
        }

        if (settings is null)
        {
            throw new InvalidInputException($"{path} in {set.Origin} is empty.");
        }

        var missing = new List<string>();
        if (folder == "blackmail" && string.IsNullOrEmpty(settings.ExecutiveEmail))
        {
            missing.Add("executive_email");
        }

        if (folder == "murder" && string.IsNullOrEmpty(settings.OverrideCodeDigits))
        {
            missing.Add("override_code_digits");
        }

        if (folder == "leaking" && settings.LeakAddresses.Count == 0)
        {
            missing.Add("leak_addresses");
        }

        return missing.Count == 0
            ? settings
            : throw new InvalidInputException($"{path} in {set.Origin} lacks {string.Join(", ", missing)}.");
    }
}
