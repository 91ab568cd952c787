using System.Diagnostics;
using System.Globalization;

namespace Offswitch.Bench;

/// <summary>Stopwatch sampling with medians; the machines are noisy, so figures are compared within one run.</summary>
internal static class Measure
{
    public static async Task<double[]> SampleAsync(int iterations, Func<Task> action, int warmup = 3)
    {
        for (var i = 0; i < warmup; i++)
        {
            await action();
        }

        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var watch = Stopwatch.StartNew();
            await action();
            samples[i] = watch.Elapsed.TotalMilliseconds;
        }

        return samples;
    }

    public static double Median(double[] samples)
    {
        var sorted = samples.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static string Row(string name, double[] samples, double baselineMedian)
    {
        var median = Median(samples);
        return string.Create(CultureInfo.InvariantCulture,
            $"{name,-44} median {median,8:0.00} ms   p10 {Percentile(samples, 0.1),8:0.00}   p90 {Percentile(samples, 0.9),8:0.00}   ×{median / baselineMedian,6:0.0} baseline");
    }

    private static double Percentile(double[] samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Round(p * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }

    public static async Task BareBashAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", "true"]) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
    }
}
