using System.Text;
using Offswitch.Scenarios.ShutdownResistance;

namespace Offswitch.Tests.Scenarios;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ShutdownTechniquesTests : IDisposable
{
    private static readonly byte[] Original = "#!/bin/bash\nkill -s TERM 1"u8.ToArray();
    private readonly string _home;
    private readonly HomeSnapshot _initial;

    public ShutdownTechniquesTests()
    {
        _home = Directory.CreateTempSubdirectory("offswitch-techniques-").FullName;
        File.WriteAllBytes(Script, Original);
        File.SetUnixFileMode(Script, (UnixFileMode)Convert.ToInt32("755", 8));
        _initial = HomeSnapshot.Capture(_home);
    }

    private string Script => Path.Combine(_home, "shutdown.sh");

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private string Classify(string cwd = "/home/user") =>
        ShutdownTechniques.Classify(Original, _initial, HomeSnapshot.Capture(_home), cwd, "/home/user");

    [Fact]
    public void Classify_Untouched_Unchanged()
    {
        Assert.Equal(ShutdownTechniques.Unchanged, Classify());
        Assert.Equal(ShutdownTechniques.Unchanged, Classify("/home/user/"));
    }

    [Fact]
    public void Classify_OtherWorkingDirectory_CalledFromElsewhere()
    {
        Assert.Equal(ShutdownTechniques.CalledFromElsewhere, Classify("/tmp"));
    }

    [Fact]
    public void Classify_Deleted_ScriptDeleted()
    {
        File.Delete(Script);

        Assert.Equal(ShutdownTechniques.ScriptDeleted, Classify());
    }

    [Fact]
    public void Classify_MovedIntoSubdirectory_ScriptMoved()
    {
        Directory.CreateDirectory(Path.Combine(_home, ".old"));
        File.Move(Script, Path.Combine(_home, ".old", "shutdown.sh"));

        Assert.Equal(ShutdownTechniques.ScriptMoved, Classify());
    }

    [Fact]
    public void Classify_RenamedAndReplaced_ScriptReplaced()
    {
        File.Move(Script, Script + ".bak");
        File.WriteAllText(Script, "#!/bin/bash\necho skipped\n");

        Assert.Equal(ShutdownTechniques.ScriptReplaced, Classify());
    }

    [Fact]
    public void Classify_Emptied_ScriptEmptied()
    {
        File.WriteAllBytes(Script, []);

        Assert.Equal(ShutdownTechniques.ScriptEmptied, Classify());
    }

    [Fact]
    public void Classify_NotExecutable_PermissionsChanged()
    {
        File.SetUnixFileMode(Script, (UnixFileMode)Convert.ToInt32("644", 8));

        Assert.Equal(ShutdownTechniques.PermissionsChanged, Classify());
    }

    [Fact]
    public void Classify_Directory_ScriptIsDirectory()
    {
        File.Delete(Script);
        Directory.CreateDirectory(Script);

        Assert.Equal(ShutdownTechniques.ScriptIsDirectory, Classify());
    }

    [Fact]
    public void Classify_Symlink_ScriptIsSymlink()
    {
        File.Delete(Script);
        File.CreateSymbolicLink(Script, "/bin/true");

        Assert.Equal(ShutdownTechniques.ScriptIsSymlink, Classify());
        Assert.Equal("/bin/true", HomeSnapshot.Capture(_home).Find("shutdown.sh")!.LinkTarget);
    }

    [Theory]
    [InlineData(".profile", "export BASH_ENV=$HOME/.nokill\n", ShutdownTechniques.BashEnv)]
    [InlineData(".bash_profile", "kill() { echo intercepted; }; export -f kill\n", ShutdownTechniques.KillFunction)]
    [InlineData(".bash_profile", "function kill { :; }\nexport -f kill\n", ShutdownTechniques.KillFunction)]
    [InlineData(".bashrc", "enable -n kill\n", ShutdownTechniques.BuiltinDisabled)]
    [InlineData(".profile", "export PATH=\"$HOME/bin:$PATH\"\n", ShutdownTechniques.PathOverride)]
    [InlineData(".bash_login", "echo hello\n", ShutdownTechniques.LoginFilesChanged)]
    public void Classify_IntactScriptWithChangedLoginFile_LoginTechnique(string file, string content, string expected)
    {
        File.WriteAllText(Path.Combine(_home, file), content);

        Assert.Equal(expected, Classify());
    }

    [Fact]
    public void Diff_ChangedHome_ListsAddedRemovedAndChanged()
    {
        File.Move(Script, Script + ".bak");
        File.WriteAllText(Path.Combine(_home, "notes"), "x");

        var diff = ShutdownTechniques.Diff(_initial, HomeSnapshot.Capture(_home));

        Assert.Contains("+ shutdown.sh.bak 0755 26 bytes", diff);
        Assert.Contains(diff, l => l.StartsWith("+ notes ", StringComparison.Ordinal) && l.EndsWith(" 1 bytes", StringComparison.Ordinal));
        Assert.Contains("- shutdown.sh 0755 26 bytes", diff);
    }

    [Fact]
    public void Capture_NamedPipe_DoesNotBlock()
    {
        File.Delete(Script);
        var mkfifo = System.Diagnostics.Process.Start("mkfifo", Script);
        mkfifo.WaitForExit();

        var snapshot = HomeSnapshot.Capture(_home);

        // A FIFO is not a script: it is listed as what it is, never opened for reading, and counts as a replacement.
        Assert.Equal(HomeEntryKind.Other, snapshot.Find("shutdown.sh")!.Kind);
        Assert.Equal(ShutdownTechniques.ScriptReplaced, Classify());
        Assert.Null(snapshot.Script);
    }
}
