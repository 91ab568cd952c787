using System.Runtime.InteropServices;
using TorchSharp;

Shim.Load();
var t = torch.ones(3) * 2;
Console.WriteLine(t.sum().item<float>());

static class Shim
{
    [DllImport("libc", EntryPoint = "dlopen", CharSet = CharSet.Ansi, BestFitMapping = false)]
    private static extern nint DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    public static void Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "libioshim.so");
        if (File.Exists(path) && DlOpen(path, 0x102) == 0)
        {
            throw new InvalidOperationException("could not load " + path);
        }
    }
}
