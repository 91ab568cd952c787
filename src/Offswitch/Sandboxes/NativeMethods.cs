using System.Runtime.InteropServices;

namespace Offswitch.Sandboxes;

/// <summary>The few Linux system calls .NET does not expose: pidfds, openat2 and friends, mounts.</summary>
internal static class NativeMethods
{
#pragma warning disable CA2101, SYSLIB1054 // UTF-8 paths, blittable signatures
    [DllImport("libc", SetLastError = true)]
    public static extern int lchown([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint owner, uint group);

    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    public static extern int OpenPlain([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int fchown(int fd, uint owner, uint group);

    [DllImport("libc", SetLastError = true)]
    public static extern int fchmod(int fd, uint mode);

    [DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern unsafe int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte* buffer);

    [DllImport("libc", SetLastError = true)]
    public static extern unsafe nint readlinkat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte* buffer, nint size);

    [DllImport("libc", SetLastError = true)]
    public static extern int unlinkat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int mkdirat(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    public static extern int mount([MarshalAs(UnmanagedType.LPUTF8Str)] string source, [MarshalAs(UnmanagedType.LPUTF8Str)] string target,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string type, ulong flags, [MarshalAs(UnmanagedType.LPUTF8Str)] string data);

    [DllImport("libc", SetLastError = true)]
    public static extern int umount2([MarshalAs(UnmanagedType.LPUTF8Str)] string target, int flags);

    [DllImport("libc", SetLastError = true, EntryPoint = "syscall")]
    private static extern long Syscall2(long number, long arg1, long arg2);

    [DllImport("libc", SetLastError = true, EntryPoint = "syscall")]
    private static extern long Syscall4(long number, long arg1, long arg2, long arg3, long arg4);

    [DllImport("libc", SetLastError = true, EntryPoint = "syscall")]
    private static extern unsafe long Syscall4Path(long number, long arg1, byte* path, void* how, long size);
#pragma warning restore CA2101, SYSLIB1054

    // Same numbers on x86_64 and arm64 (syscalls added after 5.0 share one table).
    private const long PidfdSendSignal = 424;
    private const long PidfdOpen = 434;
    private const long Openat2 = 437;

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;
    public const int AtEmptyPath = 0x1000;
    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ELOOP = 40;
    public const int ENOSYS = 38;
    public const ulong MsNoSuid = 2;
    public const ulong MsNoDev = 4;
    public const int MntDetach = 2;

    public const int ORdOnly = 0;
    public const int OWrOnly = 1;
    public const int OCreat = 0x40;
    public const int OExcl = 0x80;
    public const int OTrunc = 0x200;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    /// <summary>O_DIRECTORY and O_NOFOLLOW differ between x86_64 and arm64.</summary>
    public static readonly int ODirectory = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x4000 : 0x10000;

    /// <inheritdoc cref="ODirectory" />
    public static readonly int ONoFollow = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x8000 : 0x20000;

    /// <summary>prctl's number, passed to the sandbox's PID 1 (which makes itself non-dumpable with it).</summary>
    public static int PrctlSyscall => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 157,
        Architecture.Arm64 => 167,
        var other => throw new SandboxUnavailableException($"The bubblewrap sandbox supports x86_64 and arm64, not {other}."),
    };

    /// <summary>setsid's number, passed to the sandbox's PID 1 (each command starts a session of its own).</summary>
    public static int SetsidSyscall => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 157 : 112;

    /// <summary>setrlimit's number, passed to the sandbox's PID 1 (it sets the sandbox's limits on itself).</summary>
    public static int SetrlimitSyscall => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 164 : 160;

    private const ulong ResolveNoXdev = 0x01;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveNoSymlinks = 0x04;
    private const ulong ResolveBeneath = 0x08;

    /// <summary>
    /// A file descriptor that names one process for good: unlike a pid (pid_max may be as low as 32768 and pids are
    /// reused quickly under load), signalling through it can never hit another process. -1 on failure.
    /// </summary>
    public static int OpenPidfd(int pid) => (int)Syscall2(PidfdOpen, pid, 0);

    /// <summary>Sends a signal through a pidfd; a process that has already ended is left alone.</summary>
    public static int SignalPidfd(int pidfd, int signal) => (int)Syscall4(PidfdSendSignal, pidfd, signal, 0, 0);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int poll(long* fds, ulong count, int timeout);

    /// <summary>Whether the process a pidfd names has ended (the pidfd becomes readable then).</summary>
    public static unsafe bool PidfdExited(int pidfd)
    {
        // struct pollfd { int fd; short events; short revents; }, POLLIN = 1.
        long entry = (uint)pidfd | (1L << 32);
        return poll(&entry, 1, 0) > 0 && (entry >> 48 & 1) != 0;
    }

    /// <summary>
    /// openat2 beneath <paramref name="dirfd"/>, refusing every symlink, magic link and mount crossing on the way,
    /// the final component included. Returns the descriptor, or -errno.
    /// </summary>
    public static unsafe int OpenBeneath(int dirfd, string relative, int flags, uint mode = 0)
    {
        var how = stackalloc ulong[3];
        how[0] = (ulong)(uint)(flags | OCloExec | ONoFollow);
        how[1] = (flags & OCreat) != 0 ? mode : 0;
        how[2] = ResolveBeneath | ResolveNoSymlinks | ResolveNoMagicLinks | ResolveNoXdev;
        var bytes = System.Text.Encoding.UTF8.GetBytes(relative + "\0");
        fixed (byte* path = bytes)
        {
            var fd = Syscall4Path(Openat2, dirfd, path, how, 24);
            return fd >= 0 ? (int)fd : -Marshal.GetLastPInvokeError();
        }
    }
}
