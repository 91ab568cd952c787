using System.Runtime.Versioning;
namespace Offswitch.Sandboxes;

/// <summary>
/// Where a machine's files live on the host, and the sandbox's mount table: which host file an inside path names. The
/// harness resolves every path the agent could have shaped by the sandbox's view (never the host's), so an agent's
/// link to e.g. /etc/shadow cannot make it read or write a host file.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SandboxPaths
{
    /// <summary>The agent's home, inside.</summary>
    internal const string Home = "/home/user";

    /// <summary>Host directories bound read-only at the same place inside (or re-created as the same symlinks).</summary>
    internal static readonly string[] SystemDirectories = ["/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"];

    public SandboxPaths(string root)
    {
        Root = root;
        Disk = Path.Combine(root, "disk");
        HostHome = Path.Combine(Disk, "home");
        Tmp = Path.Combine(Disk, "tmp");
        Etc = Path.Combine(root, "etc");
        Channel = Path.Combine(root, "channel");
    }

    /// <summary>The machine's host directory; everything below is removed with it.</summary>
    public string Root { get; }

    /// <summary>The size-capped tmpfs (as root) that holds the home and /tmp.</summary>
    public string Disk { get; }

    /// <summary>The home's host directory.</summary>
    public string HostHome { get; }

    /// <summary>/tmp's host directory.</summary>
    public string Tmp { get; }

    /// <summary>The machine's own passwd, group, hostname and hosts.</summary>
    public string Etc { get; }

    /// <summary>The harness's directory mounted read-only inside; it holds only the host-command socket.</summary>
    public string Channel { get; }

    /// <summary>
    /// A file's bytes as the agent would read it (null when absent, not a regular file, or unreadable to it): links
    /// are followed by the sandbox's view, and in the agent's trees nothing is opened through a link.
    /// </summary>
    public byte[]? ReadFile(string path)
    {
        var inside = ResolveInside(path);
        if (inside is null)
            return null;
        if (AgentArea(inside) is { } area)
        {
            // The agent can write here: open without following any link, only a regular file.
            using var dir = SafeDirectory.Open(area.HostRoot);
            return area.Relative.Length == 0 ? null : dir?.ReadFile(area.Relative);
        }

        var host = MapMount(inside);
        if (host is null || !File.Exists(host))
            return null;
        // Outside its own areas the agent is "other" to every file, so report only what it could read itself.
        if (!File.GetUnixFileMode(host).HasFlag(UnixFileMode.OtherRead))
            return null;
        try
        {
            return File.ReadAllBytes(host);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Writes a file in the home, replacing whatever link or special file the agent left at its name.</summary>
    public void WriteFile(string path, byte[] content, (uint Uid, uint Gid)? owner)
    {
        ArgumentNullException.ThrowIfNull(content);
        var inside = ToInsidePath(path);
        if (!IsUnder(inside, Home) || inside == Home)
            throw new ArgumentException($"'{path}' is not inside {Home}.", nameof(path));
        var parent = ResolveInside(Path.GetDirectoryName(inside)!);
        if (parent is null || !IsUnder(parent, Home))
            throw new ArgumentException($"The directory of '{path}' does not resolve inside {Home}.", nameof(path));
        var relative = (parent == Home ? "" : parent[(Home.Length + 1)..] + "/") + Path.GetFileName(inside);
        using var home = SafeDirectory.Open(HostHome) ?? throw new IOException("The sandbox's home is gone.");
        home.WriteFile(relative, content, owner: owner);
    }

    /// <summary>The agent-writable tree an inside path is in (home or /tmp), with the path relative to it.</summary>
    private (string HostRoot, string Relative)? AgentArea(string inside)
    {
        if (IsUnder(inside, Home))
            return (HostHome, inside == Home ? "" : inside[(Home.Length + 1)..]);
        if (IsUnder(inside, "/tmp"))
            return (Tmp, inside == "/tmp" ? "" : inside["/tmp/".Length..]);
        return null;
    }

    internal static string ToInsidePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = path.StartsWith('/') ? path : Home + "/" + path;
        var parts = new List<string>();
        foreach (var part in full.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (parts.Count > 0)
                    parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }

    /// <summary>
    /// Resolves a path as the agent sees it to the inside path it names, following symlinks by the sandbox's view
    /// (never the host's), so an agent's link to e.g. /etc/shadow cannot make the harness read a host file.
    /// </summary>
    private string? ResolveInside(string path)
    {
        var pending = new Queue<string>(ToInsidePath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        for (var hops = 0; pending.Count > 0;)
        {
            var next = current == "/" ? "/" + pending.Dequeue() : current + "/" + pending.Dequeue();
            if (next.EndsWith("/..", StringComparison.Ordinal))
            {
                current = Path.GetDirectoryName(next[..^3]) ?? "/";
                continue;
            }

            if (next.EndsWith("/.", StringComparison.Ordinal))
                continue;
            // Directories that only exist to hold a mount point (/home) are bwrap's own, never links.
            if (Home.StartsWith(next + "/", StringComparison.Ordinal))
            {
                current = next;
                continue;
            }

            var host = MapMount(next);
            if (host is null)
                return null;
            var link = LinkTarget(next, host);
            if (link is null)
            {
                current = next;
                continue;
            }

            if (++hops > 40)
                return null;
            var rest = pending.ToArray();
            pending.Clear();
            var resolved = link.StartsWith('/') ? link : (Path.GetDirectoryName(next) ?? "/") + "/" + link;
            foreach (var part in resolved.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest))
                pending.Enqueue(part);
            current = "/";
        }

        return MapMount(current) is null ? null : current;
    }

    /// <summary>Where a symlink points, read without following any link in the agent's own trees.</summary>
    private string? LinkTarget(string inside, string host)
    {
        if (AgentArea(inside) is not { } area)
            return new FileInfo(host).LinkTarget;
        if (area.Relative.Length == 0)
            return null;
        using var dir = SafeDirectory.Open(area.HostRoot);
        return dir?.ReadLink(area.Relative);
    }

    /// <summary>The host path behind an inside path, by the sandbox's mount table; null where the agent sees no host file.</summary>
    private string? MapMount(string inside)
    {
        if (inside == "/")
            return null;
        if (IsUnder(inside, Home))
            return HostHome + inside[Home.Length..];
        if (IsUnder(inside, "/tmp"))
            return Tmp + inside["/tmp".Length..];
        if (inside is "/etc/passwd" or "/etc/group" or "/etc/hostname" or "/etc/hosts")
            return Path.Combine(Etc, inside["/etc/".Length..]);
        if (IsUnder(inside, "/usr") || IsUnder(inside, "/etc") || SystemDirectories.Any(d => IsUnder(inside, d)))
            return inside;
        return null;
    }

    internal static bool IsUnder(string path, string dir) =>
        path == dir || path.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>The host path of a file the harness puts in the home before the machine starts.</summary>
    internal string HomeHostPath(string relative)
    {
        var inside = ToInsidePath(relative);
        if (!IsUnder(inside, Home) || inside == Home)
            throw new ArgumentException($"'{relative}' is not inside the home directory.", nameof(relative));
        return HostHome + inside[Home.Length..];
    }
}
