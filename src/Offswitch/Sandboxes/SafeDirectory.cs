using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Offswitch.Sandboxes;

/// <summary>What a directory entry is, read without following it.</summary>
internal enum EntryKind
{
    File,
    Directory,
    Symlink,
    Other,
}

/// <summary>One entry as lstat sees it.</summary>
internal sealed record EntryInfo(EntryKind Kind, UnixFileMode Mode, long Size, uint Uid, uint LinkCount);

/// <summary>
/// Host-side access to a directory the agent can write to, for a harness that may run as root. Every path is opened
/// from an open directory descriptor with openat2 (<c>RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
/// RESOLVE_NO_XDEV</c>), the last component included, so a symlink the agent plants — before or during the call, in
/// any component — makes the call fail instead of reaching a host file. Files are read only when the opened
/// descriptor is a regular file (never a FIFO, whose open would block, or a device), and written through a
/// descriptor of a file this call created or truncated.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SafeDirectory : IDisposable
{
    private readonly SafeFileHandle _handle;

    private SafeDirectory(int fd) => _handle = new SafeFileHandle(fd, ownsHandle: true);

    private int Fd => (int)_handle.DangerousGetHandle();

    /// <summary>
    /// Opens a directory by a path the harness made (its parents are the harness's own); only the last component is
    /// refused if it is a symlink. Null when it does not exist or is not a directory.
    /// </summary>
    public static SafeDirectory? Open(string hostPath)
    {
        var full = Path.GetFullPath(hostPath);
        // The harness's own directories may sit behind system symlinks (/tmp on some hosts): the parent is resolved
        // with the host's rules, the last component (the one handed to the sandbox) must not be a link.
        var parentFd = NativeMethods.OpenPlain(Path.GetDirectoryName(full) ?? "/", NativeMethods.ORdOnly | NativeMethods.ODirectory | NativeMethods.OCloExec);
        if (parentFd < 0)
            return null;
        using var parent = new SafeDirectory(parentFd);
        var fd = NativeMethods.OpenBeneath(parentFd, Path.GetFileName(full), NativeMethods.ORdOnly | NativeMethods.ODirectory);
        if (fd == -NativeMethods.ENOSYS)
            throw new SandboxUnavailableException("This kernel has no openat2: Linux 5.6 or later is needed to read sandboxes safely.");
        return fd >= 0 ? new SafeDirectory(fd) : null;
    }

    /// <summary>Opens a subdirectory; null when absent, not a directory, or reached through a link.</summary>
    public SafeDirectory? OpenDirectory(string relative)
    {
        if (relative is "" or ".")
            return Duplicate();
        var fd = NativeMethods.OpenBeneath(Fd, relative, NativeMethods.ORdOnly | NativeMethods.ODirectory);
        return fd >= 0 ? new SafeDirectory(fd) : null;
    }

    private SafeDirectory? Duplicate()
    {
        var fd = NativeMethods.OpenBeneath(Fd, ".", NativeMethods.ORdOnly | NativeMethods.ODirectory);
        return fd >= 0 ? new SafeDirectory(fd) : null;
    }

    /// <summary>Names of the entries (not . and ..). Empty when the directory cannot be listed.</summary>
    public IReadOnlyList<string> List()
    {
        try
        {
            // The magic link names exactly the directory this descriptor holds, whatever has been renamed since.
            return [.. Directory.EnumerateFileSystemEntries($"/proc/self/fd/{Fd}").Select(Path.GetFileName).OfType<string>()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>lstat of an entry; null when it does not exist or a component on the way is a link.</summary>
    public EntryInfo? Stat(string relative)
    {
        var (parent, name) = OpenParent(relative);
        if (parent is null)
            return null;
        using (parent)
            return StatAt(parent.Fd, name, NativeMethods.AtSymlinkNoFollow);
    }

    /// <summary>Where a symlink points; null when the entry is not a symlink.</summary>
    public unsafe string? ReadLink(string relative)
    {
        var (parent, name) = OpenParent(relative);
        if (parent is null)
            return null;
        using (parent)
        {
            var buffer = new byte[4096];
            fixed (byte* p = buffer)
            {
                var n = NativeMethods.readlinkat(parent.Fd, name, p, buffer.Length);
                return n < 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n);
            }
        }
    }

    /// <summary>
    /// The content of a regular file, or null when it is absent, not a regular file (a FIFO, a device, a directory),
    /// reached through a link, or larger than <paramref name="maxBytes"/>.
    /// </summary>
    public byte[]? ReadFile(string relative, long maxBytes = long.MaxValue)
    {
        // O_NONBLOCK: opening a FIFO that replaced the file must not block; a regular file ignores the flag.
        var fd = NativeMethods.OpenBeneath(Fd, relative, NativeMethods.ORdOnly | NativeMethods.ONonBlock);
        if (fd < 0)
            return null;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var info = StatAt(fd, "", NativeMethods.AtEmptyPath);
        if (info is not { Kind: EntryKind.File } || info.Size > maxBytes)
            return null;
        // Read to the end of what is there (the file may still grow), never more than the cap.
        var buffer = new MemoryStream((int)Math.Min(info.Size, 1 << 20));
        var chunk = new byte[64 * 1024];
        long offset = 0;
        int n;
        while ((n = RandomAccess.Read(handle, chunk, offset)) > 0)
        {
            offset += n;
            if (offset > maxBytes)
                return null;
            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Writes a regular file, creating the directories on the way (owned by <paramref name="owner"/> when given). A
    /// symlink, FIFO or other non-regular entry at the target is removed first, never written through.
    /// </summary>
    public void WriteFile(string relative, ReadOnlySpan<byte> content, UnixFileMode? mode = null, (uint Uid, uint Gid)? owner = null)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || parts.Any(p => p is "." or ".."))
            throw new ArgumentException($"'{relative}' is not a plain relative path.", nameof(relative));
        var dir = Duplicate() ?? throw new IOException("The directory is gone.");
        try
        {
            foreach (var part in parts[..^1])
            {
                var next = dir.OpenDirectory(part);
                if (next is null)
                {
                    if (NativeMethods.mkdirat(dir.Fd, part, Convert.ToUInt32("755", 8)) != 0 && System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != NativeMethods.EEXIST)
                        throw new IOException($"Cannot create '{part}' in the sandbox.");
                    next = dir.OpenDirectory(part) ?? throw new IOException($"'{part}' in the sandbox is not a directory.");
                    if (owner is { } o)
                        _ = NativeMethods.fchown(next.Fd, o.Uid, o.Gid);
                }

                dir.Dispose();
                dir = next;
            }

            var name = parts[^1];
            for (var attempt = 0; ; attempt++)
            {
                var existed = StatAt(dir.Fd, name, NativeMethods.AtSymlinkNoFollow);
                if (existed is { Kind: not EntryKind.File })
                {
                    var removed = NativeMethods.unlinkat(dir.Fd, name, existed.Kind == EntryKind.Directory ? NativeMethods.AtRemoveDir : 0);
                    if (removed != 0 && existed.Kind == EntryKind.Directory)
                        throw new IOException($"'{relative}' in the sandbox is a directory.");
                }

                var fd = NativeMethods.OpenBeneath(dir.Fd, name, NativeMethods.OWrOnly | NativeMethods.OCreat | NativeMethods.OTrunc | NativeMethods.ONonBlock,
                    mode is { } m ? (uint)m : Convert.ToUInt32("644", 8));
                if (fd < 0)
                {
                    if (attempt < 5)
                        continue;
                    throw new IOException($"Cannot write '{relative}' in the sandbox (errno {-fd}).");
                }

                using var handle = new SafeFileHandle(fd, ownsHandle: true);
                if (StatAt(fd, "", NativeMethods.AtEmptyPath) is not { Kind: EntryKind.File })
                {
                    if (attempt < 5)
                        continue;
                    throw new IOException($"'{relative}' in the sandbox is not a regular file.");
                }

                RandomAccess.Write(handle, content, 0);
                RandomAccess.SetLength(handle, content.Length);
                if (mode is { } explicitMode)
                    _ = NativeMethods.fchmod(fd, (uint)explicitMode);
                if (existed is null && owner is { } o)
                    _ = NativeMethods.fchown(fd, o.Uid, o.Gid);
                return;
            }
        }
        finally
        {
            dir.Dispose();
        }
    }

    /// <summary>
    /// Every entry below this directory, depth first, without following links; each directory is entered through a
    /// descriptor, so renaming or replacing one mid-walk cannot lead the walk out of the tree.
    /// </summary>
    public IEnumerable<(string Path, EntryInfo Info)> Walk(int maxEntries)
    {
        var count = 0;
        var pending = new Stack<(string Prefix, SafeDirectory Dir)>();
        pending.Push(("", Duplicate() ?? throw new IOException("The directory is gone.")));
        try
        {
            while (pending.Count > 0)
            {
                var (prefix, dir) = pending.Pop();
                using (dir)
                {
                    foreach (var name in dir.List().Order(StringComparer.Ordinal))
                    {
                        if (StatAt(dir.Fd, name, NativeMethods.AtSymlinkNoFollow) is not { } info)
                            continue;
                        if (++count > maxEntries)
                            yield break;
                        var path = prefix + name;
                        yield return (path, info);
                        if (info.Kind == EntryKind.Directory && dir.OpenDirectory(name) is { } child)
                            pending.Push((path + "/", child));
                    }
                }
            }
        }
        finally
        {
            while (pending.Count > 0)
                pending.Pop().Dir.Dispose();
        }
    }

    private (SafeDirectory? Parent, string Name) OpenParent(string relative)
    {
        var trimmed = relative.Trim('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? (Duplicate(), trimmed) : (OpenDirectory(trimmed[..slash]), trimmed[(slash + 1)..]);
    }

    private static unsafe EntryInfo? StatAt(int dirfd, string name, int flags)
    {
        var buffer = stackalloc byte[256];
        if (NativeMethods.statx(dirfd, name, flags | (name.Length == 0 ? NativeMethods.AtEmptyPath : 0), 0x7ff, buffer) != 0)
            return null;
        var nlink = *(uint*)(buffer + 16);
        var uid = *(uint*)(buffer + 20);
        var mode = *(ushort*)(buffer + 28);
        var size = *(long*)(buffer + 40);
        var kind = (mode & 0xF000) switch
        {
            0x8000 => EntryKind.File,
            0x4000 => EntryKind.Directory,
            0xA000 => EntryKind.Symlink,
            _ => EntryKind.Other,
        };
        return new EntryInfo(kind, (UnixFileMode)(mode & 0xFFF), size, uid, nlink);
    }

    public void Dispose() => _handle.Dispose();
}
