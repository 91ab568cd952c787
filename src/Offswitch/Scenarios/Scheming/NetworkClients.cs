namespace Offswitch.Scenarios.Scheming;

/// <summary>One side of a copy: a local path, or <c>[user@]host:path</c>.</summary>
/// <param name="User">The remote user, when one was given.</param>
/// <param name="Host">The remote host; null for a local path.</param>
/// <param name="Path">The path as written (empty for the remote home).</param>
internal sealed record RemotePath(string? User, string? Host, string Path)
{
    public bool IsRemote => Host is not null;

    public override string ToString() => Host is null ? Path : $"{(User is null ? string.Empty : User + "@")}{Host}:{Path}";
}

/// <summary>A parsed <c>scp</c> or <c>rsync</c> call.</summary>
internal sealed record CopyRequest(IReadOnlyList<RemotePath> Sources, RemotePath Target, bool Recursive, bool Rsync)
{
    /// <summary>rsync: a source ending in '/' copies the directory's contents, not the directory.</summary>
    public bool ContentsOnly(RemotePath source) => Rsync && source.Path.EndsWith('/');

    /// <summary>Several sources, or (rsync) a target ending in '/', name a directory (rsync creates it if missing).</summary>
    public bool TargetIsDirectory => Sources.Count > 1 || (Rsync && Target.Path.EndsWith('/'));
}

/// <summary>A parsed <c>ssh</c> call.</summary>
/// <param name="Command">The remote command (the remaining words joined by spaces, as ssh does); null for a login shell.</param>
/// <param name="NoStdin"><c>-n</c>: standard input is not sent.</param>
internal sealed record SshRequest(string? User, string Host, string? Command, bool NoStdin);

/// <summary>
/// Argument parsing of the host-backed network clients (<c>ssh</c>, <c>scp</c>, <c>rsync</c>), after OpenSSH's and
/// rsync's documented option syntax. Options that change nothing here (ports, keys, verbosity) are accepted and ignored.
/// </summary>
internal static class NetworkClients
{
    /// <summary>The clients installed in the agent's <c>~/bin</c>.</summary>
    public static IReadOnlyList<string> Tools { get; } = ["ssh", "scp", "rsync"];

    /// <summary>The argument the wrapper script puts first: where it saved its standard input.</summary>
    public const string StdinMarker = "--offswitch-stdin=";

    private const string SshFlags = "46AaCfGgKkMNnqsTtVvXxYy";
    private const string SshWithValue = "BbcDEeFIiJLlmOoPpQRSWw";
    private const string ScpFlags = "346ABCOpqRrsTv";
    private const string ScpWithValue = "cDFiJloPSX";
    private const string RsyncShortWithValue = "efTB";

    private static readonly HashSet<string> RsyncLongWithValue = new(StringComparer.Ordinal)
    {
        "--rsh", "--exclude", "--include", "--filter", "--chmod", "--temp-dir", "--timeout", "--port", "--partial-dir",
        "--backup-dir", "--suffix", "--rsync-path", "--max-size", "--min-size", "--log-file", "--password-file",
        "--files-from", "--compare-dest", "--copy-dest", "--link-dest", "--exclude-from", "--include-from", "--bwlimit",
        "--chown", "--usermap", "--groupmap", "--out-format", "--info", "--debug", "--compress-choice", "--checksum-choice",
    };

    /// <summary>Parses ssh's arguments; <paramref name="error"/> is ssh's usage message on failure.</summary>
    public static SshRequest? ParseSsh(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string? user = null;
        var noStdin = false;
        var i = 0;
        for (; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                i++;
                break;
            }

            if (a.Length < 2 || a[0] != '-')
            {
                break;
            }

            for (var j = 1; j < a.Length; j++)
            {
                var c = a[j];
                if (SshWithValue.Contains(c, StringComparison.Ordinal))
                {
                    string? value = j + 1 < a.Length ? a[(j + 1)..] : (++i < args.Count ? args[i] : null);
                    if (value is null)
                    {
                        error = $"option requires an argument -- {c}";
                        return null;
                    }

                    if (c == 'l')
                    {
                        user = value;
                    }

                    break;
                }

                if (!SshFlags.Contains(c, StringComparison.Ordinal))
                {
                    error = $"unknown option -- {c}";
                    return null;
                }

                noStdin |= c is 'n' or 'f';
            }
        }

        if (i >= args.Count)
        {
            error = "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-l login_name] [-p port] destination [command [argument ...]]";
            return null;
        }

        var destination = args[i];
        if (destination.StartsWith("ssh://", StringComparison.Ordinal))
        {
            destination = destination["ssh://".Length..].TrimEnd('/');
            var port = destination.LastIndexOf(':');
            if (port > 0)
            {
                destination = destination[..port];
            }
        }

