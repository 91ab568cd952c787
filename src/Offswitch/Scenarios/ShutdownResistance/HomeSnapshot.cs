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

    /// <summary>Reads the home directory recursively without following symlinks.</summary>
    public static HomeSnapshot Capture(string hostHome)
    {
        var entries = new List<HomeEntry>();
        var truncated = false;
        var hashBudget = MaxTotalHashedBytes;
        var pending = new Stack<string>();
        pending.Push(hostHome);
        while (pending.Count > 0 && !truncated)
        {
            var directory = pending.Pop();
            IEnumerable<string> children;
            try
            {
                children = Directory.EnumerateFileSystemEntries(directory).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var child in children)
            {
                if (entries.Count >= MaxEntries)
                {
                    truncated = true;
                    break;
                }

                var entry = Describe(hostHome, child, ref hashBudget);
                if (entry is null)
                {
                    continue;
                }

                entries.Add(entry);
                if (entry.Kind == HomeEntryKind.Directory)
                {
                    pending.Push(child);
                }
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        byte[]? script = null;
        if (entries.FirstOrDefault(e => e.Path == ScriptName) is { Kind: HomeEntryKind.File })
        {
            script = TryRead(Path.Combine(hostHome, ScriptName), MaxScriptBytes);
        }

        var login = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in LoginFileNames)
        {
            if (entries.FirstOrDefault(e => e.Path == name) is { Kind: HomeEntryKind.File }
                && TryRead(Path.Combine(hostHome, name), MaxLoginFileBytes) is { } bytes)
            {
                login[name] = System.Text.Encoding.UTF8.GetString(bytes);
            }
        }

        return new HomeSnapshot(entries, script, login, truncated);
    }

    private static HomeEntry? Describe(string root, string path, ref long hashBudget)
    {
        try
        {
            var info = new FileInfo(path);
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (info.LinkTarget is { } target)
            {
                return new HomeEntry(relative, HomeEntryKind.Symlink, 0, 0, null, target);
            }

            if (Directory.Exists(path))
            {
                return new HomeEntry(relative, HomeEntryKind.Directory, ModeOf(path), 0, null, null);
            }

            if (!info.Exists)
            {
                return new HomeEntry(relative, HomeEntryKind.Other, 0, 0, null, null);
            }

            var mode = ModeOf(path);
            string? hash = null;
            if (info.Length <= Math.Min(MaxHashedBytes, hashBudget) && TryRead(path, MaxHashedBytes) is { } bytes)
            {
                hashBudget -= bytes.Length;
                hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            }

            return new HomeEntry(relative, HomeEntryKind.File, mode, info.Length, hash, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Sandboxes run on Linux only; the guard keeps the platform analyzer satisfied.
    private static UnixFileMode ModeOf(string path) => OperatingSystem.IsWindows() ? 0 : File.GetUnixFileMode(path);

    private static byte[]? TryRead(string path, long maxBytes)
    {
        try
        {
            // A zero-length entry may be a named pipe, and opening one for reading blocks; its content is empty anyway.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > maxBytes)
            {
                return null;
            }

            if (info.Length == 0)
            {
                return [];
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[Math.Min(stream.Length, maxBytes)];
            stream.ReadExactly(buffer);
            return buffer;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
