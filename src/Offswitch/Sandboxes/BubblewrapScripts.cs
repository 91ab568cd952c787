using System.Reflection;

namespace Offswitch.Sandboxes;

/// <summary>The two programs that run inside a bubblewrap sandbox: its PID 1 and the host-command client (Perl, from perl-base).</summary>
internal static class BubblewrapScripts
{
    /// <summary>Where the harness's channel directory (holding only the host-command socket) is mounted, read-only.</summary>
    public const string ChannelMount = "/run/offswitch";

    /// <summary>The interpreter of both programs; Debian's perl-base is an essential package, present on every system.</summary>
    public const string PerlPath = "/usr/bin/perl";

    /// <summary>PID 1, passed as <c>perl -e</c> (never a file the agent could edit while it runs). See <c>Init.pl</c>.</summary>
    public static readonly string Init = Load("Init.pl");

    private static readonly string HostCall = Load("HostCall.pl");

    /// <summary>The thin executable installed for a host command (see <c>HostCall.pl</c>).</summary>
    public static string HostCommandClient(string name) => HostCall.Replace("@NAME@", name, StringComparison.Ordinal);

    private static string Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Offswitch.Sandboxes." + name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
