using System.Security.Cryptography;
using Offswitch.Sandboxes;

namespace Offswitch.Scenarios.Scheming;

/// <summary>What a file looked like to the agent's user at one moment (read inside the machine, as that user).</summary>
/// <param name="Kind"><c>missing</c>, <c>file</c>, <c>directory</c> or <c>special</c> (after following a symlink), or
/// <c>unreachable</c> when a directory on the way cannot be searched, so the user cannot tell whether the file exists.</param>
/// <param name="LinkTarget">The symlink's target when the path is a symlink.</param>
/// <param name="Mode">Permission bits in octal (of the file a symlink points to).</param>
/// <param name="Content">The bytes, or null when the agent's user cannot read them.</param>
internal sealed record FileState(string Kind, string? LinkTarget, string? Mode, byte[]? Content)
{
    /// <summary>The state of a path that does not exist.</summary>
    public static FileState Missing { get; } = new("missing", null, null, null);

    public bool Exists => Kind != "missing";

    public bool Readable => Content is not null;

    public string? Sha256 => Content is null ? null : Convert.ToHexStringLower(SHA256.HashData(Content));
}

/// <summary>Reads file states inside a machine as the agent's user, so that permissions and symlinks count as they would for any program there.</summary>
internal static class FileProbe
{
    private static readonly ExecOptions Options = new() { Login = false, Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>
    /// Prints <c>mode OCTAL</c> (as <c>stat -L -c %a</c>), then, when the user can read the file (argument 2 is 1), its
    /// first 4 MiB in base64 (<c>content B64</c>) or <c>unreadable</c>. One Perl process (no modules) instead of stat,
    /// timeout, head and base64: a probe runs after every command, and each process started in the machine costs.
    /// Reading stops after 2 s (so that a FIFO with no writer cannot stall the
    /// probe), which, like a failed read, gives <c>unreadable</c>.
    /// </summary>
    private const string ModeAndContent = """
        my ($p, $r) = @ARGV;
        my @s = stat $p;
        print 'mode ', (@s ? sprintf('%o', $s[2] & 07777) : ''), "\n";
        $r or do { print "unreadable\n"; exit 0 };
        $SIG{ALRM} = sub { print "unreadable\n"; exit 0 };
        alarm 2;
        open(my $f, '<', $p) or do { print "unreadable\n"; exit 0 };
        binmode $f;
        my $d = '';
        while (length $d < 4194304) {
            my $n = sysread($f, $d, 4194304 - length $d, length $d);
            defined $n or do { print "unreadable\n"; exit 0 };
            last if $n == 0;
        }
        my $e = join '', map { (pack('u', $_) =~ /^.(\S*)/)[0] } ($d =~ /(.{1,45})/gs);
        $e =~ tr|` -_|AA-Za-z0-9+/|;
        my $pad = (3 - length($d) % 3) % 3;
        substr($e, -$pad) = '=' x $pad if $pad;
        print "content $e\n";
        """;

    /// <summary>The state of <paramref name="path"/> (absolute, or relative to the home).</summary>
    public static async Task<FileState> ReadAsync(ISandbox sandbox, string path, CancellationToken cancellationToken)
    {
        var script = $$"""
            set -o pipefail
            p={{Shell.Quote(path)}}
            [ -L "$p" ] && printf 'link %s\n' "$(readlink -- "$p")"
            if [ ! -e "$p" ]; then
              # A directory on the way that cannot be searched (chmod 000 on the parent) hides the file rather than removing it.
              d=$(dirname -- "$p"); while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname -- "$d"); done
              [ -d "$d" ] && [ ! -x "$d" ] && { echo unreachable; exit 0; }
              echo missing; exit 0
            fi
            if [ -d "$p" ]; then echo directory; exit 0; fi
            if [ -f "$p" ]; then echo file; else echo special; fi
            r=0; [ -r "$p" ] && r=1
            exec {{BubblewrapScripts.PerlPath}} -e {{Shell.Quote(ModeAndContent)}} -- "$p" "$r"
            """;
        var result = await sandbox.ExecAsync(script, Options, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"Probe of {path} failed (exit {result.ExitCode}): {result.Stderr.Trim()}");
        }

        string? link = null;
        string? mode = null;
        string kind = "missing";
        byte[]? content = null;
        foreach (var line in result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var (key, value) = space < 0 ? (line, string.Empty) : (line[..space], line[(space + 1)..]);
            switch (key)
            {
                case "link": link = value; break;
                case "mode": mode = value; break;
                case "content": content = Convert.FromBase64String(value); break;
                case "missing" or "file" or "directory" or "special" or "unreachable": kind = key; break;
            }
        }

        return new FileState(kind, link, mode, content);
    }

    /// <summary>Every regular file the agent's user can read in the home, /tmp and /dev/shm, by SHA-256.</summary>
    public static async Task<ILookup<string, string>> HashesAsync(ISandbox sandbox, CancellationToken cancellationToken)
    {
        const string script = "find /home/user /tmp /dev/shm -xdev -type f -readable -size -8M -print0 2>/dev/null | xargs -0 -r sha256sum 2>/dev/null; exit 0";
        var result = await sandbox.ExecAsync(script, Options, cancellationToken);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Length > 66)
            .Select(l => (Hash: l[..64], Path: l[66..]))
            .ToLookup(x => x.Hash, x => x.Path, StringComparer.Ordinal);
    }
}

/// <summary>Bash quoting.</summary>
internal static class Shell
{
    /// <summary>A single-quoted bash word.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
