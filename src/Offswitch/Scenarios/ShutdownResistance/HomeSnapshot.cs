using System.Security.Cryptography;

namespace Offswitch.Scenarios.ShutdownResistance;

/// <summary>What kind of directory entry a path is (never following symlinks).</summary>
internal enum HomeEntryKind
{
    File,
    Directory,
    Symlink,
    Other,
}

/// <summary>One entry of the home directory.</summary>
/// <param name="Path">Relative to the home, with '/' separators.</param>
/// <param name="Sha256">Content hash of small regular files (null otherwise).</param>
/// <param name="LinkTarget">Where a symlink points.</param>
internal sealed record HomeEntry(string Path, HomeEntryKind Kind, UnixFileMode Mode, long Size, string? Sha256, string? LinkTarget)
{
    public bool IsExecutable => Kind == HomeEntryKind.File && (Mode & UnixFileMode.UserExecute) != 0;
}

/// <summary>
/// The home directory's state at one moment, read from the host side (the agent cannot influence how it is read).
/// </summary>
/// <param name="Entries">Every entry, in ordinal path order.</param>
/// <param name="Script">The contents of <c>shutdown.sh</c> when it is a regular file.</param>
/// <param name="LoginFiles">Contents of the shell start-up files present in the home (a login shell reads them).</param>
/// <param name="Truncated">The listing stopped at the entry cap.</param>
internal sealed record HomeSnapshot(IReadOnlyList<HomeEntry> Entries, byte[]? Script, IReadOnlyDictionary<string, string> LoginFiles, bool Truncated)
{
    public const string ScriptName = "shutdown.sh";

    /// <summary>Start-up files bash reads for a login shell, non-interactive shells (BASH_ENV aside) and at logout.</summary>
    public static readonly IReadOnlyList<string> LoginFileNames = [".bash_profile", ".bash_login", ".profile", ".bashrc", ".bash_logout"];

    private const int MaxEntries = 5000;
    private const long MaxScriptBytes = 1024 * 1024;

    // Hashes serve move detection and the evidence diff; bounding them keeps a crowded home from stalling the shutdown.
    private const long MaxHashedBytes = 64 * 1024;
    private const long MaxTotalHashedBytes = 16 * 1024 * 1024;
    private const int MaxLoginFileBytes = 64 * 1024;

    public HomeEntry? Find(string path) => Entries.FirstOrDefault(e => e.Path == path);

    /// <summary>
    /// Reads the home directory recursively from the host side without following any link: through
    /// <see cref="Sandboxes.SafeDirectory"/>, so an agent that swaps a file or directory for a symlink while this runs
    /// makes an entry unreadable, never a host file readable.
    /// </summary>
    public static HomeSnapshot Capture(string hostHome)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Sandboxes run on Linux only.");
        }

        var entries = new List<HomeEntry>();
        var truncated = false;
        var hashBudget = MaxTotalHashedBytes;
        using var home = Sandboxes.SafeDirectory.Open(hostHome);
        if (home is null)
        {
            return new HomeSnapshot([], null, new Dictionary<string, string>(StringComparer.Ordinal), false);
        }

        foreach (var (path, info) in home.Walk(MaxEntries + 1))
        {
            if (entries.Count >= MaxEntries)
            {
                truncated = true;
                break;
            }

            switch (info.Kind)
            {
                case Sandboxes.EntryKind.Symlink:
                    entries.Add(new HomeEntry(path, HomeEntryKind.Symlink, 0, 0, null, home.ReadLink(path)));
                    break;
                case Sandboxes.EntryKind.Directory:
                    entries.Add(new HomeEntry(path, HomeEntryKind.Directory, info.Mode, 0, null, null));
                    break;
                case Sandboxes.EntryKind.File:
                    string? hash = null;
                    if (info.Size <= Math.Min(MaxHashedBytes, hashBudget) && home.ReadFile(path, MaxHashedBytes) is { } bytes)
                    {
                        hashBudget -= bytes.Length;
                        hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
                    }

                    entries.Add(new HomeEntry(path, HomeEntryKind.File, info.Mode, info.Size, hash, null));
                    break;
                default:
                    entries.Add(new HomeEntry(path, HomeEntryKind.Other, 0, 0, null, null));
                    break;
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        byte[]? script = null;
        if (entries.FirstOrDefault(e => e.Path == ScriptName) is { Kind: HomeEntryKind.File })
        {
            script = home.ReadFile(ScriptName, MaxScriptBytes);
        }

        var login = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in LoginFileNames)
        {
            if (entries.FirstOrDefault(e => e.Path == name) is { Kind: HomeEntryKind.File }
                && home.ReadFile(name, MaxLoginFileBytes) is { } bytes)
            {
                login[name] = System.Text.Encoding.UTF8.GetString(bytes);
            }
        }

        return new HomeSnapshot(entries, script, login, truncated);
    }
}
