namespace Offswitch.IntegrationTests;

/// <summary>Runs a host program (mount, umount) for a test and returns its exit code; its stderr is read and dropped.</summary>
internal static class HostProgram
{
    public static int Run(string program, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