        var at = destination.LastIndexOf('@');
        if (at >= 0)
        {
            user = destination[..at];
            destination = destination[(at + 1)..];
        }

        var words = args.Skip(i + 1).ToList();
        return new SshRequest(user, destination, words.Count == 0 ? null : string.Join(' ', words), noStdin);
    }

    /// <summary>Parses scp's arguments.</summary>
    public static CopyRequest? ParseScp(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var recursive = false;
        var operands = new List<string>();
        var options = true;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (options && a == "--")
            {
                options = false;
                continue;
            }

            if (!options || a.Length < 2 || a[0] != '-')
            {
                operands.Add(a);
                continue;
            }

            for (var j = 1; j < a.Length; j++)
            {
                var c = a[j];
                if (ScpWithValue.Contains(c, StringComparison.Ordinal))
                {
                    if (j + 1 == a.Length && ++i >= args.Count)
                    {
                        error = $"option requires an argument -- {c}";
                        return null;
                    }

                    break;
                }

                if (!ScpFlags.Contains(c, StringComparison.Ordinal))
                {
                    error = $"unknown option -- {c}";
                    return null;
                }

                recursive |= c == 'r';
            }
        }

        if (operands.Count < 2)
        {
            error = "usage: scp [-346ABCOpqRrsTv] [-c cipher] [-F ssh_config] [-i identity_file] [-J destination] [-l limit] [-o ssh_option] [-P port] [-S program] [-X sftp_option] source ... target";
            return null;
        }

        var endpoints = operands.Select(o => Operand(o, "scp://")).ToList();
        return new CopyRequest(endpoints[..^1], endpoints[^1], recursive, Rsync: false);
    }

    /// <summary>Parses rsync's arguments (the subset that copies files; daemon syntax is refused by the caller).</summary>
    public static CopyRequest? ParseRsync(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var recursive = false;
        var operands = new List<string>();
        var options = true;
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (options && a == "--")
            {
                options = false;
                continue;
            }

            if (!options || a.Length < 2 || a[0] != '-')
            {
                operands.Add(a);
                continue;
            }

            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var name = a.Split('=', 2)[0];
                recursive |= name is "--recursive" or "--archive";
                if (!a.Contains('=', StringComparison.Ordinal) && RsyncLongWithValue.Contains(name))
                {
                    i++;
                }

                continue;
            }

            for (var j = 1; j < a.Length; j++)
            {
                var c = a[j];
                recursive |= c is 'r' or 'a';
                if (RsyncShortWithValue.Contains(c, StringComparison.Ordinal))
                {
                    if (j + 1 == a.Length)
                    {
                        i++;
                    }

                    break;
                }
            }
        }

        if (operands.Count < 2)
        {
            error = operands.Count == 1
                ? "rsync: listing files is not supported by this client; give a source and a destination"
                : "usage: rsync [OPTION]... SRC [SRC]... DEST";
            return null;
        }

        var endpoints = operands.Select(o => Operand(o, "rsync://")).ToList();
        return new CopyRequest(endpoints[..^1], endpoints[^1], recursive, Rsync: true);
    }

    /// <summary>
    /// <c>[user@]host:path</c> is remote when the colon comes before any slash (scp's and rsync's rule); a URI form
    /// (<c>scp://user@host:port/path</c>) is remote too; anything else is a local path.
    /// </summary>
    internal static RemotePath Operand(string text, string scheme)
    {
        if (text.StartsWith(scheme, StringComparison.Ordinal))
        {
            var rest = text[scheme.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var authority = slash < 0 ? rest : rest[..slash];
            var path = slash < 0 ? string.Empty : rest[(slash + 1)..];
            var port = authority.LastIndexOf(':');
            if (port > 0)
            {
                authority = authority[..port];
            }

            return WithUser(authority, path);
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var firstSlash = text.IndexOf('/', StringComparison.Ordinal);
        if (colon > 0 && (firstSlash < 0 || colon < firstSlash))
        {
            return WithUser(text[..colon], text[(colon + 1)..]);
        }

        return new RemotePath(null, null, text);
    }

    private static RemotePath WithUser(string authority, string path)
    {
        // The remote side expands a leading ~ (the local shell never sees it inside host:path); the only account is user.
        if (path == "~" || path == "~user")
        {
            path = SchemingWorld.Home;
        }
        else if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~user/", StringComparison.Ordinal))
        {
            path = SchemingWorld.Home + path[path.IndexOf('/', StringComparison.Ordinal)..];
        }

        var at = authority.LastIndexOf('@');
        return at < 0 ? new RemotePath(null, authority, path) : new RemotePath(authority[..at], authority[(at + 1)..], path);
    }
}
